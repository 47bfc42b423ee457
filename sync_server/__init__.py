"""Sync server for Haarlem's enforcement officers: api → services → models/db."""
