"""Access's visibility rules as querysets: what a person may list, each rule written once."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple, overload

from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from governance.access.models import AccessGrant, AccessRequest, AccessReview, RecertificationCampaign
from governance.access.policy import (
    can_decide_as_deputy,
    can_decide_as_iam,
    reviewer_for,
)
from governance.core.compiled import CompiledQuery
from governance.core.expressions import AmongIds
from governance.core.models import AccessEvent, BusinessArea, OfficeHolder, User, person_name
from governance.core.policy import has_oversight, is_member, role_facts, stands_in
from governance.core.selectors import overseen_areas
from governance.core.two_person import is_person, office_holder
from governance.register.models import DataItem, InformationAsset, InformationAssetUserObjectPermission
from governance.register.policy import EDIT_PERM
from governance.training.models import Course, TrainingStatus

R = AccessRequest.State
LIVE = (AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED)


def _holder_events(grant: str = "") -> QuerySet[AccessEvent]:
    """The access events of a grant's holder on the grant's asset (``grant``: as ``_last_access``)."""
    asset_type = ContentType.objects.get_for_model(InformationAsset)
    return AccessEvent.objects.filter(
        user=OuterRef(f"{grant}holder"),
        content_type=asset_type,
        object_pk=Cast(OuterRef(f"{grant}asset_id"), output_field=CharField()),
    )


def _last_access(grant: str = "") -> tuple[Subquery, Subquery]:
    """The holder's last access to the grant's asset, and what it opened (its columns), from the access events.

    ``grant`` is the path from the queried model to the grant ("" on grants, "grant__" on reviews).
    """
    events = _holder_events(grant).order_by("-at", "-pk")
    return Subquery(events.values("at")[:1]), Subquery(events.values("detail")[:1])


def opened_since(since: datetime.datetime | None = None) -> Exists:
    """Whether a grant's holder opened its asset at or after ``since`` (ever, when None): the events
    ``_last_access`` reads, asked as one probe of their index.

    "Last access before ``since``, or never" is the negation: asked of the last access itself, each
    grant looked its last access up twice (once for NULL, once to compare), 2,000 grants for an IAM."""
    events = _holder_events()
    if since is not None:
        events = events.filter(at__gte=since)
    return Exists(events)


def training_lapsed(holder: str, on: datetime.date | None = None) -> Case:
    """True when the holder lacks a current sign-off of a published course that applies to them
    (every member of staff's courses; a data handler's too), as one SQL expression."""
    on = on or timezone.localdate()

    def missing(audience: str) -> Exists:
        current = TrainingStatus.objects.filter(
            user=OuterRef(OuterRef(holder)), course=OuterRef("pk"), expires_on__gt=on
        )
        return Exists(
            Course.objects.filter(is_active=True, audience=audience, versions__isnull=False).filter(~Exists(current))
        )

    lapsed = Q(missing(Course.Audience.ALL_STAFF)) | (
        Q(**{f"{holder}__is_data_handler": True}) & Q(missing(Course.Audience.DATA_HANDLERS))
    )
    return Case(When(lapsed, then=Value(True)), default=Value(False), output_field=BooleanField())


def managed_live_grants(user) -> QuerySet[AccessGrant]:
    """Every live grant (active or suspended) on the assets ``user`` is the IAM of, and nothing else:
    the rows "Your grants" lists, counted and sorted before any is read with its evidence."""
    if not is_member(user):
        return AccessGrant.objects.none()
    return AccessGrant.objects.filter(asset__manager=user, state__in=LIVE)


def _due_for_review() -> Exists:
    return Exists(AccessReview.objects.filter(grant=OuterRef("pk"), decision="", campaign__closed_at__isnull=True))


def _reviewed_this_period() -> Exists:
    reviewed = AccessReview.objects.filter(grant=OuterRef("pk"), campaign__closed_at__isnull=True)
    return Exists(reviewed.exclude(decision=""))


def _item_count() -> Coalesce:
    # The items are counted in a subquery, not a join: grouping by every column made the
    # paginator's count carry every annotation and the training check run once per item.
    items = (
        AccessGrant.items.through.objects.filter(accessgrant_id=OuterRef("pk"))
        .order_by()
        .values("accessgrant_id")
        .values(n=Count("pk"))
    )
    return Coalesce(Subquery(items, output_field=IntegerField()), 0)


_EVIDENCE: dict[str, Callable[[datetime.date | None], Any]] = {
    "last_access": lambda on: _last_access()[0],
    "item_count": lambda on: _item_count(),
    "training_lapsed": lambda on: training_lapsed("holder", on),
    "due_for_review": lambda on: _due_for_review(),
    "reviewed_this_period": lambda on: _reviewed_this_period(),
}


def grant_evidence(*names: str, on: datetime.date | None = None) -> dict[str, Any]:
    """The evidence "Your grants" shows and filters by, as expressions on a grant (those ``names``, or
    all): the holder's last access to the asset (from the access events), whether their training has
    lapsed (on ``on``, today by default), whether the grant waits in an open access review or was
    reviewed in one, and the number of items it gives.

    A filter adds only the ones it asks (``alias``): annotated on every grant, the training check
    joined each of an IAM's 2,000 grants to its holder just to count and sort them."""
    return {name: _EVIDENCE[name](on) for name in names or _EVIDENCE}


