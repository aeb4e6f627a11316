"""Models, one module per area of the policy. Import from here."""

from .access import (
    AccessGrant,
    AccessRequest,
    AccessRequestItem,
    AccessReview,
    AssetExtract,
    ReviewCampaign,
    StatusChange,
)
from .access_events import AccessEvent
from .assets import AssetReview, DataItem, InformationAsset
from .audit import AuditCheckpoint, AuditEntry, AuditVerification
from .notifications import Notification
from .organisation import BusinessArea, OfficeHolder, User
from .permissions import (
    BusinessAreaGroupObjectPermission,
    BusinessAreaUserObjectPermission,
    InformationAssetGroupObjectPermission,
    InformationAssetUserObjectPermission,
)
from .security import SecurityEvent
from .training import Course, CourseVersion, TrainingSignOff, TrainingStatus

__all__ = [
    "AccessEvent",
    "AccessGrant",
    "AccessRequest",
    "AccessRequestItem",
    "AccessReview",
    "AssetExtract",
    "AssetReview",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditVerification",
    "BusinessArea",
    "BusinessAreaGroupObjectPermission",
    "BusinessAreaUserObjectPermission",
    "Course",
    "CourseVersion",
    "DataItem",
    "InformationAsset",
    "InformationAssetGroupObjectPermission",
    "InformationAssetUserObjectPermission",
    "Notification",
    "OfficeHolder",
    "ReviewCampaign",
    "SecurityEvent",
    "StatusChange",
    "TrainingSignOff",
    "TrainingStatus",
    "User",
]
