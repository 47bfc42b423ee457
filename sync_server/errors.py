"""Domain errors with stable codes; the API turns them into `{code, message}` replies.

Services raise these so that they need not know about HTTP; the status code
lives next to the error code so that each error always gets the same answer.
"""

from __future__ import annotations

from sync_protocol import ErrorCode

_STATUS: dict[ErrorCode, int] = {
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.INVALID_REQUEST: 422,
    ErrorCode.INVALID_TEXT: 422,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.BATCH_TOO_LARGE: 413,
    ErrorCode.PROTOCOL_MISSING: 400,
    ErrorCode.PROTOCOL_UNSUPPORTED: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.TOKEN_MISSING: 401,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.TOKEN_REVOKED: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.SSO_FAILED: 401,
    ErrorCode.SSO_NOT_CONFIGURED: 404,
    ErrorCode.SECOND_FACTOR_REQUIRED: 401,
    ErrorCode.SECOND_FACTOR_FAILED: 401,
    ErrorCode.LOGIN_FAILED: 401,
    ErrorCode.ENROLMENT_CODE_INVALID: 401,
    ErrorCode.ENROLMENT_CODE_EXPIRED: 401,
    ErrorCode.TOO_MANY_ATTEMPTS: 429,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.DEVICE_MISMATCH: 403,
    ErrorCode.BLOB_HASH_INVALID: 400,
    ErrorCode.BLOB_HASH_MISMATCH: 400,
    ErrorCode.BLOB_TOO_LARGE: 413,
    ErrorCode.BLOB_NOT_AN_IMAGE: 415,
    ErrorCode.BLOB_IMAGE_TOO_LARGE: 413,
    ErrorCode.BLOB_HAS_METADATA: 422,
    ErrorCode.USER_EXISTS: 409,
    ErrorCode.UNKNOWN_DISTRICT: 422,
    ErrorCode.CONFLICT: 409,
    ErrorCode.CURSOR_AHEAD: 409,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.PHOTO_STORE_UNAVAILABLE: 503,
    ErrorCode.UNKNOWN_WIJKACTIE: 422,
    ErrorCode.HOTSPOT_EXISTS: 409,
    ErrorCode.IMPORT_INVALID: 422,
    ErrorCode.TILES_UNAVAILABLE: 503,
}


class ServiceError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        retry_after: int | None = None,
        details: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.details = details

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 400)