class YourGrantRow(NamedTuple):
    """One row of "Your grants": a grant, its holder, its asset and the evidence, as plain values."""

    pk: int
    state: str
    ends_on: datetime.date
    asset_name: str
    asset_area_id: int | None
    holder_username: str
    holder_first_name: str
    holder_last_name: str
    holder_is_active: bool
    holder_leaver_date: datetime.date | None
    holder_area_id: int | None
    holder_area_name: str | None
    last_access: datetime.datetime | None
    item_count: int
    training_lapsed: bool
    due_for_review: bool
    reviewed_this_period: bool

    @property
    def holder_name(self) -> str:
        """As ``User.display_name``: the full name, or the username where there is none."""
        return person_name(self.holder_first_name, self.holder_last_name, self.holder_username)


_YOUR_GRANT_COLUMNS = (
    "pk",
    "state",
    "ends_on",
    "asset__name",
    "asset__business_area_id",
    "holder__username",
    "holder__first_name",
    "holder__last_name",
    "holder__is_active",
    "holder__leaver_date",
    "holder__business_area_id",
    "holder__business_area__name",
    *_EVIDENCE,
)


def _your_grant_rows(*, iam: int, ids: list[int], today: datetime.date) -> QuerySet:
    return (
        AccessGrant.objects.filter(AmongIds("pk", ids), asset__manager_id=iam, state__in=LIVE)
        .annotate(**grant_evidence(on=today))
        .values_list(*_YOUR_GRANT_COLUMNS)
    )


# Compiled once: building and compiling the grants' evidence (five subqueries) took as long as
# PostgreSQL took to answer for the page's 50 grants. The ids go as one array.
_YOUR_GRANT_ROWS = CompiledQuery(_your_grant_rows, iam=int, ids=list, today=datetime.date)


def your_grant_rows(user: User, ids: list[int]) -> dict[int, YourGrantRow]:
    """The rows of "Your grants" for ``ids`` (of ``managed_live_grants``), by id, in one query: live
    grants on the assets ``user`` manages, with their holders, assets and ``grant_evidence``.

    Plain values rather than models: a grant, its holder, the holder's area and the asset built
    for each of the 50 rows cost more than reading them."""
    rows = _YOUR_GRANT_ROWS.rows(iam=user.pk, ids=list(ids), today=timezone.localdate())
    return {row[0]: YourGrantRow(*row) for row in rows}


def _asset_names(*, iam: int) -> QuerySet:
    return InformationAsset.objects.filter(manager_id=iam).order_by("name").values_list("pk", "name")


def _item_names(*, iam: int) -> QuerySet:
    items = DataItem.objects.filter(asset__manager_id=iam).order_by("asset__name", "asset_id", "name")
    return items.values_list("pk", "name", "asset", "asset__name")


# The choices of "Your grants" filters, compiled once: building and compiling the two querysets on every
# view of the list cost as much as running them.
_ASSET_NAMES = CompiledQuery(_asset_names, iam=int)
_ITEM_NAMES = CompiledQuery(_item_names, iam=int)


def managed_asset_names(user: User | None) -> list[tuple]:
    """The (id, name) of the assets ``user`` manages, by name (none for nobody)."""
    if user is None or user.pk is None:
        return []
    return _ASSET_NAMES.rows(using=router.db_for_read(InformationAsset), iam=user.pk)


