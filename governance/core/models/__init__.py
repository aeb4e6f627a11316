"""The core's models: people and organisation, audit, security, notifications, API tokens, access events.

Other domains' models live in their own folders.
"""

from .access_events import AccessEvent
from .api_tokens import ApiToken
from .audit import AuditCheckpoint, AuditEntry, AuditScoped, AuditVerification
from .notifications import Notification
from .organisation import BusinessArea, OfficeHolder, PortalUserManager, User, person_name
from .permissions import BusinessAreaGroupObjectPermission, BusinessAreaUserObjectPermission
from .security import SecurityEvent, SecurityKeyRequirement
from .sso import IdentityProviderDevice, LogoutTokenUse, ProviderSession, ProvisionedGroup

__all__ = [
    "AccessEvent",
    "ApiToken",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditScoped",
    "AuditVerification",
    "BusinessArea",
    "BusinessAreaGroupObjectPermission",
    "BusinessAreaUserObjectPermission",
    "IdentityProviderDevice",
    "LogoutTokenUse",
    "Notification",
    "OfficeHolder",
    "PortalUserManager",
    "ProviderSession",
    "ProvisionedGroup",
    "SecurityEvent",
    "SecurityKeyRequirement",
    "User",
    "person_name",
]
