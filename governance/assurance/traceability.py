"""Policy traceability: each statement of the published policy, the controls that enforce it,
a live figure, where the evidence is, and the tests that prove the control.

``STATEMENTS`` is the registry the test suite checks: every statement must name at least one
test, and every named test must exist, so a statement without a proof fails the suite.
Figures are one or two aggregate queries each.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.assurance.facts import DESTROYED
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.contracts.models import ResearchContract
from governance.core.models import User
from governance.core.plurals import number, plural
from governance.incidents.queries import open_counts
from governance.register.models import InformationAsset
from governance.releases.models import StatisticalRelease
from governance.training.courses import uncleared_data_handler_ids
from governance.training.models import Course, TrainingStatus


@dataclass(frozen=True)
class Statement:
    key: str
    text: str
    controls: tuple[str, ...]
    tests: tuple[str, ...]
    figure: Callable[[datetime.date], str] | None = None
    evidence: str = ""  # a URL name

    def evidence_url(self) -> str:
        return reverse(self.evidence) if self.evidence else ""


def _staff() -> int:
    return User.objects.filter(is_active=True, is_system=False).count()


def security_training(today: datetime.date) -> str:
    staff = _staff()
    current = (
        TrainingStatus.objects.filter(
            course__is_active=True,
            course__audience=Course.Audience.ALL_STAFF,
            expires_on__gt=today,
            user__is_active=True,
            user__is_system=False,
        )
        .values("user_id")
        .distinct()
        .count()
    )
    share = round(100 * current / staff) if staff else 0
    return f"{share}% of {number(staff)} staff hold current information-security training"


def handlers_uncleared(today: datetime.date) -> str:
    return f"{plural(len(uncleared_data_handler_ids(today)), 'data handler')} without current data-protection training"


def grants_past_end(today: datetime.date) -> str:
    figures = AccessGrant.objects.aggregate(
        live=Count("pk", filter=Q(state=AccessGrant.State.ACTIVE)),
        past=Count("pk", filter=Q(state=AccessGrant.State.ACTIVE, ends_on__lt=today)),
    )
    return f"{plural(figures['live'], 'active grant')}, {number(figures['past'])} past their end date"


def contracts_past_destruction(today: datetime.date) -> str:
    count = ResearchContract.objects.filter(destruction_due_date__lt=today).exclude(status__in=DESTROYED).count()
    return f"{plural(count, 'contract')} past their destruction date without a certificate"


def releases_signed_off(today: datetime.date) -> str:
    figures = StatisticalRelease.objects.aggregate(
        released=Count("pk", filter=Q(status=StatisticalRelease.Status.RELEASED)),
        signed=Count("pk", filter=~Q(status=StatisticalRelease.Status.DRAFT)),
    )
    signed = plural(figures["signed"], "release")
    return f"{signed} signed off after disclosure control, {number(figures['released'])} released"


def assets_without_iam(today: datetime.date) -> str:
    figures = InformationAsset.objects.aggregate(
        total=Count("pk"), missing=Count("pk", filter=Q(manager__isnull=True) | Q(manager__is_active=False))
    )
    return f"{plural(figures['total'], 'asset')}, {number(figures['missing'])} without an active IAM"


def incidents_open(today: datetime.date) -> str:
    counts = open_counts()
    return f"{plural(counts.open, 'open incident')}, {number(counts.overdue)} past 72 hours without an ICO decision"


def latest_round(today: datetime.date) -> str:
    round_ = AssuranceRound.objects.order_by("-period_start", "-pk").first()
    if round_ is None:
        return "No assurance round opened yet"
    live = AssuranceReturn.objects.filter(round=round_).exclude(state=AssuranceReturn.State.SUPERSEDED)
    figures = live.aggregate(
        total=Count("pk"), signed=Count("pk", filter=Q(state__in=(AssuranceReturn.State.SIGNED, "accepted")))
    )
    return f"{round_.period}: {number(figures['signed'])} of {plural(figures['total'], 'IAM return')} signed"


STATEMENTS: tuple[Statement, ...] = (
    Statement(
        "training",
        "Staff are given information security training on a regular basis.",
        ("Annual course for all staff with reminders and escalation", "Compliance dashboard by area"),
        (
            "tests/training/test_training.py::test_status_boundaries_around_the_expiry_day",
            "tests/training/test_training_reminders.py::test_new_starters_are_reminded_of_their_first_sign_off",
        ),
        security_training,
        "training:compliance",
    ),
    Statement(
        "dpa-training",
        "Data handlers are provided with additional training on the Data Protection Act and are required to "
        "sign to say that they have received this training.",
        ("Signed declaration per course version, with a fresh second factor", "Personal data gated on clearance"),
        (
            "tests/training/test_training.py::test_signing_records_the_evidence",
            "tests/training/test_training.py::test_signing_needs_a_fresh_code",
            "tests/access/test_access.py::test_data_handlers_without_current_training_cannot_ask_for_personal_data",
        ),
        handlers_uncleared,
        "training:compliance",
    ),
    Statement(
        "business-case",
        "Access is business-case controlled based on the minimum data required.",
        ("Item-level requests, each with a justification", "IAM decision with a reason and a time limit"),
        (
            "tests/access/test_access.py::test_every_item_needs_its_reason_and_the_end_date_its_limit",
            "tests/access/test_access.py::test_the_iam_cannot_lengthen_access_or_decide_without_a_reason",
        ),
        grants_past_end,
        "access:register",
    ),
    Statement(
        "secure-environment",
        "Confidential statistical data is held in a secure environment and access is strictly controlled.",
        ("Object permissions on assets, grants and contracts", "Every page refuses the wrong role"),
        (
            "tests/register/test_assets.py::test_who_may_edit_an_asset",
            "tests/core/test_enforcement.py::test_anonymous_is_sent_to_login",
        ),
    ),
    Statement(
        "layered-authentication",
        "Access is controlled by layered authentication using a combination of physical token, password and pin.",
        ("Password and second factor for every user", "Lockout after repeated failures", "Admin behind MFA"),
        (
            "tests/core/test_login.py::test_wrong_code_is_refused_and_recorded",
            "tests/core/test_login.py::test_five_failures_lock_the_account_and_address_pair",
            "tests/core/test_enforcement.py::test_admin_pages_need_a_verified_second_factor",
        ),
    ),
    Statement(
        "roles",
        "A single SIRO and, for each major business area, a Deputy SIRO; nominated IAMs are accountable "
        "for each dataset and ensure it is handled and managed appropriately.",
        (
            "One SIRO enforced by a constraint; Deputy SIRO rights move with the appointment",
            "Information risks per asset; annual IAM returns accepted by the Deputy SIRO",
        ),
        (
            "tests/register/test_organisation.py::test_only_one_siro_can_exist",
            "tests/register/test_organisation.py::test_deputy_siro_rights_move_with_the_appointment",
            "tests/assurance/test_returns.py::test_a_signed_return_is_locked_by_its_digest_from_every_path",
            "tests/assurance/test_returns.py::test_the_area_deputy_accepts_and_nobody_else",
            "tests/assurance/test_risks.py::test_overdue_review_reminds_the_iam_and_escalates_to_the_deputy_once",
        ),
        assets_without_iam,
        "assets:accountability",
    ),
    Statement(
        "disclosure",
        "Disclosure control techniques are always implemented before official statistics are released; "
        "details of the methodology are not published.",
        ("Threshold and dominance rules with suppression; sample extracts grossed and rounded", "Sign-off"),
        (
            "tests/releases/test_disclosure_engine.py::test_one_way_table_suppresses_the_small_cell_and_the_next_smallest",
            "tests/releases/test_releases.py::test_disclosure_control_sees_the_reasons_and_raw_values",
            "tests/releases/test_releases.py::test_sample_source_tables_are_grossed_by_the_source_weight",
        ),
        releases_signed_off,
        "releases:list",
    ),
    Statement(
        "third-parties",
        "Third parties conduct research only when they meet the data handling conditions, security requirements "
        "and the Security Assurance for Research and Analysis framework; the contract sets retention and destruction.",
        ("Contract state machine refuses release before every precondition", "Destruction reminders and escalation"),
        (
            "tests/contracts/test_contracts_workflow.py::test_approval_names_every_missing_precondition",
            "tests/contracts/test_contract_reminders.py::test_overdue_destruction_is_escalated_to_the_deputy_siros_of_the_assets_areas",
        ),
        contracts_past_destruction,
        "contracts:list",
    ),
    Statement(
        "recording",
        "All authorisations for access to private information are recorded and details of accesses to such "
        "information are recorded for auditing and compliance purposes.",
        ("Access register and access events", "Audit trail of every change, sealed in a keyed chain"),
        (
            "tests/access/test_access_events.py::test_an_access_names_who_what_when_and_where",
            "tests/core/test_audit_chain.py::test_an_altered_entry_is_named",
            "tests/core/test_audit_coverage.py::test_every_project_model_is_audited_and_listed_here",
        ),
        incidents_open,
        "audit:explorer",
    ),
    Statement(
        "assurance",
        "IAMs give written assurance to the SIRO each year; the SIRO's report feeds the statement on internal control.",
        ("Annual round with returns pre-filled from live records", "Signed with a fresh code, locked by a digest"),
        (
            "tests/assurance/test_returns.py::test_facts_take_the_same_number_of_queries_at_two_sizes",
            "tests/assurance/test_pages.py::test_the_siro_report_and_csv_show_the_round",
        ),
        latest_round,
        "assurance:rounds",
    ),
)


@dataclass(frozen=True)
class TraceRow:
    statement: Statement
    figure: str | None
    evidence_url: str


def trace_rows(with_evidence: bool, today: datetime.date | None = None) -> list[TraceRow]:
    """The page's rows; figures and evidence links only for those who may see the evidence."""
    today = today or timezone.localdate()
    return [
        TraceRow(
            s,
            s.figure(today) if with_evidence and s.figure else None,
            s.evidence_url() if with_evidence else "",
        )
        for s in STATEMENTS
    ]