def managed_item_names(user: User | None) -> list[tuple]:
    """The (id, name, asset id, asset name) of the data items of the assets ``user`` manages, by asset and
    name (none for nobody)."""
    if user is None or user.pk is None:
        return []
    return _ITEM_NAMES.rows(using=router.db_for_read(DataItem), iam=user.pk)


def campaign_reviews(campaign: RecertificationCampaign) -> QuerySet[AccessReview]:
    """The reviews an IAM's campaign holds: those of the grants on the assets the IAM manages, never
    a grant the IAM holds themselves (their Deputy SIRO reviews it)."""
    return _reviews_of(campaign.review_campaign_id, campaign.iam_id)


def _reviews_of(review_campaign: int, iam: int) -> QuerySet[AccessReview]:
    return AccessReview.objects.filter(campaign_id=review_campaign, grant__asset__manager=iam).exclude(
        grant__holder=iam
    )


CAMPAIGN_FIGURES = ("total", "pending", "kept", "shortened", "revoked")


class _AmongRows(Expression):
    """``column IN (subquery)`` as a filter, sent to PostgreSQL as ``column = ANY(ARRAY(subquery))``.

    PostgreSQL joins ``IN`` (or the join the ORM writes) one grant at a time, each probing the reviews'
    index afresh; given the ids as one array it looks them up in a single scan of the index: a fifth
    less time for the 2,000 grants of an IAM's campaign. Other databases get the ``IN``."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, rows: QuerySet):
        super().__init__()
        self.column, self.rows = F(column), Subquery(rows)

    def get_source_expressions(self):
        return [self.column, self.rows]

    def set_source_expressions(self, exprs):
        self.column, self.rows = exprs

    def as_sql(self, compiler, connection, template="{} IN {}"):
        column, column_params = compiler.compile(self.column)
        rows, rows_params = compiler.compile(self.rows)  # parenthesised: "(SELECT ...)"
        return template.format(column, rows), (*column_params, *rows_params)

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="{} = ANY(ARRAY{})")


def _figures(review_campaign: int, *, iam: int) -> QuerySet:
    # The rule of ``_reviews_of``, with the grants as a list of ids rather than joined (``_AmongRows``).
    grants = AccessGrant.objects.filter(asset__manager=iam).exclude(holder=iam).order_by().values("pk")
    return (
        AccessReview.objects.filter(_AmongRows("grant_id", grants), campaign_id=review_campaign)
        .order_by()
        .values("campaign_id")
        .annotate(
            total=Count("pk"),
            pending=Count("pk", filter=Q(decision="")),
            kept=Count("pk", filter=Q(decision=AccessReview.Decision.CONFIRM)),
            shortened=Count("pk", filter=Q(decision=AccessReview.Decision.SHORTEN)),
            revoked=Count("pk", filter=Q(decision=AccessReview.Decision.REVOKE)),
        )
        .values(*CAMPAIGN_FIGURES)
    )


# The campaign page's two statements, compiled once: building the rows' evidence (three subqueries)
# and the five counts cost the page more than PostgreSQL took to answer them. The review campaign
# (one a quarter) and the page's place are fixed arguments; the IAM and today's date vary.
_FIGURES = CompiledQuery(_figures, iam=int)


def campaign_figures(campaign: RecertificationCampaign) -> dict[str, int]:
    """How many reviews the IAM's campaign holds, and how many are still to decide, kept, shortened or revoked."""
    found = _FIGURES.dicts(campaign.review_campaign_id, iam=campaign.iam_id)
    return found[0] if found else dict.fromkeys(CAMPAIGN_FIGURES, 0)


# The columns of a campaign page's row, in the order ``campaign_rows`` reads them.
CAMPAIGN_ROW_COLUMNS = (
    "pk",
    "grant_id",
    "grant__state",
    "grant__ends_on",
    "grant__asset__name",
    "grant__asset__business_area_id",
    "grant__holder__username",
    "grant__holder__first_name",
    "grant__holder__last_name",
    "grant__holder__is_active",
    "grant__holder__leaver_date",
    "grant__holder__business_area_id",
    "holder_area_name",
    "last_access",
    "last_detail",
    "training_lapsed",
)


