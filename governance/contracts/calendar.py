"""The retention calendar: upcoming retention ends and destruction dates, the personal feed, the export.

The feed is opened by a long random key in its address because calendar
applications cannot sign in with a second factor. Only the key's SHA-256
digest is stored; the key is shown once and can be replaced or revoked.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, Case, Count, DateField, F, QuerySet, Value, When
from django.utils import timezone

from governance.contracts.icalendar import AllDayEvent, calendar
from governance.contracts.models import CalendarFeedToken, ResearchContract
from governance.contracts.policy import is_contract_manager
from governance.contracts.selectors import (
    destruction_due_within,
    destruction_overdue,
    retention_ending_within,
    visible_contracts,
)
from governance.core.models import User

Status = ResearchContract.Status
OPEN_STATUSES = (*ResearchContract.PRE_RELEASE, *ResearchContract.HOLDING_DATA)
SOON_DAYS = 30


def _overdue(today: datetime.date):
    return Case(
        When(destruction_overdue(today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _next_date():
    """The next date that matters: retention end while it is running, then destruction."""
    return Case(
        When(status=Status.RETENTION_ENDED, then=F("destruction_due_date")),
        default=F("retention_end_date"),
        output_field=DateField(),
    )


def calendar_contracts(user: User, today: datetime.date | None = None) -> QuerySet:
    """Open contracts ``user`` may see, overdue destruction first, then by the next date that matters."""
    today = today or timezone.localdate()
    return (
        visible_contracts(user, ResearchContract.objects.filter(status__in=OPEN_STATUSES))
        .select_related("organisation", "manager")
        .annotate(destruction_is_overdue=_overdue(today), next_date=_next_date())
        .order_by("-destruction_is_overdue", "next_date", "reference", "pk")
    )


def calendar_counts(queryset: QuerySet, today: datetime.date | None = None) -> dict:
    """Overdue destruction, retention ending soon, destruction due soon: one query."""
    today = today or timezone.localdate()
    return queryset.order_by().aggregate(
        overdue=Count("pk", filter=destruction_overdue(today)),
        retention_soon=Count("pk", filter=retention_ending_within(today, SOON_DAYS)),
        destruction_soon=Count("pk", filter=destruction_due_within(today, SOON_DAYS)),
    )


EXPORT_COLUMNS = (
    "reference",
    "title",
    "contractor",
    "contract_manager",
    "status",
    "start_date",
    "end_date",
    "data_released_on",
    "retention_end_date",
    "destruction_due_date",
    "days_to_destruction_due",
    "destruction_overdue",
)


def export_rows(queryset: QuerySet, today: datetime.date | None = None):
    """Rows in ``EXPORT_COLUMNS`` order; the queryset must select the organisation and manager."""
    today = today or timezone.localdate()
    for contract in queryset.iterator(chunk_size=1000):
        yield [
            contract.reference,
            contract.title,
            contract.organisation.name,
            contract.manager.display_name,
            contract.get_status_display(),
            contract.start_date.isoformat(),
            contract.end_date.isoformat(),
            contract.data_released_on.isoformat() if contract.data_released_on else "",
            contract.retention_end_date.isoformat(),
            contract.destruction_due_date.isoformat(),
            (contract.destruction_due_date - today).days,
            "yes" if contract.destruction_overdue(today) else "no",
        ]


# --- the personal feed ---------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_feed_token(user: User, *, by: User) -> str:
    """Create (or replace) ``user``'s feed key and return it: the only time it is ever shown."""
    if by.pk != user.pk or not is_contract_manager(user):
        raise PermissionDenied("Only research contract managers can have a calendar feed, and only their own.")
    for existing in CalendarFeedToken.objects.select_for_update().filter(user=user):
        existing.delete()
    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.create(user=user, token_hash=_digest(token))
    return token


@transaction.atomic
def revoke_feed_token(user: User, *, by: User) -> bool:
    if by.pk != user.pk and not getattr(by, "is_system", False):
        raise PermissionDenied("Only the owner of a calendar feed can revoke it.")
    removed = False
    for existing in CalendarFeedToken.objects.select_for_update().filter(user=user):
        existing.delete()
        removed = True
    return removed


def feed_owner(token: str) -> User | None:
    """The contract manager whose feed ``token`` opens, or None (unknown, revoked, or no longer entitled)."""
    if not token or len(token) > 200:
        return None
    row = CalendarFeedToken.objects.select_related("user").filter(token_hash=_digest(token)).first()
    if row is None or not is_contract_manager(row.user):
        return None
    return row.user


def feed_text(user: User, *, base_url: str, host: str, now: datetime.datetime | None = None) -> str:
    """The iCalendar text of ``user``'s own contracts' retention ends and destruction dates.

    Deliberately brief (reference and contractor, no project details): calendar
    services outside the department may hold it.
    """
    now = now or timezone.now()
    contracts = (
        ResearchContract.objects.filter(manager=user, status__in=OPEN_STATUSES)
        .select_related("organisation")
        .order_by("retention_end_date", "pk")
    )
    events = []
    for contract in contracts:
        url = f"{base_url}{contract.get_absolute_url()}"
        label = f"{contract.reference} ({contract.organisation.name})"
        if contract.status != Status.RETENTION_ENDED:
            events.append(
                AllDayEvent(
                    uid=f"contract-{contract.pk}-retention-end@{host}",
                    day=contract.retention_end_date,
                    summary=f"Retention ends: {label}",
                    description=f"The contractor may hold the data until this day. {url}",
                    url=url,
                    categories=("Research contracts",),
                )
            )
        events.append(
            AllDayEvent(
                uid=f"contract-{contract.pk}-destruction-due@{host}",
                day=contract.destruction_due_date,
                summary=f"Destruction due: {label}",
                description=f"The data must be destroyed and the certificate recorded by this day. {url}",
                url=url,
                categories=("Research contracts",),
            )
        )
    return calendar(f"Research contracts: {user.display_name}", events, now=now)
