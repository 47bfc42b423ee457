"""The wire format between the field app and the sync server.

Both sides import this package; it imports neither of them (only pydantic), so
a change to the contract is one change in one place, visible to both.
See ../shared/design/sync-protocol.md for the properties it must keep.
"""

from sync_protocol.enums import DECISIONS, MANAGER_ROLES, RecordStatus, ReviewState, Role
from sync_protocol.errors import ErrorBody, ErrorCode
from sync_protocol.messages import (
    Change,
    ChangeOp,
    EnrollRequest,
    EnrollResponse,
    LoginRequest,
    PullPage,
    PushItemResult,
    PushRequest,
    PushResponse,
    PushStatus,
    UserInfo,
)
from sync_protocol.records import (
    KIND_MODELS,
    Actie,
    Adrescontrole,
    AdrescontroleUitkomst,
    GeleKaart,
    Incident,
    IncidentType,
    IntegraleControle,
    Jongere,
    Location,
    PolitieOpvolging,
    RecordEnvelope,
    RecordKind,
    SignaalOndermijning,
    Waarneming,
    validate_payload,
)
from sync_protocol.version import PROTOCOL_HEADER, PROTOCOL_VERSION, SUPPORTED_PROTOCOLS

__all__ = [
    "DECISIONS",
    "MANAGER_ROLES",
    "RecordStatus",
    "ReviewState",
    "Role",
    "KIND_MODELS",
    "PROTOCOL_HEADER",
    "PROTOCOL_VERSION",
    "SUPPORTED_PROTOCOLS",
    "Actie",
    "Adrescontrole",
    "AdrescontroleUitkomst",
    "Change",
    "ChangeOp",
    "EnrollRequest",
    "EnrollResponse",
    "ErrorBody",
    "ErrorCode",
    "GeleKaart",
    "Incident",
    "IncidentType",
    "IntegraleControle",
    "Jongere",
    "Location",
    "LoginRequest",
    "PolitieOpvolging",
    "PullPage",
    "PushItemResult",
    "PushRequest",
    "PushResponse",
    "PushStatus",
    "RecordEnvelope",
    "RecordKind",
    "SignaalOndermijning",
    "UserInfo",
    "Waarneming",
    "validate_payload",
]
