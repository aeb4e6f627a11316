"""Reminders of retention and destruction dates, to the contract manager and the contractor.

Steps, for every contract whose contractor holds data:

- before retention ends: ``CONTRACT_REMINDER_DAYS`` days before (30 and 7 by default);
- before destruction is due: the same;
- while destruction is overdue: weekly (the key names the ISO week);
- once destruction is ``CONTRACT_ESCALATION_DAYS`` overdue: to the Deputy SIRO of
  every business area whose assets were provided (the SIRO if none is appointed, and
  while the SIRO's office is vacant its stand-ins, ``SIRO_VACANT_FALLBACK_GROUP``).

Each message's key names the contract, the step, the date it is about and the
recipient, so a second run, a retry or an overlap sends nothing more, and a
date moved by an extension gets its own reminders.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.states import contact_name_for
from governance.core.models import OfficeHolder, User
from governance.core.notifications import notify
from governance.core.offices import siro_recipients
from governance.core.plurals import plural
from governance.core.policy import holds_office

Status = ResearchContract.Status
logger = logging.getLogger(__name__)


@dataclass
class ContractReminderRun:
    retention_due: int = 0
    destruction_due: int = 0
    destruction_overdue: int = 0
    escalated: int = 0

    def as_dict(self) -> dict:
        return {
            "retention_due": self.retention_due,
            "destruction_due": self.destruction_due,
            "destruction_overdue": self.destruction_overdue,
            "escalated": self.escalated,
        }


def _recipient_key(recipient: User | str) -> str:
    if isinstance(recipient, str):
        return "e" + hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]
    return f"u{recipient.pk}"


def _recipients(contract: ResearchContract) -> list[tuple[User | str, str]]:
    """The contract manager (if still active) and the contractor's contacts, with the name to greet."""
    people: list[tuple[User | str, str]] = []
    if contract.manager.is_active:
        people.append((contract.manager, contract.manager.first_name or contract.manager.display_name))
    for address in contract.contact_addresses():
        people.append((address, contact_name_for(contract, address)))
    return people


def _step(days_left: int) -> int | None:
    """The reminder step due now: the smallest configured step at or above the days left."""
    steps = sorted(settings.CONTRACT_REMINDER_DAYS)
    for step in steps:
        if 0 <= days_left <= step:
            return step
    return None


def _send(contract, *, step: str, date: datetime.date, suffix: str, subject: str, template: str, context: dict) -> int:
    sent = 0
    for recipient, name in _recipients(contract):
        notification = notify(
            recipient,
            key=f"contract-{step}:{contract.pk}:{date.isoformat()}:{suffix}:{_recipient_key(recipient)}",
            subject=subject,
            template=template,
            context={**context, "contract": contract, "name": name, "internal": not isinstance(recipient, str)},
        )
        sent += notification is not None
    return sent


def send_contract_reminders(today: datetime.date | None = None) -> ContractReminderRun:
    """Send the reminders due today. Each contract is locked and read again before its reminders go:
    a destruction recorded or a date moved while the job runs is what the reminders follow, and
    one contract's failure is logged without stopping the others."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(settings.CONTRACT_REMINDER_DAYS, default=0))
    run = ContractReminderRun()
    due = ResearchContract.objects.filter(status__in=ResearchContract.HOLDING_DATA).filter(
        Q(status=Status.DATA_RELEASED, retention_end_date__gte=today, retention_end_date__lte=horizon)
        | Q(destruction_due_date__lte=horizon)
    )
    siro: list[User] | None = None
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                contract = (
                    due.select_for_update(of=("self",))
                    .select_related("manager", "organisation")
                    .prefetch_related(
                        Prefetch(
                            "contract_assets",
                            queryset=ContractAsset.objects.select_related("asset__business_area__deputy_siro"),
                        )
                    )
                    .filter(pk=pk)
                    .first()
                )
                if contract is None:
                    continue  # no longer holding data, or its dates moved, since the list was read
                if siro is None and contract.destruction_due_date < today:
                    siro = siro_recipients()
                _remind(contract, today, run, siro or [])
        except Exception:
            logger.exception("Reminders for research contract %s failed; the other contracts go on", pk)
    return run


def _remind(contract: ResearchContract, today: datetime.date, run: ContractReminderRun, siro: list[User]) -> None:
    if contract.status == Status.DATA_RELEASED:
        days_left = (contract.retention_end_date - today).days
        step = _step(days_left)
        if step is not None:
            run.retention_due += _send(
                contract,
                step="retention-due",
                date=contract.retention_end_date,
                suffix=f"{step}d",
                subject=f"Retention ends in {plural(days_left, 'day')}: {contract.reference}",
                template="emails/contract_retention_due.txt",
                context={"days_left": days_left},
            )
    days_left = (contract.destruction_due_date - today).days
    step = _step(days_left)
    if step is not None:
        run.destruction_due += _send(
            contract,
            step="destruction-due",
            date=contract.destruction_due_date,
            suffix=f"{step}d",
            subject=f"Destruction due in {plural(days_left, 'day')}: {contract.reference}",
            template="emails/contract_destruction_due.txt",
            context={"days_left": days_left},
        )
    if days_left < 0:
        overdue = -days_left
        year, week, _ = today.isocalendar()
        run.destruction_overdue += _send(
            contract,
            step="destruction-overdue",
            date=contract.destruction_due_date,
            suffix=f"{year}-W{week:02d}",
            subject=f"Destruction overdue by {plural(overdue, 'day')}: {contract.reference}",
            template="emails/contract_destruction_overdue.txt",
            context={"days_overdue": overdue},
        )
        if overdue >= settings.CONTRACT_ESCALATION_DAYS:
            run.escalated += _escalate(contract, overdue, siro)


def _escalate(contract: ResearchContract, overdue: int, siro: list[User]) -> int:
    deputies: dict[int, tuple[User, list[str]]] = {}
    for contract_asset in contract.contract_assets.all():
        area = contract_asset.asset.business_area
        deputy = area.deputy_siro
        if deputy is not None and deputy.is_active:
            deputies.setdefault(deputy.pk, (deputy, []))[1].append(area.name)
    siro_vacant = False
    if not deputies:
        # The SIRO, or while the office is vacant whoever stands in (``siro_recipients``).
        for person in siro:
            deputies.setdefault(person.pk, (person, []))
        siro_vacant = bool(siro) and not holds_office(siro[0], OfficeHolder.Office.SIRO)
    sent = 0
    for deputy, areas in deputies.values():
        notification = notify(
            deputy,
            key=f"contract-destruction-escalated:{contract.pk}:{contract.destruction_due_date.isoformat()}:{deputy.pk}",
            subject=f"Escalation: destruction overdue by {overdue} days for contract {contract.reference}",
            template="emails/contract_destruction_escalation.txt",
            context={
                "contract": contract,
                "days_overdue": overdue,
                "areas": sorted(set(areas)),
                "siro_vacant": siro_vacant,
                "name": deputy.first_name or deputy.display_name,
            },
        )
        sent += notification is not None
    return sent