def campaign_rows(reviews: QuerySet[AccessReview]) -> QuerySet:
    """``reviews`` (of ``campaign_reviews``) as the campaign page's rows, each a tuple of
    ``CAMPAIGN_ROW_COLUMNS`` with the evidence beside it: the holder's last access and what it
    opened, their training, whether they left or work in another area. Sorted by asset, then the
    holder's surname and first name, in constant queries (the items held: ``items_held``).

    Tuples rather than models: building a review, its grant, holder, holder's area and asset for each
    row cost more than the rest of the page. The page reads them a page at a time (``PendingRows``)."""
    return _rows(reviews, timezone.localdate())


def _rows(reviews: QuerySet[AccessReview], today: datetime.date) -> QuerySet:
    last_access, last_detail = _last_access("grant__")
    return (
        reviews.annotate(
            # Looked up for the page's rows only: PostgreSQL works out such a column after the sort and
            # its limit, where a join met all the grants to review (520 at scale) with their areas.
            holder_area_name=Subquery(
                BusinessArea.objects.filter(pk=OuterRef("grant__holder__business_area_id"))
                .order_by()
                .values("name")[:1]
            ),
            last_access=last_access,
            last_detail=last_detail,
            training_lapsed=training_lapsed("grant__holder", today),
        )
        .order_by("grant__asset__name", "grant__holder__last_name", "grant__holder__first_name", "pk")
        .values_list(*CAMPAIGN_ROW_COLUMNS)
    )


class _Undecided(Expression):
    """``decision = ''`` with the empty string written into the SQL rather than sent as a parameter.

    The rows' statement is prepared and PostgreSQL may keep one generic plan for it. With the empty
    string a parameter, the generic plan could not know the reviews still to decide are those of the
    partial index ``access_review_undecided_grant``; it was estimated dearer than a plan made for the
    values, so the statement (four joins and five subqueries) was planned afresh on every view: about
    2 ms of a page whose statement then ran in 3. Written in, the generic plan matches the index and
    is kept."""

    output_field = BooleanField()
    conditional = True

    def __init__(self):
        super().__init__()
        self.column = F("decision")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        return f"{sql} = ''", params


def _pending_rows(review_campaign: int, offset: int, limit: int, *, iam: int, today: datetime.date) -> QuerySet:
    return _rows(_reviews_of(review_campaign, iam).filter(_Undecided()), today)[offset : offset + limit]


_PENDING_ROWS = CompiledQuery(_pending_rows, iam=int, today=datetime.date)


class PendingRows(Sequence[tuple]):
    """The campaign's reviews still to decide as ``campaign_rows`` gives them, for a ``Paginator``: each
    page read by its own compiled statement. Its length is the count given (the page's figures have it)."""

    def __init__(self, campaign: RecertificationCampaign, count: int):
        self.campaign, self.total = campaign, count

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, window: int) -> tuple: ...

    @overload
    def __getitem__(self, window: slice) -> list[tuple]: ...

    def __getitem__(self, window: int | slice) -> tuple | list[tuple]:
        if isinstance(window, int):
            if not 0 <= window < self.total:
                raise IndexError(window)
            return self[window : window + 1][0]
        start, stop = window.start or 0, window.stop if window.stop is not None else self.total
        if stop <= start:
            return []  # an empty page (nothing left to review): no statement to run
        campaign = self.campaign
        return _PENDING_ROWS.rows(
            campaign.review_campaign_id, start, stop - start, iam=campaign.iam_id, today=timezone.localdate()
        )


def _items_of(*, ids: list[int]) -> QuerySet:
    # The item's name by a lookup per link, not a join: joined, PostgreSQL hashed all 100,000 data
    # items to name the hundred a page of fifty grants holds.
    name = DataItem.objects.filter(pk=OuterRef("dataitem_id")).order_by().values("name")[:1]
    return (
        AccessGrant.items.through.objects.filter(AmongIds("accessgrant_id", ids))
        .annotate(item_name=Subquery(name))
        .order_by(F("item_name"), "dataitem_id")  # the items' own order within an asset, in the database's collation
        .values_list("accessgrant_id", F("item_name"))
    )


_ITEMS_OF = CompiledQuery(_items_of, ids=list)


def items_held(grant_ids: list[int]) -> dict[int, list[str]]:
    """The names of the items each grant gives, in the items' own order (a grant's items are of one
    asset: by name, then id), in one query compiled once."""
    held: dict[int, list[str]] = {grant: [] for grant in grant_ids}
    for grant, name in _ITEMS_OF.rows(ids=list(grant_ids)) if grant_ids else ():
        held[grant].append(name)
    return held


