"""Tables of the sync server. Importing this package registers all of them."""

from sync_server.models.accounts import (
    AuthFailure,
    Device,
    EnrolmentCode,
    OidcHandoff,
    OidcLogin,
    User,
    UserDistrict,
)
from sync_server.models.audit import AuditEntry, RetentionEntry
from sync_server.models.changes import Change, ChangeCounter
from sync_server.models.indicators import (
    ImportedIndicatorValue,
    IndicatorImport,
    IndicatorSnapshot,
    SnapshotRun,
)
from sync_server.models.records import Blob, BlobUpload, Record, RecordPhoto, RecordVersion
from sync_server.models.reference import (
    District,
    Hotspot,
    Indicator,
    IndicatorValue,
    ReferenceLoad,
    Theme,
)
from sync_server.models.review import IncidentFollowup, ReviewEvent, SavedFilter
from sync_server.models.wijk import Melding, Wijkactie

__all__ = [
    "AuditEntry",
    "AuthFailure",
    "Blob",
    "BlobUpload",
    "Change",
    "ChangeCounter",
    "Device",
    "District",
    "EnrolmentCode",
    "Hotspot",
    "ImportedIndicatorValue",
    "IncidentFollowup",
    "Indicator",
    "IndicatorImport",
    "IndicatorSnapshot",
    "IndicatorValue",
    "Melding",
    "OidcHandoff",
    "OidcLogin",
    "Record",
    "RecordPhoto",
    "RecordVersion",
    "ReferenceLoad",
    "RetentionEntry",
    "ReviewEvent",
    "SavedFilter",
    "SnapshotRun",
    "Theme",
    "User",
    "UserDistrict",
    "Wijkactie",
]
