"""Screening for a DPIA: which records are screened, the facts read from them, and what stops their approval.

Every new processing activity, submitted access request, research contract sent for assurance and sharing
agreement that involves special category data, or identifiable data at scale (``DPIA_SCALE_THRESHOLD``), gets
a screening automatically (connected in ``governance.receivers``). Access requests, contracts and agreements
are then not approved while their screening is open, or says a DPIA is needed and it is not signed:
``approval_problems`` is the check registered with ``governance.core.approval_gates``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Model

from governance.access.models import AccessRequest
from governance.access.policy import active_iam
from governance.contracts.models import ContractAsset, ContractDataItem, ResearchContract
from governance.core.approval_gates import Problem
from governance.core.models import BusinessArea, User
from governance.core.notifications import notify
from governance.core.offices import data_protection_officer
from governance.privacy.models import DPIA, ProcessingActivity, RiskLevel, SharingAgreement
from governance.register.models import DataItem, InformationAsset

S = DataItem.Sensitivity
SUBJECT_FIELDS: dict[type[Model], str] = {
    ProcessingActivity: "processing_activity",
    AccessRequest: "access_request",
    ResearchContract: "contract",
    SharingAgreement: "sharing_agreement",
}
KIND_NAMES: dict[type[Model], str] = {
    ProcessingActivity: "processing activity",
    AccessRequest: "access request",
    ResearchContract: "research contract",
    SharingAgreement: "sharing agreement",
}


@dataclass(frozen=True)
class Facts:
    """What the record says about the data: special category, identifiable at scale, and who answers for it."""

    special_category: bool
    identifiable_at_scale: bool
    business_area: BusinessArea | None
    iam: User | None

    @property
    def needs_screening(self) -> bool:
        return self.business_area is not None and (self.special_category or self.identifiable_at_scale)


def _at_scale(asset: InformationAsset, identifiers: int) -> bool:
    """Identifiable data at scale: a 100% extract of an identifiable asset, with enough direct identifiers."""
    return (
        asset.identifiability == InformationAsset.Identifiability.IDENTIFIABLE
        and asset.extract_type == InformationAsset.ExtractType.FULL
        and identifiers >= settings.DPIA_SCALE_THRESHOLD
    )


def _from_items(pairs: list[tuple[InformationAsset, str]]) -> tuple[bool, bool]:
    special = any(sensitivity == S.SPECIAL_CATEGORY for _, sensitivity in pairs)
    identifiers: dict[int, int] = {}
    assets: dict[int, InformationAsset] = {}
    for asset, sensitivity in pairs:
        assets[asset.pk] = asset
        if sensitivity == S.DIRECT_IDENTIFIER:
            identifiers[asset.pk] = identifiers.get(asset.pk, 0) + 1
    return special, any(_at_scale(asset, identifiers.get(pk, 0)) for pk, asset in assets.items())


def facts_of(record: Model) -> Facts:
    if isinstance(record, AccessRequest):
        asset = record.asset
        pairs = [(asset, sensitivity) for sensitivity in record.items.values_list("data_item__sensitivity", flat=True)]
        special, scale = _from_items(pairs)
        return Facts(special, scale, asset.business_area, active_iam(asset))
    if isinstance(record, ResearchContract):
        rows = list(
            ContractDataItem.objects.filter(contract_asset__contract=record).select_related(
                "contract_asset__asset__business_area", "contract_asset__asset__manager"
            )
        )
        special, scale = _from_items([(row.contract_asset.asset, row.sensitivity) for row in rows])
        first = (
            ContractAsset.objects.filter(contract=record)
            .select_related("asset__business_area", "asset__manager")
            .order_by("asset__name", "pk")
            .first()
        )
        if first is None:
            return Facts(special, scale, None, None)
        return Facts(special, scale, first.asset.business_area, active_iam(first.asset))
    if isinstance(record, ProcessingActivity):
        items = DataItem.objects.filter(asset__in=record.assets.all()).select_related("asset")
        special, scale = _from_items([(item.asset, item.sensitivity) for item in items])
        special = (
            special or bool(record.special_category_condition) or record.assets.filter(special_category=True).exists()
        )
        return Facts(special, scale, record.business_area, record.owner)
    if isinstance(record, SharingAgreement):
        items = record.data_items.select_related("asset")
        special, scale = _from_items([(item.asset, item.sensitivity) for item in items])
        special = special or bool(record.special_category_condition)
        return Facts(special, scale, record.business_area, record.manager)
    raise TypeError(f"Nothing is screened for a DPIA on {type(record).__name__}")


def dpia_of(record: Model) -> DPIA | None:
    """The record's latest DPIA (or screening), if it has one."""
    field = SUBJECT_FIELDS.get(type(record))
    if field is None or record.pk is None:
        return None
    return DPIA.objects.filter(**{field: record}).order_by("-created_at", "-pk").first()


def screen(record: Model) -> DPIA | None:
    """Start the record's screening if it involves special category or identifiable data at scale.

    Idempotent: a record already screened keeps its screening. Runs in the caller's transaction.
    """
    if dpia_of(record) is not None:
        return None
    facts = facts_of(record)
    if not facts.needs_screening or facts.business_area is None:
        return None
    dpia = DPIA.objects.create(
        title=f"DPIA for the {KIND_NAMES[type(record)]} {record}"[:250],
        business_area=facts.business_area,
        iam=facts.iam,
        special_category=facts.special_category,
        identifiable_at_scale=facts.identifiable_at_scale,
        **{SUBJECT_FIELDS[type(record)]: record},
    )
    recipients = [facts.iam, data_protection_officer()]
    if facts.iam is None:
        recipients.append(facts.business_area.deputy_siro)
    for person in {p.pk: p for p in recipients if p is not None and p.is_active}.values():
        notify(
            person,
            key=f"dpia-screening:{dpia.pk}:{person.pk}",
            subject=f"DPIA screening to answer: {record}",
            template="emails/dpia_screening.txt",
            context={"dpia": dpia, "kind": KIND_NAMES[type(record)]},
        )
    return dpia


# --- the approval gate -----------------------------------------------------------------------------

GATED = (AccessRequest, ResearchContract, SharingAgreement)


def problems_of(dpia: DPIA | None, kind: str) -> list[str]:
    if dpia is None or dpia.state == DPIA.State.NOT_NEEDED:
        return []
    url = dpia.get_absolute_url()
    if dpia.state == DPIA.State.SCREENING:
        return [
            Problem(f"The DPIA screening of this {kind} is not finished: answer it before this can be approved", url)
        ]
    if dpia.state != DPIA.State.SIGNED:
        return [
            Problem(
                f"A DPIA is needed before this can be approved: it is {dpia.get_state_display().lower()}, "
                "and must be signed by the IAM and the Deputy SIRO",
                url,
            )
        ]
    if dpia.residual_risk == RiskLevel.HIGH:
        if dpia.consultation_outcome == DPIA.ConsultationOutcome.DO_NOT_PROCEED:
            return [Problem("The ICO advised, in the prior consultation on its DPIA, not to go ahead", url)]
        if not dpia.consultation_outcome:
            return [
                Problem(
                    "The DPIA's residual risk is high: the ICO's answer to the prior consultation (Article 36) "
                    "is needed before this can be approved",
                    url,
                )
            ]
    return []


def approval_problems(record: Model) -> list[str]:
    """What the DPIA stops: registered with ``core.approval_gates`` for requests, contracts and agreements."""
    if not isinstance(record, GATED):
        return []
    return problems_of(dpia_of(record), KIND_NAMES[type(record)])