def items_used(detail: str | None, held: list[str]) -> list[str]:
    """The held items that the last access opened, read from its record ("grant 7; columns: a, b")."""
    if not detail or "columns:" not in detail:
        return []
    opened = {name.strip() for name in detail.split("columns:", 1)[1].split(",")}
    return [name for name in held if name in opened]


@dataclass(frozen=True)
class CampaignProgress:
    """One IAM's campaign and its counts: total, pending, kept, shortened, revoked."""

    campaign: RecertificationCampaign
    figures: dict


def campaign_progress(user: User) -> list[CampaignProgress]:
    """Each IAM's campaign with its counts (to review, kept, shortened, revoked), in the areas ``user``
    oversees as Deputy SIRO (every area for oversight). Two queries, however many campaigns and grants."""
    reviews = AccessReview.objects.all()
    if not has_oversight(user):
        reviews = reviews.filter(grant__asset__business_area__in=overseen_areas(user))
    D = AccessReview.Decision
    counts = (
        reviews.exclude(grant__holder=F("grant__asset__manager"))
        .values("campaign_id", "grant__asset__manager_id")
        .annotate(
            total=Count("pk"),
            pending=Count("pk", filter=Q(decision="")),
            kept=Count("pk", filter=Q(decision=D.CONFIRM)),
            shortened=Count("pk", filter=Q(decision=D.SHORTEN)),
            revoked=Count("pk", filter=Q(decision=D.REVOKE)),
        )
        .order_by()
    )
    figures = {(row["campaign_id"], row["grant__asset__manager_id"]): row for row in counts}
    campaigns = (
        RecertificationCampaign.objects.filter(
            review_campaign_id__in={c for c, _ in figures}, iam_id__in={i for _, i in figures}
        )
        .select_related("review_campaign", "iam")
        .order_by("-review_campaign__period_start", "iam__last_name", "iam__first_name", "pk")
    )
    return [
        CampaignProgress(campaign, figures[(campaign.review_campaign_id, campaign.iam_id)])
        for campaign in campaigns
        if (campaign.review_campaign_id, campaign.iam_id) in figures
    ]


def _stand_in_requests() -> QuerySet[AccessRequest]:
    """Requests waiting for a second approval their area's Deputy SIRO may not give (the post is
    empty, or the Deputy SIRO asked or took the IAM's step): the SIRO's, or the alternate's."""
    deputy = "asset__business_area__deputy_siro"
    return AccessRequest.objects.filter(
        state=R.SUBMITTED,
        iam_decision=AccessRequest.Decision.APPROVE,
        needs_deputy_approval=True,
        deputy_decision="",
    ).filter(
        Q(**{f"{deputy}__isnull": True})
        | Q(**{f"{deputy}__is_active": False})
        | Q(**{deputy: F("requester")})
        | Q(**{deputy: F("iam_decided_by")})
    )


def _stand_in_grants() -> QuerySet[AccessGrant]:
    """Live grants neither their asset's IAM nor its area's Deputy SIRO may recertify (gone, or the
    holder): the SIRO's to review, or the alternate's."""
    return AccessGrant.objects.filter(_stood_in_for())


def _stood_in_for(grant: str = "") -> Q:
    """``_stand_in_grants`` as a condition; ``grant`` is the path from the queried model to the grant
    ("" on grants, "grant__" on reviews), so reviews are narrowed in one query with their grants' joins.

    Only a grant held by a Deputy SIRO, or on an asset of an area without an active one, can be
    one: those two lists (from the holder index, and from the few vacant areas' assets) narrow the
    grants first. The conditions alone, OR-ed across the joins, made PostgreSQL read every live
    grant (40 ms at 100,000 for the SIRO's home page)."""
    deputy, manager, holder = f"{grant}asset__business_area__deputy_siro", f"{grant}asset__manager", F(f"{grant}holder")
    iam_cannot = Q(**{f"{manager}__isnull": True}) | Q(**{f"{manager}__is_active": False}) | Q(**{manager: holder})
    deputy_cannot = Q(**{f"{deputy}__isnull": True}) | Q(**{f"{deputy}__is_active": False}) | Q(**{deputy: holder})
    deputies = BusinessArea.objects.filter(deputy_siro__isnull=False).values("deputy_siro")
    held_by_deputies = AccessGrant.objects.filter(holder__in=deputies).order_by().values("pk")
    vacant = Q(asset__business_area__deputy_siro__isnull=True) | Q(asset__business_area__deputy_siro__is_active=False)
    in_vacant_areas = AccessGrant.objects.filter(vacant).order_by().values("pk")
    candidates = held_by_deputies.union(in_vacant_areas, all=True)
    return Q(**{f"{grant}state__in": LIVE, f"{grant}pk__in": candidates}) & iam_cannot & deputy_cannot


