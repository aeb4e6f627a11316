"""Models, one module per area of the policy. Import from here."""

from .audit import AuditEntry
from .notifications import Notification
from .organisation import BusinessArea, OfficeHolder, User
from .permissions import BusinessAreaGroupObjectPermission, BusinessAreaUserObjectPermission
from .security import SecurityEvent

__all__ = [
    "AuditEntry",
    "BusinessArea",
    "BusinessAreaGroupObjectPermission",
    "BusinessAreaUserObjectPermission",
    "Notification",
    "OfficeHolder",
    "SecurityEvent",
    "User",
]
