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
from .api_tokens import ApiToken
from .assets import AssetReview, DataItem, InformationAsset
from .assurance import AssuranceReturn, AssuranceRound, InformationRisk
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
from .incidents import Incident, IncidentAction, IncidentLink
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
from .security import SecurityEvent, SecurityKeyRequirement
from .training import Course, CourseVersion, TrainingSignOff, TrainingStatus
from .trends import ComplianceSnapshot

__all__ = [
    "AccessEvent",
    "AccessGrant",
    "AccessRequest",
    "AccessRequestItem",
    "AccessReview",
    "ApiToken",
    "AssetExtract",
    "AssetReview",
    "AssuranceCheck",
    "AssuranceReturn",
    "AssuranceRound",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditVerification",
    "BusinessArea",
    "BusinessAreaGroupObjectPermission",
    "BusinessAreaUserObjectPermission",
    "CalendarFeedToken",
    "ComplianceSnapshot",
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
    "Incident",
    "IncidentAction",
    "IncidentLink",
    "InformationAsset",
    "InformationAssetGroupObjectPermission",
    "InformationAssetUserObjectPermission",
    "InformationRisk",
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
    "SecurityKeyRequirement",
    "StatisticalRelease",
    "StatusChange",
    "TrainingSignOff",
    "TrainingStatus",
    "User",
]