def awaiting_decision(user: User) -> list[AccessRequest]:
    """Submitted requests waiting for ``user``: as IAM, as the Deputy SIRO, or as the SIRO or the
    SIRO's named alternate standing in (the policy decides which, for each candidate)."""
    if not _may_decide_for_assets(user):
        return []
    waiting_for = Q(asset__manager=user) | Q(asset__business_area__deputy_siro=user)
    if stands_in(user):
        waiting_for |= Q(pk__in=_stand_in_requests().values("pk"))
    candidates = (
        AccessRequest.objects.filter(state=R.SUBMITTED)
        .exclude(requester=user)
        .filter(waiting_for)
        .select_related("asset__business_area__deputy_siro", "asset__manager", "requester")
        .order_by("submitted_at", "pk")
    )
    return [
        r
        for r in candidates
        if (not r.iam_decision and can_decide_as_iam(user, r))
        or (
            r.iam_decision == AccessRequest.Decision.APPROVE
            and r.needs_deputy_approval
            and not r.deputy_decision
            and can_decide_as_deputy(user, r)
        )
    ]


def _may_decide_for_assets(user: User) -> bool:
    """Whether ``user`` manages an asset, is an area's Deputy SIRO or stands in: nobody else decides a
    request or recertifies a grant, so the candidates' queries are not asked for the rest (from the role
    facts, which hold the assets whose IAM and the areas whose Deputy SIRO the person is)."""
    facts = role_facts(user)
    return bool(facts.managed_assets or facts.deputy_areas) or stands_in(user)


def reviews_for(user: User, reviews: QuerySet) -> QuerySet:
    """Of open ``reviews``, those whose grant ``user`` recertifies (``reviewer_for``): the IAM's, the
    Deputy SIRO's where the IAM holds the grant or the post is empty, and the stand-ins' after them.

    The person must be active (``open_reviews_for`` asks first). Each condition below is
    ``reviewer_for`` written in SQL, so the reviews stay a query: counted, paged or aggregated by the
    database, never read into Python (an IAM of 2,000 grants waiting for review had every one read
    and checked on each home page and on the list)."""
    deputy = "grant__asset__business_area__deputy_siro"
    iam_cannot = (
        Q(grant__asset__manager__isnull=True)
        | Q(grant__asset__manager__is_active=False)
        | Q(grant__asset__manager=F("grant__holder"))
    )
    # The grants the person may recertify narrow the reviews first, through the asset and grant indexes:
    # those on the assets they manage (theirs to review, bar their own), those on their areas' assets
    # without an active IAM (their ids), then those their areas' IAMs hold. The conditions OR-ed across
    # the joins made PostgreSQL hash every undecided review (110 ms at 100,000 grants for anyone, none
    # of them theirs), and every grant of a Deputy SIRO's areas cost 20 ms; so one condition filters
    # the reviews directly, and several each narrow their own subquery. The stand-ins' grants are one
    # more for the SIRO and the alternate only.
    facts = role_facts(user)
    # The active IAM recertifies, else the active Deputy SIRO where the IAM cannot; never the holder.
    mine = Q(grant__asset__manager=user) | (Q(**{deputy: user}) & iam_cannot)
    wanted = []
    if facts.managed_assets:
        wanted.append(Q(grant__asset_id__in=sorted(facts.managed_assets)))
    if areas := sorted(facts.deputy_areas):
        without_iam = Q(manager__isnull=True) | Q(manager__is_active=False)
        vacant = list(
            InformationAsset.objects.filter(Q(business_area__in=areas) & without_iam).values_list("pk", flat=True)
        )
        if vacant:
            wanted.append(Q(grant__asset_id__in=vacant) & mine)
        held_by_iams = Q(grant__asset__business_area__in=areas, grant__holder=F("grant__asset__manager"))
        wanted.append(held_by_iams & mine)
    if stands_in(user):
        stood_in = _stood_in_for("grant__")
        if OfficeHolder.Office.SIRO not in facts.offices:
            # The alternate comes after an active SIRO: only the grants the SIRO holds fall to them then.
            siro = office_holder(OfficeHolder.Office.SIRO)
            if siro is not None:
                stood_in &= Q(grant__holder=siro)
        wanted.append(stood_in)
    if not wanted:
        return reviews.none()
    if len(wanted) == 1:
        return reviews.exclude(grant__holder=user).filter(wanted[0])
    found = [reviews.exclude(grant__holder=user).filter(condition).order_by().values("pk") for condition in wanted]
    return reviews.filter(pk__in=found[0].union(*found[1:], all=True))


