"""Business rules of the sync server; no HTTP here (that is api/)."""
