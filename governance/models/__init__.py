"""Models, one module per area of the policy. Import from here."""

from .access_events import AccessEvent
from .assets import AssetReview, DataItem, InformationAsset
from .audit import AuditEntry
from .contracts import (
    AssuranceCheck,
    CalendarFeedToken,
    ContractAsset,
    ContractDataItem,
    ContractDocument,
    ContractStatusChange,
    DestructionCertificate,
    ExtensionDecision,
    ExternalOrganisation,
    LegalGateway,
    ReidentificationAssessment,
    ResearchContract,
    RetentionDateChange,
    RetentionExtension,
)
from .notifications import Notification
from .organisation import BusinessArea, OfficeHolder, User
from .permissions import (
    BusinessAreaGroupObjectPermission,
    BusinessAreaUserObjectPermission,
    InformationAssetGroupObjectPermission,
    InformationAssetUserObjectPermission,
    ResearchContractGroupObjectPermission,
    ResearchContractUserObjectPermission,
)
from .security import SecurityEvent

__all__ = [
    "AccessEvent",
    "AssetReview",
    "AssuranceCheck",
    "AuditEntry",
    "BusinessArea",
    "BusinessAreaGroupObjectPermission",
    "BusinessAreaUserObjectPermission",
    "CalendarFeedToken",
    "ContractAsset",
    "ContractDataItem",
    "ContractDocument",
    "ContractStatusChange",
    "DataItem",
    "DestructionCertificate",
    "ExtensionDecision",
    "ExternalOrganisation",
    "InformationAsset",
    "InformationAssetGroupObjectPermission",
    "InformationAssetUserObjectPermission",
    "LegalGateway",
    "Notification",
    "OfficeHolder",
    "ReidentificationAssessment",
    "ResearchContract",
    "ResearchContractGroupObjectPermission",
    "ResearchContractUserObjectPermission",
    "RetentionDateChange",
    "RetentionExtension",
    "SecurityEvent",
    "User",
]