def sees_every_grant(user: User) -> bool:
    """Whether ``visible_grants`` lists every grant for ``user``, known from the role facts without a query."""
    return has_oversight(user)


def _visible_grants_rule(user: User) -> Q | None:
    """Which grants ``user`` may list, as a condition: their own, their assets' (as IAM), their areas' (as
    Deputy SIRO) and those whose recertification falls to them as a stand-in; None when they see all."""
    if sees_every_grant(user):
        return None
    wanted = Q(holder=user) | Q(asset_id__in=_overseen_asset_ids(user))
    if stands_in(user):  # grants whose recertification falls to them (``recertifies_as_stand_in``)
        standing_in = _stand_in_grants().select_related("asset__manager", "asset__business_area__deputy_siro")
        wanted |= Q(pk__in=[g.pk for g in standing_in if is_person(user, reviewer_for(g))])
    return wanted


def visible_grants(user: User) -> QuerySet[AccessGrant]:
    """Grants ``user`` may list: their own, their assets' (as IAM), their areas' (as Deputy SIRO), or all."""
    grants = AccessGrant.objects.all()
    wanted = _visible_grants_rule(user)
    if wanted is None:
        return grants
    # The grants' ids are listed first (one query the planner answers from the holder and
    # asset indexes). Given the condition itself under a newest-first order and a page's
    # LIMIT, PostgreSQL walks the newest-first index through every grant, filtering as it
    # goes: 27 ms for an IAM's 39 grants among 100,000, against a few ms this way.
    return grants.filter(pk__in=list(grants.filter(wanted).values_list("pk", flat=True)))


def visible_grants_newest_first(user: User) -> QuerySet[AccessGrant]:
    """``visible_grants``, newest first, for a list read a page at a time (the grant list).

    The condition goes to the database as it is, not as the grants' ids: an IAM of 2,000 grants
    sent 2,000 ids back in the count and again in the page. Under a newest-first order PostgreSQL
    would walk the newest-first index through every grant to fill a page (65,000 rows for the
    benchmark IAM, whose grants are among the oldest), so for anyone who does not see every grant
    the start date is sorted as an expression the index does not offer: the few grants they may
    see are read from the holder and asset indexes and sorted. The order is the same."""
    wanted = _visible_grants_rule(user)
    if wanted is None:
        return AccessGrant.objects.order_by("-starts_on", "-pk")
    return AccessGrant.objects.filter(wanted).order_by(Coalesce("starts_on", "starts_on").desc(), "-pk")


def visible_requests(user: User) -> QuerySet[AccessRequest]:
    """Requests ``user`` may list: their own, their assets' and areas', those they gave the second
    approval of, those whose second approval falls to them as a stand-in (``approves_as_stand_in``), or all."""
    requests = AccessRequest.objects.all()
    if has_oversight(user):
        return requests
    wanted = Q(requester=user) | Q(asset_id__in=_overseen_asset_ids(user)) | Q(deputy_decided_by=user)
    if stands_in(user):
        standing_in = _stand_in_requests().select_related("asset__business_area__deputy_siro", "asset__manager")
        wanted |= Q(pk__in=[r.pk for r in standing_in if can_decide_as_deputy(user, r)])
    return requests.filter(wanted)


_asset_ids_shared: ContextVar[dict[int, list[int]] | None] = ContextVar("access_overseen_asset_ids", default=None)


@contextmanager
def overseen_assets_listed_once() -> Iterator[None]:
    """Within it, the assets each person manages or oversees are listed once and shared by every
    selector that asks (the search lists grants and requests one after the other)."""
    token = _asset_ids_shared.set({})
    try:
        yield
    finally:
        _asset_ids_shared.reset(token)


