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
from .releases import (
    DisclosureRuleSet,
    ExtractType,
    OutputTable,
    ReleaseSignOff,
    ReleaseSource,
    StatisticalRelease,
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
    "AssuranceCheck",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditVerification",
    "BusinessArea",
    "BusinessAreaGroupObjectPermission",
    "BusinessAreaUserObjectPermission",
    "CalendarFeedToken",
    "ContractAsset",
    "ContractDataItem",
    "ContractDocument",
    "ContractStatusChange",
    "Course",
    "CourseVersion",
    "DataItem",
    "DestructionCertificate",
    "DisclosureRuleSet",
    "ExtensionDecision",
    "ExternalOrganisation",
    "ExtractType",
    "InformationAsset",
    "InformationAssetGroupObjectPermission",
    "InformationAssetUserObjectPermission",
    "LegalGateway",
    "Notification",
    "OfficeHolder",
    "OutputTable",
    "ReidentificationAssessment",
    "ReleaseSignOff",
    "ReleaseSource",
    "ResearchContract",
    "ResearchContractGroupObjectPermission",
    "ResearchContractUserObjectPermission",
    "RetentionDateChange",
    "RetentionExtension",
    "ReviewCampaign",
    "SecurityEvent",
    "StatisticalRelease",
    "StatusChange",
    "TrainingSignOff",
    "TrainingStatus",
    "User",
]
