"""Models, one module per area of the policy. Import from here."""

from .assets import AssetReview, DataItem, InformationAsset
from .audit import AuditEntry
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
    "AssetReview",
    "AuditEntry",
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
    "SecurityEvent",
    "TrainingSignOff",
    "TrainingStatus",
    "User",
]
