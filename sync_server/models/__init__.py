"""Tables of the sync server. Importing this package registers all of them."""

from sync_server.models.accounts import AuthFailure, Device, EnrolmentCode, User, UserDistrict
from sync_server.models.changes import Change, ChangeCounter
from sync_server.models.records import Blob, Record, RecordPhoto, RecordVersion
from sync_server.models.reference import (
    District,
    Hotspot,
    Indicator,
    IndicatorValue,
    ReferenceLoad,
    Theme,
)

__all__ = [
    "AuthFailure",
    "Blob",
    "Change",
    "ChangeCounter",
    "Device",
    "District",
    "EnrolmentCode",
    "Hotspot",
    "Indicator",
    "IndicatorValue",
    "Record",
    "RecordPhoto",
    "RecordVersion",
    "ReferenceLoad",
    "Theme",
    "User",
    "UserDistrict",
]
