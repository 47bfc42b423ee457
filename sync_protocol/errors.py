"""Stable error codes. The app maps each code to a Dutch message with what to do.

Codes never change meaning once released; add new ones instead.
"""

from enum import StrEnum

from pydantic import BaseModel


class ErrorCode(StrEnum):
    # request shape
    MALFORMED_JSON = "malformed_json"
    INVALID_REQUEST = "invalid_request"
    # text a database cannot store (U+0000, a lone surrogate), anywhere in a request
    INVALID_TEXT = "invalid_text"
    BODY_TOO_LARGE = "body_too_large"
    BATCH_TOO_LARGE = "batch_too_large"
    PROTOCOL_MISSING = "protocol_missing"
    PROTOCOL_UNSUPPORTED = "protocol_unsupported"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # authentication and authorisation
    TOKEN_MISSING = "token_missing"
    TOKEN_INVALID = "token_invalid"
    TOKEN_REVOKED = "token_revoked"
    # a browser session ended by inactivity or its absolute lifetime: log in again
    TOKEN_EXPIRED = "token_expired"
    # a password was right, the second factor (TOTP) is missing or wrong
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    # single sign-on: the identity provider's answer was refused, or SSO is off
    SSO_FAILED = "sso_failed"
    SSO_NOT_CONFIGURED = "sso_not_configured"
    LOGIN_FAILED = "login_failed"
    ENROLMENT_CODE_INVALID = "enrolment_code_invalid"
    ENROLMENT_CODE_EXPIRED = "enrolment_code_expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    FORBIDDEN = "forbidden"
    DEVICE_MISMATCH = "device_mismatch"
    # records (per record in a push reply)
    UNKNOWN_KIND = "unknown_kind"
    INVALID_RECORD = "invalid_record"
    UNKNOWN_THEME = "unknown_theme"
    UNKNOWN_HOTSPOT = "unknown_hotspot"
    NOT_OWNER = "not_owner"
    DISTRICT_NOT_ALLOWED = "district_not_allowed"
    # a record names a district action that does not exist or is of another district
    UNKNOWN_WIJKACTIE = "unknown_wijkactie"
    # photos
    BLOB_HASH_INVALID = "blob_hash_invalid"
    BLOB_HASH_MISMATCH = "blob_hash_mismatch"
    BLOB_TOO_LARGE = "blob_too_large"
    BLOB_NOT_AN_IMAGE = "blob_not_an_image"
    BLOB_IMAGE_TOO_LARGE = "blob_image_too_large"
    BLOB_HAS_METADATA = "blob_has_metadata"
    # resources
    USER_EXISTS = "user_exists"
    UNKNOWN_DISTRICT = "unknown_district"
    HOTSPOT_EXISTS = "hotspot_exists"
    # a residents' reports import with bad rows: nothing was imported (details per row)
    IMPORT_INVALID = "import_invalid"
    CONFLICT = "conflict"
    # the device's pull cursor is beyond the server's last change (a restored
    # backup): the app must pull again from 0
    CURSOR_AHEAD = "cursor_ahead"
    INTERNAL_ERROR = "internal_error"
    PHOTO_STORE_UNAVAILABLE = "photo_store_unavailable"
    # the map tile server cannot be reached and the tile is not in the cache
    TILES_UNAVAILABLE = "tiles_unavailable"


class ErrorBody(BaseModel):
    """Every error reply: a code for the program, a message for the person."""

    code: ErrorCode
    message: str
    protocol: int = 1
    details: list[dict[str, object]] | None = None
