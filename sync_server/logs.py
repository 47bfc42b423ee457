"""Log lines an operator can use: JSON (python-json-logger), one object a line,
each carrying the id of the request it belongs to.

The request id comes from the proxy's X-Request-ID (nginx sets it) or is made
here, is answered in the X-Request-ID header and in every error reply, and is
put on every log line written while the request is handled (a context
variable, so it follows the request into worker threads). Messages never carry
request bodies or submitted values: those may be personal data.
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from sync_server.config import Settings

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (handler-level filter, so
    records from every logger get it, uvicorn's access log included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class WithoutExceptionText(logging.Filter):
    """Drops uvicorn's own "Exception in ASGI application" record: its traceback
    ends in the exception's text, which may quote submitted values. The app's
    handler (api/errors.py) has logged the same failure as frames with the
    request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.exc_info is None


_JSON = "pythonjsonlogger.json.JsonFormatter"
_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
_TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(settings: Settings) -> dict[str, Any]:
    as_json = settings.log_format == "json"
    formatter: dict[str, Any] = (
        {"()": _JSON, "fmt": _FIELDS, "rename_fields": {"levelname": "level", "asctime": "time"}}
        if as_json
        else {"format": _TEXT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "without_exception_text": {"()": WithoutExceptionText},
        },
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": settings.log_level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": settings.log_level},
            "uvicorn.error": {
                "handlers": [],
                "propagate": True,
                "filters": ["without_exception_text"],
            },
            "uvicorn.access": {"handlers": [], "propagate": True},
            # A database error names its statement (hide_parameters: never values).
            "sqlalchemy": {"level": "WARNING"},
            "urllib3": {"level": "ERROR"},
            # One line per migration step at every start is noise; failures still show.
            "alembic": {"level": "WARNING"},
        },
    }


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """The same configuration, handed to uvicorn so each worker applies it."""
    return logging_config(settings)


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
