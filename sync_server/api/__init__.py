"""HTTP layer: routes, authentication, and turning errors into `{code, message}`."""

from sync_server.api.app import create_app

__all__ = ["create_app"]
