"""A realistic large organisation: tens of thousands of staff, thousands of assets, a long history.

Everything is written through ``AuditedBulk`` so the audit trail stays complete, and
a set of benchmark users (one per role, with known passwords and authenticator keys)
is created for ``benchmark_pages`` and the load test.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.access.models import AccessGrant, AccessRequest, AccessRequestItem, StatusChange
from governance.contracts.models import (
    AssuranceCheck,
    ContractAsset,
    ContractDataItem,
    ContractStatusChange,
    ExternalOrganisation,
    LegalGateway,
    ResearchContract,
    ResearchContractUserObjectPermission,
)
from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import (
    AccessEvent,
    AuditEntry,
    BusinessArea,
    BusinessAreaUserObjectPermission,
    OfficeHolder,
    User,
)
from governance.register.models import DataItem, InformationAsset, InformationAssetUserObjectPermission
from governance.register.organisation import set_deputy_siro
from governance.training.courses import declaration_digest, expiry_for
from governance.training.models import Course, CourseVersion, TrainingSignOff, TrainingStatus

from .bulk import AuditedBulk
from .scale_oversight import seed_oversight
from .scale_records import seed_records

BENCH_PASSWORD = "custodian-bench-2026"  # noqa: S105 - synthetic benchmark accounts in scratch databases
# Base32 keys, so a load-test client can compute the same one-time codes.
BENCH_KEY_HEX = "3132333435363738393031323334353637383930"
BENCH_ROLES = (
    "staff",
    "handler",
    "iam",
    "deputy",
    "siro",
    "auditor",
    "admin",
    "contracts",
    "dpo",
    "checker",
    "researcher",
)

FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kiran",
    "Leah",
    "Mo",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Sara",
    "Tom",
    "Uma",
    "Vik",
    "Will",
    "Yasmin",
    "Zak",
]
LAST = [
    "Ahmed",
    "Brown",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nolan",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Usman",
    "Walker",
    "Young",
    "Zhang",
]
AREA_WORDS = [
    "Universal Credit",
    "Pensions",
    "Child Maintenance",
    "Disability Services",
    "Fraud and Error",
    "Debt Management",
    "Work Services",
    "Digital",
    "Finance",
    "People and Capability",
    "Policy",
    "Legal",
    "Analysis",
    "Estates",
    "Security",
    "Customer Experience",
    "Health and Safety",
    "Employment Support",
    "Jobcentre Operations",
    "Strategy",
]
DATASET_WORDS = [
    "claims",
    "payments",
    "assessments",
    "referrals",
    "caseload",
    "appeals",
    "sanctions",
    "overpayments",
    "awards",
    "customer contacts",
    "vacancies",
    "complaints",
    "visits",
    "grants",
]
ITEM_KINDS = [
    ("nino", DataItem.Sensitivity.DIRECT_IDENTIFIER),
    ("full_name", DataItem.Sensitivity.DIRECT_IDENTIFIER),
    ("date_of_birth", DataItem.Sensitivity.PERSONAL),
    ("postcode_district", DataItem.Sensitivity.PERSONAL),
    ("sex", DataItem.Sensitivity.PERSONAL),
    ("health_condition", DataItem.Sensitivity.SPECIAL_CATEGORY),
    ("ethnicity", DataItem.Sensitivity.SPECIAL_CATEGORY),
    ("award_amount", DataItem.Sensitivity.PERSONAL),
    ("region", DataItem.Sensitivity.NON_PERSONAL),
    ("benefit_type", DataItem.Sensitivity.NON_PERSONAL),
    ("local_authority", DataItem.Sensitivity.NON_PERSONAL),
    ("claim_count", DataItem.Sensitivity.NON_PERSONAL),
]


BENCH_IAM_ASSETS = 4
BENCH_IAM_GRANTS = 2_000


@dataclass
class Plan:
    staff: int = 50_000
    areas: int = 40
    assets: int = 5_000
    items_per_asset: int = 20
    signoffs: int = 150_000
    grants: int = 100_000
    contracts: int = 2_000
    audit: int = 1_000_000
    access_events: int = 100_000
    batch: int = 5_000
    seed: int = 20261124


@dataclass
class Phase:
    """One step of the seed: its wall time, the rows it wrote and the audit entries it appended."""

    name: str
    seconds: float = 0.0
    rows: int = 0
    entries: int = 0
    hashing: float = 0.0  # of the seconds: canonical text, content hash and link of the bulk entries
    writing: float = 0.0  # of the seconds: writing the bulk entries (COPY on PostgreSQL)


@dataclass
class Progress:
    """Progress lines as the seed goes, and the time, rows and entries of each phase.

    ``begin(name)`` ends the phase under way and starts the next; ``summary()`` ends the last
    and gives the table printed at the end. Rows are the ``AuditedBulk``'s (plus any a phase
    reports itself); entries are counted from the audit table's ids, so those written one by
    one (the benchmark users' groups, the offices) are counted with the bulk ones.
    """

    write: Callable[[str], object]
    started: float = field(default_factory=time.perf_counter)
    phases: list[Phase] = field(default_factory=list)
    bulk: AuditedBulk | None = None
    _current: Phase | None = None
    _since: float = 0.0
    _marks: tuple[int, int, float, float] = (0, 0, 0.0, 0.0)

    def __call__(self, message: str) -> None:
        self.write(f"[{time.perf_counter() - self.started:6.0f} s] {message}")

    def begin(self, name: str) -> Phase:
        self.end()
        self._current = Phase(name)
        self._since = time.perf_counter()
        self._marks = self._counters()
        return self._current

    def end(self) -> None:
        phase, self._current = self._current, None
        if phase is None:
            return
        rows, entries, hashing, writing = self._counters()
        phase.seconds = time.perf_counter() - self._since
        phase.rows += rows - self._marks[0]
        phase.entries += entries - self._marks[1]
        phase.hashing, phase.writing = hashing - self._marks[2], writing - self._marks[3]
        self.phases.append(phase)
        self(
            f"phase {phase.name}: {phase.seconds:.1f} s, {phase.rows:,} rows, {phase.entries:,} audit entries"
            + (f" (hashing {phase.hashing:.1f} s, writing {phase.writing:.1f} s)" if phase.entries else "")
        )

    def summary(self) -> list[str]:
        """End the last phase; a table of every phase and the totals."""
        self.end()
        lines = [f"{'phase':<34} {'seconds':>8} {'rows':>10} {'entries':>10} {'hashing s':>9} {'writing s':>9}"]
        for p in self.phases:
            lines.append(
                f"{p.name:<34} {p.seconds:>8.1f} {p.rows:>10,} {p.entries:>10,} {p.hashing:>9.1f} {p.writing:>9.1f}"
            )
        total = Phase(
            "total",
            sum(p.seconds for p in self.phases),
            sum(p.rows for p in self.phases),
            sum(p.entries for p in self.phases),
            sum(p.hashing for p in self.phases),
            sum(p.writing for p in self.phases),
        )
        lines.append(
            f"{total.name:<34} {total.seconds:>8.1f} {total.rows:>10,} {total.entries:>10,} "
            f"{total.hashing:>9.1f} {total.writing:>9.1f}"
        )
        return lines

    def _counters(self) -> tuple[int, int, float, float]:
        head = AuditEntry.objects.aggregate(head=Max("pk"))["head"] or 0
        if self.bulk is None:
            return 0, head, 0.0, 0.0
        return self.bulk.rows_written, head, self.bulk.times.hashing, self.bulk.times.writing


def seed(plan: Plan, progress: Progress | Callable[[str], object]) -> dict:
    """Write the organisation phase by phase (``progress.phases`` holds each phase's time and counts)."""
    if not isinstance(progress, Progress):
        progress = Progress(progress)
    rng = random.Random(plan.seed)  # noqa: S311 - synthetic data, not security
    system = system_user()
    bulk = AuditedBulk(system, cid=f"seed-{uuid.uuid4().hex[:12]}", batch=plan.batch)
    progress.bulk = bulk
    today = timezone.localdate()
    now = timezone.now()

    # Business areas and staff -----------------------------------------------------------
    phase = progress.begin("business areas and staff")
    areas = bulk.create(
        BusinessArea,
        [
            BusinessArea(name=f"{AREA_WORDS[n % len(AREA_WORDS)]} {n // len(AREA_WORDS) + 1}", code=f"s{n:03d}")
            for n in range(plan.areas)
        ],
    )
    progress(f"{len(areas)} business areas")
    unusable = make_password(None)
    people = [
        User(
            username=f"seed.{n:06d}",
            staff_number=f"S{n:06d}",
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            email=f"seed.{n:06d}@example.gov.uk",
            business_area=areas[n % plan.areas],
            is_data_handler=rng.random() < 0.3,
            password=unusable,
            date_joined=now - datetime.timedelta(days=rng.randint(30, 4000)),
        )
        for n in range(plan.staff)
    ]
    staff = bulk.create(User, people)
    progress(f"{len(staff)} staff")
    # Line managers: each person is managed by someone earlier in the same area (index n - areas * k).
    managed = []
    for n, person in enumerate(staff[plan.areas :], start=plan.areas):
        steps = rng.randint(1, min(20, n // plan.areas))
        person.line_manager_id = staff[n - plan.areas * steps].pk
        managed.append(person)
    User.objects.bulk_update(managed, ["line_manager"], batch_size=plan.batch)
    phase.rows += len(managed)
    _audit_updates(User, managed, "line_manager_id", "line_manager", system, bulk)
    progress(f"{len(managed)} line managers recorded")

    # Deputy SIROs, the SIRO and the benchmark users --------------------------------------
    phase = progress.begin("roles and benchmark users")
    oversee = Permission.objects.get(codename="oversee_businessarea")
    deputies = [staff[n] for n in range(plan.areas)]
    for area, deputy in zip(areas, deputies, strict=True):
        area.deputy_siro = deputy
    BusinessArea.objects.bulk_update(areas, ["deputy_siro"])
    phase.rows += len(areas)
    _audit_updates(BusinessArea, areas, "deputy_siro_id", "deputy_siro", system, bulk)
    bulk.create(
        BusinessAreaUserObjectPermission,
        [
            BusinessAreaUserObjectPermission(user=deputy, content_object=area, permission=oversee)
            for area, deputy in zip(areas, deputies, strict=True)
        ],
    )
    bench = _benchmark_users(areas[0], deputies[0], system)
    progress("Deputy SIROs, SIRO and benchmark users")

    # Assets and their data items ---------------------------------------------------------
    progress.begin("assets")
    change_asset = Permission.objects.get(codename="change_informationasset")
    iam_pool = [p for p in staff[plan.areas :] if p.is_data_handler][: max(plan.assets // 5, 1)] or staff
    assets = []
    for n in range(plan.assets):
        area = areas[n % plan.areas]
        identifiability = rng.choice(["identifiable", "pseudonymised", "anonymised"])
        personal = identifiability != "anonymised"
        assets.append(
            InformationAsset(
                name=f"{area.name.split(' ')[0]} {rng.choice(DATASET_WORDS)} {n:05d}",
                description="Synthetic asset for scale testing.",
                business_area=area,
                manager=iam_pool[n % len(iam_pool)] if n % 97 else None,
                classification=rng.choice(["official", "official_sensitive"]),
                contains_personal_data=personal,
                special_category=personal and rng.random() < 0.2,
                identifiability=identifiability,
                extract_type=rng.choice(["full", "sample"]),
                lawful_basis="public_task" if personal else "",
                storage_location="Analytical secure environment",
                retention_rule="Seven years",
                next_review_date=today + datetime.timedelta(days=rng.randint(-60, 180)),
            )
        )
    # The benchmark IAM looks after the first area's first few assets, which hold a fiftieth of the
    # grants (2,000 at the default size): the heavy case "Your grants" and a recertification campaign
    # are measured on, where a typical IAM here holds about a hundred.
    bench_assets = assets[0 : BENCH_IAM_ASSETS * plan.areas : plan.areas]
    for asset in bench_assets:
        asset.manager = bench["iam"]
    bench_grants = max(20, min(BENCH_IAM_GRANTS, plan.grants // 50))
    assets = bulk.create(InformationAsset, assets)
    progress(f"{len(assets)} assets")
    bulk.create(
        InformationAssetUserObjectPermission,
        [
            InformationAssetUserObjectPermission(user=a.manager, content_object=a, permission=change_asset)
            for a in assets
            if a.manager_id
        ],
    )
    progress.begin("data items")
    items = []
    for asset in assets:
        for k in range(plan.items_per_asset):
            name, sensitivity = ITEM_KINDS[k % len(ITEM_KINDS)]
            items.append(
                DataItem(
                    asset=asset,
                    name=f"{name}_{k}" if k >= len(ITEM_KINDS) else name,
                    description=name.replace("_", " ").capitalize(),
                    sensitivity=sensitivity,
                )
            )
    items = bulk.create(DataItem, items)
    progress(f"{len(items)} data items")
    items_by_asset: dict[int, list[DataItem]] = {}
    for item in items:
        items_by_asset.setdefault(item.asset_id, []).append(item)

    # Training --------------------------------------------------------------------------
    progress.begin("training sign-offs")
    courses = bulk.create(
        Course,
        [
            Course(
                title="Information security (scale)",
                audience="all_staff",
                renewal_months=12,
                content_url="https://learning.example.gov.uk/security",
            ),
            Course(
                title="Data protection (scale)",
                audience="data_handlers",
                renewal_months=12,
                content_url="https://learning.example.gov.uk/dp",
                clears_personal_data=True,
            ),
        ],
    )
    versions = bulk.create(
        CourseVersion,
        [
            CourseVersion(
                course=c,
                number=1,
                declaration_text=f"I have completed {c.title}.",
                published_by=system,
                published_at=now - datetime.timedelta(days=1500),
            )
            for c in courses
        ],
    )
    digests = {v.pk: declaration_digest(v.declaration_text) for v in versions}
    signoffs: list[TrainingSignOff] = []
    latest: dict[tuple[int, int], TrainingSignOff] = {}
    everyone = staff + list(bench.values())
    for n in range(plan.signoffs):
        person = everyone[n % len(everyone)]
        cycle = n // len(everyone)
        version = versions[1] if person.is_data_handler and n % 2 else versions[0]
        signed = now - datetime.timedelta(days=rng.randint(0, 300) + 365 * cycle)
        signoffs.append(
            TrainingSignOff(
                user=person,
                course=version.course,
                version=version,
                signed_at=signed,
                declaration_digest=digests[version.pk],
                user_agent="(historic record)",
            )
        )
    signoffs = bulk.create(TrainingSignOff, signoffs)
    for signoff in signoffs:
        key = (signoff.user_id, signoff.course_id)
        if key not in latest or latest[key].signed_at < signoff.signed_at:
            latest[key] = signoff
    bulk.create(
        TrainingStatus,
        [
            TrainingStatus(
                user=s.user,
                course=s.course,
                latest_signoff=s,
                expires_on=expiry_for(timezone.localdate(s.signed_at), 12),
            )
            for s in latest.values()
        ],
    )
    progress(f"{len(signoffs)} sign-offs, {len(latest)} statuses")

    # Access: requests, grants, their items, permissions and history ----------------------
    progress.begin("access requests and grants")
    access_perm = Permission.objects.get(codename="access_informationasset")
    holders = [p for p in staff if p.is_data_handler] or staff
    requests, chosen = [], []
    for n in range(plan.grants):
        asset = bench_assets[n % len(bench_assets)] if n < bench_grants else assets[n % len(assets)]
        holder = bench["handler"] if n == 0 else holders[(n * 7) % len(holders)]
        decider = cast(User, asset.manager or asset.business_area.deputy_siro)  # every area has its Deputy SIRO
        if holder.pk == decider.pk:  # nobody decides their own request
            holder = holders[(n * 7 + 1) % len(holders)]
        end = today + datetime.timedelta(days=rng.randint(5, 300))
        requests.append(
            AccessRequest(
                requester=holder,
                asset=asset,
                purpose="Scale test analysis",
                business_case="Synthetic.",
                requested_end_date=end,
                state="approved",
                approved_end_date=end,
                iam_decision="approve",
                iam_decided_by=asset.manager or deputies[0],
                iam_reason="Synthetic approval",
                submitted_at=now,
                decided_at=now,
            )
        )
        non_personal = [i for i in items_by_asset[asset.pk] if i.sensitivity == DataItem.Sensitivity.NON_PERSONAL]
        chosen.append(non_personal[:2])
    # Approved requests are created in their final state: bulk_create calls no save(), so the
    # state machine's check does not apply, and the status history rows below record the moves.
    requests = bulk.create(AccessRequest, requests)
    bulk.create(
        AccessRequestItem,
        [
            AccessRequestItem(request=r, data_item=i, justification="Needed", granted=True)
            for r, its in zip(requests, chosen, strict=True)
            for i in its
        ],
    )
    grants = bulk.create(
        AccessGrant,
        [
            AccessGrant(
                request=r,
                holder=r.requester,
                asset=r.asset,
                starts_on=today - datetime.timedelta(days=10),
                ends_on=cast(datetime.date, r.approved_end_date),  # set on each request above
                decided_by=r.iam_decided_by,
            )
            for r in requests
        ],
    )
    bulk.create(
        StatusChange,
        [
            StatusChange(request=r, from_state="submitted", to_state="approved", by=system, reason="Synthetic approval")
            for r in requests
        ],
    )
    through = AccessGrant.items.through
    grant_by_pk = {g.pk: g for g in grants}
    item_names = {i.pk: i.name for its in chosen for i in its}
    bulk.create_m2m(
        through,
        [through(accessgrant_id=g.pk, dataitem_id=i.pk) for g, its in zip(grants, chosen, strict=True) for i in its],
        describe=lambda row: (grant_by_pk[row.accessgrant_id], "items", item_names[row.dataitem_id]),
    )
    seen = set()
    perms = []
    for g in grants:
        if (g.holder_id, g.asset_id) not in seen:
            seen.add((g.holder_id, g.asset_id))
            perms.append(
                InformationAssetUserObjectPermission(user=g.holder, content_object=g.asset, permission=access_perm)
            )
    bulk.create(InformationAssetUserObjectPermission, perms)
    bulk.create(
        StatusChange,
        [
            StatusChange(grant=g, to_state="active", by=system, reason="Granted on approval of the request")
            for g in grants
        ],
    )
    progress(f"{len(grants)} grants with {len(perms)} object permissions")

    # Accesses to restricted data ---------------------------------------------------------
    progress.begin("access events")
    asset_type = ContentType.objects.get_for_model(InformationAsset)
    by_pk = {a.pk: a for a in assets}
    events = []
    for n in range(plan.access_events):
        g = grants[n % len(grants)]
        events.append(
            AccessEvent(
                user=g.holder,
                at=now - datetime.timedelta(minutes=n),
                ip_address="10.0.0.1",
                kind=rng.choice(["granted data viewed", "extract downloaded"]),
                content_type=asset_type,
                object_pk=str(g.asset_id),
                object_repr=by_pk[g.asset_id].name,
                business_area_id=by_pk[g.asset_id].business_area_id,
            )
        )
    bulk.create(AccessEvent, events)
    progress(f"{len(events)} access events")

    # Contracts (when the research-contracts feature is installed) -------------------------
    progress.begin("research contracts")
    contracts = _seed_contracts(plan, rng, assets, items_by_asset, staff, bench, bulk)
    if contracts:
        progress(f"{contracts} research contracts")

    # Privacy records, researchers' outputs and the current access review ------------------
    seed_records(
        plan,
        rng,
        areas=areas,
        assets=assets,
        items_by_asset=items_by_asset,
        staff=staff,
        bench=bench,
        grants=grants,
        bulk=bulk,
        progress=progress,
    )

    seed_oversight(plan, rng, assets=assets, staff=staff, bench=bench, grants=grants, bulk=bulk, progress=progress)

    # History, to reach the audit volume of a long-lived register ---------------------------
    progress.begin("audit history")
    extra = max(0, plan.audit - AuditEntry.objects.count())
    if extra:
        content_type = ContentType.objects.get_for_model(InformationAsset)
        for start in range(0, extra, plan.batch * 4):
            size = min(plan.batch * 4, extra - start)
            rows = []
            for k in range(size):
                asset = assets[(start + k) % len(assets)]
                rows.append(
                    {
                        "content_type_id": content_type.pk,
                        "object_pk": str(asset.pk),
                        "object_id": asset.pk,
                        "object_repr": asset.name,
                        "action": AuditEntry.Action.UPDATE,
                        "changes": {"retention_rule": ["Six years", "Seven years"]},
                        "actor_id": system.pk,
                        "cid": bulk.next_cid(),
                        "timestamp": now,
                        "scope": asset.audit_scope(),
                        "business_area_id": asset.business_area_id,
                    }
                )
            bulk.write_entries(rows)
            progress(f"{start + size} historical audit entries")
    progress.end()
    return {"audit_entries": AuditEntry.objects.count(), "benchmark_users": {r: u.username for r, u in bench.items()}}


def _audit_updates(model, objects, attname, field_name, actor, bulk: AuditedBulk) -> None:
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    entries = []
    for o in objects:
        entry = bulk.entry(content_type, o, AuditEntry.Action.UPDATE, {field_name: [None, str(getattr(o, attname))]})
        entry.update(actor_id=actor.pk, timestamp=now)
        entries.append(entry)
    bulk.write_entries(entries)


def _benchmark_users(area, deputy, system) -> dict[str, User]:
    """One user per role with a known password and authenticator key: for benchmarks and load tests."""
    password = make_password(BENCH_PASSWORD)
    users = {}
    for role in BENCH_ROLES:
        user, _ = User.objects.get_or_create(
            username=f"bench.{role}",
            defaults={
                "first_name": "Bench",
                "last_name": role.capitalize(),
                "email": f"bench.{role}@example.gov.uk",
                "business_area": None if role == "researcher" else area,
                "is_external": role == "researcher",
                "staff_number": f"B{BENCH_ROLES.index(role):05d}",
                "password": password,
                "is_data_handler": role in ("handler", "iam"),
                "is_staff": role == "admin",
            },
        )
        TOTPDevice.objects.get_or_create(
            user=user, defaults={"name": "default", "key": BENCH_KEY_HEX, "confirmed": True}
        )
        users[role] = user
    groups = {"auditor": roles.AUDITORS, "admin": roles.ADMINISTRATORS, "contracts": roles.CONTRACT_MANAGERS}
    for role, name in groups.items():
        users[role].groups.add(Group.objects.get(name=name))
    holder = OfficeHolder.objects.filter(office=OfficeHolder.Office.SIRO).first()
    if holder is None:
        OfficeHolder.objects.create(office=OfficeHolder.Office.SIRO, holder=users["siro"])

    set_deputy_siro(area, users["deputy"], by=system)
    return users


def _seed_contracts(plan, rng, assets, items_by_asset, staff, bench, bulk) -> int:
    """Research contracts in every state, for the bench contract manager and a pool of others."""
    if not plan.contracts:
        return 0
    system = bulk.actor
    today = timezone.localdate()
    gateways = bulk.create(
        LegalGateway,
        [
            LegalGateway(name=f"Scale gateway {n}", legislation=f"Statistics and Registration Service Act 2007, s.{n}")
            for n in range(1, 4)
        ],
    )
    organisations = bulk.create(
        ExternalOrganisation,
        [
            ExternalOrganisation(
                name=f"Scale research organisation {n:03d}", kind=rng.choice(["university", "company"])
            )
            for n in range(100)
        ],
    )
    contracts_group = Group.objects.get(name=roles.CONTRACT_MANAGERS)
    managers = [bench["contracts"], *staff[plan.areas : plan.areas + 40]]
    for manager in managers[1:]:
        manager.groups.add(contracts_group)  # audited through the m2m signal
    statuses = ["draft", "under_assurance", "approved", "data_released", "retention_ended", "closed"]
    contracts = []
    for n in range(plan.contracts):
        start = today - datetime.timedelta(days=rng.randint(0, 900))
        retention = start + datetime.timedelta(days=rng.randint(200, 1100))
        status = statuses[n % len(statuses)]
        if status in ("retention_ended", "closed"):
            retention = min(retention, today - datetime.timedelta(days=1))
            start = min(start, retention - datetime.timedelta(days=30))
        contracts.append(
            ResearchContract(
                reference=f"SCALE-{n:05d}",
                title=f"Evaluation study {n:05d}",
                purpose="Synthetic research contract.",
                organisation=organisations[n % len(organisations)],
                contact_name="Dr Synthetic",
                contact_email=f"contact{n}@example.ac.uk",
                manager=managers[n % len(managers)],
                legal_gateway=gateways[n % len(gateways)],
                lawful_basis="public_task",
                start_date=start,
                end_date=start + datetime.timedelta(days=180),
                retention_end_date=retention,
                destruction_due_date=retention + datetime.timedelta(days=rng.randint(7, 60)),
                status=status,
                data_released_on=start + datetime.timedelta(days=10) if status not in statuses[:3] else None,
            )
        )
    contracts = bulk.create(ResearchContract, contracts)
    bulk.create(
        AssuranceCheck,
        [AssuranceCheck(contract=c, kind=kind) for c in contracts for kind in AssuranceCheck.Kind.values],
    )
    view, change = (
        Permission.objects.get(codename=code) for code in ("view_researchcontract", "change_researchcontract")
    )
    bulk.create(
        ResearchContractUserObjectPermission,
        [
            ResearchContractUserObjectPermission(user=c.manager, content_object=c, permission=perm)
            for c in contracts
            for perm in (view, change)
        ],
    )
    rows = bulk.create(
        ContractAsset,
        [ContractAsset(contract=c, asset=assets[(n * 13) % len(assets)]) for n, c in enumerate(contracts)],
    )
    bulk.create(
        ContractDataItem,
        [
            ContractDataItem(
                contract_asset=row,
                data_item=item,
                name=item.name,
                sensitivity=item.sensitivity,
                justification="Needed for the evaluation",
            )
            for row in rows
            for item in items_by_asset[row.asset_id][:3]
        ],
    )
    bulk.create(
        ContractStatusChange,
        [
            ContractStatusChange(contract=c, from_status="", to_status=c.status, by=system, reason="Synthetic history")
            for c in contracts
        ],
    )
    return len(contracts)