def _overseen_asset_ids(user: User) -> list[int]:
    """The assets ``user`` manages (by the IAM's right) or oversees as Deputy SIRO, as a list of ids.

    Listed ids let the database combine the person's own rows and these assets'
    rows through two indexes; an OR across joins made it read every grant (a
    quarter of a second at 100,000 grants). The areas come from the role facts.
    """
    shared = _asset_ids_shared.get()
    if shared is not None and user.pk in shared:
        return shared[user.pk]
    managed = [pk for (pk,) in _MANAGED_ASSETS.rows(using=router.db_for_read(InformationAsset), user_pk=user.pk)]
    facts = role_facts(user)
    overseen: Iterable[int] = ()
    if facts.superuser or facts.overseen_areas:  # nobody else oversees an area: no query to build
        overseen = InformationAsset.objects.filter(business_area__in=overseen_areas(user)).values_list("pk", flat=True)
    ids = sorted(set(managed) | set(overseen))
    if shared is not None:
        shared[user.pk] = ids
    return ids


def _managed_assets(*, user_pk: int) -> QuerySet:
    return InformationAssetUserObjectPermission.objects.filter(
        user_id=user_pk, permission__codename=EDIT_PERM
    ).values_list("content_object_id")


# Built and compiled once: every list of grants or requests, and every search, asks it for one person.
_MANAGED_ASSETS = CompiledQuery(_managed_assets, user_pk=int)


# Named filters of grants and requests, shared by the lists and the home page's counts.


def grants_past_recertification(today: datetime.date) -> Q:
    """Active grants with a recertification review still undecided after its campaign's deadline (the SIRO's
    report counts the same from the reviews: ``late_reviews_of_active_grants``).

    The late reviews' grants are one list the database hashes once; a subquery per grant cost
    a second at 100,000 grants in an aggregate that counts them all."""
    return Q(pk__in=late_reviews(today).values("grant_id")) & Q(state=AccessGrant.State.ACTIVE)


def late_reviews(today: datetime.date) -> QuerySet[AccessReview]:
    """Recertification reviews still undecided after their campaign's deadline."""
    return AccessReview.objects.filter(decision="", campaign__deadline__lt=today)


def late_reviews_of_active_grants(today: datetime.date) -> QuerySet[AccessReview]:
    """The late reviews of grants still active (``grants_past_recertification``, counted from the reviews
    to group them by a grant's asset)."""
    return late_reviews(today).filter(grant__state=AccessGrant.State.ACTIVE)


def grants_past_end(today: datetime.date) -> Q:
    """Grants still active after their end date (the nightly run has not ended them)."""
    return Q(state=AccessGrant.State.ACTIVE, ends_on__lt=today)


def grants_held_untrained(today: datetime.date) -> Q:
    """Active grants of personal data whose holder lacks current training on a course that clears for it.

    Written as "the holder is not among those current on every clearing course": one grouped
    list the database hashes once, where a subquery per grant cost half a second at 100,000 grants.
    Without any clearing course nobody lacks one."""
    clearing = Course.objects.filter(is_active=True, clears_personal_data=True, versions__isnull=False)
    needed = Course.objects.filter(pk__in=clearing.values("pk")).annotate(n=Window(Count("pk"))).values("n")[:1]
    current_on_all = (
        TrainingStatus.objects.filter(course__in=clearing.values("pk"), expires_on__gt=today)
        .order_by()
        .values("user")
        .annotate(courses=Count("pk"))  # one status per person and course: no DISTINCT, so hashed
        .filter(courses=Subquery(needed))
        .values("user")
    )
    return Q(Exists(clearing)) & ~Q(holder__in=current_on_all) & Q(state=AccessGrant.State.ACTIVE, needs_clearance=True)


def grants_in_areas(areas) -> Q:
    """Grants on the assets of ``areas`` (a queryset or list of business areas)."""
    return Q(asset__business_area__in=areas)


def waiting_as_deputy(request: AccessRequest) -> bool:
    """A request waiting for the Deputy SIRO's (or the SIRO's) approval rather than the IAM's decision."""
    return request.iam_decision == AccessRequest.Decision.APPROVE


def awaiting_as(user: User, role: str) -> list[AccessRequest]:
    """The requests waiting for ``user`` as IAM (``role="iam"``) or as approver (``"deputy"``); anything else: all."""
    waiting = awaiting_decision(user)
    if role == "iam":
        return [r for r in waiting if not waiting_as_deputy(r)]
    if role == "deputy":
        return [r for r in waiting if waiting_as_deputy(r)]
    return waiting
