"""Policy traceability: each statement of the published policy, the controls that enforce it,
a figure, where the evidence is, and the tests that prove the control.

``STATEMENTS`` is the registry the test suite checks: every statement of the published policy
(``policy/confidentiality-policy.txt``) is here, every statement the portal enforces names at least one
test for each control it lists, and every named test must exist, so a statement without a proof fails
the suite. A statement the portal cannot enforce (site passes, other divisions' duties) says who does.

Figures come from the daily compliance snapshot (``governance/trends/snapshots.py``'s ``policy_figures``),
so the page counts no whole table when it is viewed; only the latest round's returns are read live.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.core.plurals import number, plural
from governance.trends.models import ComplianceSnapshot


@dataclass(frozen=True)
class Statement:
    key: str
    text: str
    controls: tuple[str, ...]
    tests: tuple[str, ...]
    figure: Callable[[dict], str] | None = None  # reads the snapshot's policy figures
    evidence: str = ""  # a URL name
    outside: bool = False  # enforced outside the portal: the controls say by whom, and there is no test

    def evidence_url(self) -> str:
        return reverse(self.evidence) if self.evidence else ""


def _share(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def security_training(f: dict) -> str:
    share = _share(f["staff_trained"], f["staff"])
    return f"{share}% of {number(f['staff'])} staff hold current information-security training"


def handlers_uncleared(f: dict) -> str:
    return f"{plural(f['handlers_uncleared'], 'data handler')} without current data-protection training"


def anonymised_share(f: dict) -> str:
    live, reduced = f["grants_live"], f["grants_anonymised_or_pseudonymised"]
    return (
        f"{_share(reduced, live)}% of {plural(live, 'live grant')} are on anonymised or pseudonymised assets "
        f"({_share(f['grants_anonymised'], live)}% anonymised)"
    )


def grants_past_end(f: dict) -> str:
    return f"{plural(f['grants_active'], 'active grant')}, {number(f['grants_past_end'])} past their end date"


def contracts_past_destruction(f: dict) -> str:
    return f"{plural(f['contracts_past_destruction'], 'contract')} past their destruction date without a certificate"


def releases_signed_off(f: dict) -> str:
    signed = plural(f["releases_signed_off"], "release")
    return f"{signed} signed off after disclosure control, {number(f['releases_released'])} released"


def assets_without_iam(f: dict) -> str:
    return f"{plural(f['assets'], 'asset')}, {number(f['assets_without_iam'])} without an active IAM"


def incidents_open(f: dict) -> str:
    opened, overdue = plural(f["incidents_open"], "open incident"), number(f["incidents_overdue"])
    return f"{opened}, {overdue} past 72 hours without an ICO decision"


def recorded(f: dict) -> str:
    return (
        f"{plural(f['authorisations_recorded'], 'access authorisation')} recorded; "
        f"{plural(f['accesses_recorded_30_days'], 'access', 'accesses')} to restricted data recorded in the "
        "last 30 days"
    )


def latest_round() -> str:
    """The latest round's signed returns: one round's returns, read live (two small queries)."""
    round_ = AssuranceRound.objects.order_by("-period_start", "-pk").first()
    if round_ is None:
        return "No assurance round opened yet"
    live = AssuranceReturn.objects.filter(round=round_).exclude(state=AssuranceReturn.State.SUPERSEDED)
    figures = live.aggregate(
        total=Count("pk"), signed=Count("pk", filter=Q(state__in=(AssuranceReturn.State.SIGNED, "accepted")))
    )
    return f"{round_.period}: {number(figures['signed'])} of {plural(figures['total'], 'IAM return')} signed"


KEY_TESTS = (
    "tests/core/test_security_keys.py::test_the_key_must_verify_the_person_at_registration_and_every_assertion",
    "tests/core/test_security_keys.py::test_a_person_with_a_key_cannot_approve_with_an_authenticator_code",
    "tests/core/test_security_keys.py::test_a_key_only_person_cannot_sign_in_with_an_authenticator_code",
    "tests/core/test_security_keys.py::test_each_listed_role_requires_a_key_of_its_holders_only",
)

STATEMENTS: tuple[Statement, ...] = (
    Statement(
        "data-protection",
        "DWP has its own data protection policies and procedures to support compliance with the UK General Data "
        "Protection Regulation and the Data Protection Act 2018.",
        (
            "Personal and special category data recorded per asset and per data item, with the lawful basis",
            "Personal data released only to holders cleared by current data-protection training",
            "Data protection impact assessments (the DPIA pages, /privacy/dpias/): every new processing activity, "
            "access request, research contract and sharing agreement with special category or identifiable data "
            "at scale is screened; one screening says needs a DPIA is not approved until the DPO has advised and "
            "the IAM and the Deputy SIRO have signed it with fresh security keys",
            "The record of processing activities (UK GDPR Article 30), its recipients read from live records, "
            "reviewed yearly and exported in the ICO template's columns (Data protection: Record of processing)",
        ),
        (
            "tests/register/test_assets.py::test_register_rules_hold_in_the_service",
            "tests/access/test_access.py::test_lapsed_training_suspends_and_renewed_training_restores",
            "tests/privacy/test_dpias.py::test_an_access_request_is_not_approved_until_its_dpia_is_signed",
            "tests/privacy/test_dpias.py::test_a_contract_is_not_approved_until_its_dpia_is_signed",
            "tests/privacy/test_activities.py::test_the_detail_page_reads_categories_recipients_retention_and_security_from_live_records",
            "tests/privacy/test_activities.py::test_the_exports_follow_the_ico_template_and_are_recorded",
        ),
        evidence="privacy:activity-list",
    ),
    Statement(
        "legal-gateway",
        "We only give access to personal data to external bodies where there is a legal gateway and lawful basis "
        "to do so (this includes research done under contract for DWP).",
        (
            "A research contract cannot release data without a legal gateway and lawful basis",
            "Special category data needs an Article 9 condition; a retired gateway blocks release",
            "Data shared with other public bodies outside research contracts only under a data-sharing agreement "
            "naming its gateway, lawful basis and data, approved by the area's Deputy SIRO and reviewed "
            "(Data protection: Data-sharing agreements)",
        ),
        (
            "tests/contracts/test_contracts_workflow.py::test_approval_names_every_missing_precondition",
            "tests/contracts/test_contracts_workflow.py::test_special_category_needs_an_article_9_condition",
            "tests/contracts/test_contracts_workflow.py::test_a_retired_gateway_blocks_release_and_cannot_be_chosen",
            "tests/privacy/test_agreements.py::test_approval_names_what_is_missing_then_puts_it_in_force",
            "tests/privacy/test_agreements.py::test_only_the_areas_deputy_approves",
        ),
        evidence="contracts:list",
    ),
    Statement(
        "chief-statistician",
        "The Head of Data as Statistics is also the Chief Statistician and Head of Profession for Statistics and "
        "has overall responsibility for all DWP official statistics.",
        ("The Chief Statistician (or disclosure control) signs off each release; its author cannot",),
        (
            "tests/releases/test_releases.py::test_only_the_chief_statistician_or_disclosure_control_sign_off",
            "tests/releases/test_releases.py::test_the_author_cannot_sign_off_their_own_release",
        ),
        releases_signed_off,
        "releases:list",
    ),
    Statement(
        "no-identification",
        "We protect the security of our data holdings in order to protect people's privacy, meet legal requirements "
        "and uphold our guarantee that no statistics will be produced that are likely to identify an individual.",
        ("Every table of a release checked with the disclosure rules; a failing table blocks sign-off",),
        (
            "tests/releases/test_releases.py::test_a_failing_table_blocks_sign_off",
            "tests/releases/test_releases.py::test_release_needs_a_sign_off",
        ),
        releases_signed_off,
        "releases:list",
    ),
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
        "anonymised",
        "The majority of data accessed by analysts is anonymised.",
        (
            "Identifiability recorded per asset (identifiable, pseudonymised, anonymised)",
            "A less identifiable asset is suggested to whoever asks for identifiable data",
        ),
        (
            "tests/access/test_access.py::test_a_less_identifiable_asset_is_suggested",
            "tests/assurance/test_traceability.py::test_the_anonymised_share_counts_live_grants_by_their_assets",
        ),
        anonymised_share,
        "access:register",
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
        "physical-security",
        "All staff working in DWP and all visitors to its sites require authority and photographic passes to "
        "access the premises; internal security doors segregate areas of higher sensitivity.",
        ("Outside the portal: site passes and doors are run by the department's estates and security teams",),
        (),
        outside=True,
    ),
    Statement(
        "secure-environment",
        "Confidential statistical data is held in a secure environment and access is strictly controlled.",
        ("Object permissions on assets, grants and contracts", "Every page refuses the wrong role"),
        (
            "tests/register/test_assets.py::test_who_may_edit_an_asset",
            "tests/core/test_enforcement.py::test_anonymous_is_sent_to_login",
            "tests/core/test_role_pages.py::test_page",
        ),
    ),
    Statement(
        "technical-environment",
        "DWP maintains a secure technical environment in order to protect the confidentiality, integrity and "
        "availability of information.",
        (
            "Security headers on every page; sessions end after idle time",
            "Every change sealed in a keyed audit chain that names the first altered entry",
        ),
        (
            "tests/core/test_enforcement.py::test_security_headers",
            "tests/core/test_session_activity.py::test_idle_timeout_signs_out_exactly",
            "tests/core/test_audit_chain.py::test_an_altered_entry_is_named",
        ),
    ),
    Statement(
        "layered-authentication",
        "Access is controlled by layered authentication using a combination of physical token, password and pin.",
        (
            "Password and authenticator code for every local account",
            "Security key with its PIN (a physical token verifying the person), required for listed roles and for "
            "critical approvals by those who hold one",
            "Single sign-on only with the provider's proof of token and PIN; a fresh sign-in there for critical steps",
            "Lockout after repeated failures",
            "Admin behind MFA",
        ),
        (
            "tests/core/test_login.py::test_wrong_code_is_refused_and_recorded",
            *KEY_TESTS,
            "tests/core/test_single_sign_on.py::test_an_answer_without_the_token_proof_is_refused",
            "tests/core/test_login.py::test_five_failures_lock_the_account_and_address_pair",
            "tests/core/test_enforcement.py::test_admin_pages_need_a_verified_second_factor",
            "tests/core/test_provider_step_up.py::test_a_release_is_signed_off_after_a_fresh_sign_in_at_the_provider",
        ),
    ),
    Statement(
        "leakage",
        "A number of technical controls are present to prevent unauthorised access and data leakage.",
        (
            "Holders download only the columns they were granted; revoked or expired access is refused at once",
            "Exports list only what the person may see and are recorded",
        ),
        (
            "tests/access/test_access.py::test_holders_see_and_download_their_granted_columns_only",
            "tests/access/test_access.py::test_revoked_access_is_refused_at_once",
            "tests/contracts/test_contracts.py::test_export_lists_only_what_the_user_may_see_and_is_recorded",
        ),
    ),
    Statement(
        "roles",
        "A single SIRO and, for each major business area, a Deputy SIRO who promotes good information management "
        "and security across it; there is also a Chief Data Officer and a Chief Digital and Information Officer.",
        (
            "One SIRO enforced by a constraint; Deputy SIRO rights move with the appointment",
            "The SIRO's report, signed with a security key and locked by a digest",
        ),
        (
            "tests/register/test_organisation.py::test_only_one_siro_can_exist",
            "tests/register/test_organisation.py::test_deputy_siro_rights_move_with_the_appointment",
            "tests/assurance/test_report.py::test_only_the_siro_signs_and_only_with_a_fresh_key_for_this_report",
            "tests/assurance/test_report.py::test_a_signed_report_is_locked_by_its_digest",
        ),
    ),
    Statement(
        "iams",
        "For individual datasets, DWP assigns accountability for data security and confidentiality to nominated "
        "Information Asset Managers (IAMs), who ensure that specific information assets are handled and managed "
        "appropriately.",
        (
            "Every asset has one active IAM; a leaver's assets are flagged for a new one",
            "Information risks per asset; annual IAM returns accepted by the Deputy SIRO",
        ),
        (
            "tests/register/test_assets.py::test_a_leavers_assets_need_an_iam",
            "tests/assurance/test_returns.py::test_a_signed_return_is_locked_by_its_digest_from_every_path",
            "tests/assurance/test_returns.py::test_the_area_deputy_accepts_and_nobody_else",
            "tests/assurance/test_risks.py::test_overdue_review_reminds_the_iam_and_escalates_to_the_deputy_once",
        ),
        assets_without_iam,
        "assets:accountability",
    ),
    Statement(
        "legal-and-kim",
        "Government Legal Department teams are responsible for security and data protection policies that support "
        "IAMs; the Knowledge and Information Management Division is responsible for the policies, practices and "
        "process for the recording and exploitation of departmental information.",
        ("Outside the portal: these divisions write the policies the portal's controls carry out",),
        (),
        outside=True,
    ),
    Statement(
        "disclosure",
        "Disclosure control techniques are always implemented before official statistics are released; "
        "details of the methodology are not published.",
        (
            "Threshold and dominance rules with suppression before sign-off",
            "Methods visible to disclosure control only",
        ),
        (
            "tests/releases/test_disclosure_engine.py::test_one_way_table_suppresses_the_small_cell_and_the_next_smallest",
            "tests/releases/test_releases.py::test_disclosure_control_sees_the_reasons_and_raw_values",
            "tests/releases/test_releases.py::test_the_raw_table_goes_only_to_disclosure_control",
        ),
        releases_signed_off,
        "releases:list",
    ),
    Statement(
        "sample-extracts",
        "Where a sample data extract has been used for official statistics, the data are grossed and rounded to "
        "provide an estimate of the true number before release.",
        ("Sample source tables grossed by the source's weight and rounded",),
        ("tests/releases/test_releases.py::test_sample_source_tables_are_grossed_by_the_source_weight",),
    ),
    Statement(
        "full-extracts",
        "Where a 100% data extract has been used for official statistics, we use statistical disclosure techniques "
        "to help ensure confidentiality is maintained.",
        ("Small cells suppressed, with secondary suppression so they cannot be worked back",),
        (
            "tests/releases/test_releases.py::test_uploaded_table_is_checked_and_the_small_cell_suppressed",
            "tests/releases/test_disclosure_engine.py::test_one_way_table_suppresses_the_small_cell_and_the_next_smallest",
        ),
    ),
    Statement(
        "third-parties",
        "Third parties conduct research only when they meet the data handling conditions, security requirements, "
        "prescribed standards and the Security Assurance for Research and Analysis framework.",
        ("Contract state machine refuses release before every precondition", "Assurance items with evidence"),
        (
            "tests/contracts/test_contracts_workflow.py::test_approval_names_every_missing_precondition",
            "tests/contracts/test_contracts_workflow.py::test_an_assurance_item_not_met_blocks_approval",
        ),
        evidence="contracts:list",
    ),
    Statement(
        "contracted-analysis",
        "In contracted analysis we review the data being provided, provide only the minimum needed, minimise the "
        "risk of re-identification, and put in place a contract setting out data handling, retention and "
        "destruction.",
        (
            "Items chosen one by one with a justification, reviewed by each asset's IAM",
            "A high re-identification risk blocks release",
            "Retention and destruction dates with reminders, escalation and a destruction certificate",
            "Researchers' outputs checked automatically and cleared by disclosure control, never their submitter, "
            "before they leave",
        ),
        (
            "tests/contracts/test_contracts.py::test_the_manager_chooses_items_with_justifications",
            "tests/contracts/test_contracts_workflow.py::test_release_is_refused_until_the_iam_has_reviewed",
            "tests/contracts/test_contracts_workflow.py::test_a_high_residual_risk_blocks_release",
            "tests/contracts/test_contracts_workflow.py::test_closing_needs_the_destruction_certificate",
            "tests/contracts/test_contract_reminders.py::test_overdue_destruction_is_escalated_to_the_deputy_siros_of_the_assets_areas",
            "tests/outputs/test_outputs.py::test_changes_requested_resubmitted_cleared_and_downloaded",
            "tests/outputs/test_outputs.py::test_the_checker_never_decides_on_what_they_submitted",
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
        recorded,
        "audit:explorer",
    ),
    Statement(
        "assurance",
        "IAMs give written assurance to the SIRO each year; the SIRO's report feeds the statement on internal control.",
        (
            "Annual round with returns pre-filled from live records, signed with a fresh second factor",
            "The SIRO's report by business area, signed with a security key",
        ),
        (
            "tests/assurance/test_returns.py::test_facts_take_the_same_number_of_queries_at_two_sizes",
            "tests/assurance/test_report.py::test_every_area_counts_the_returns_of_its_assets_iams",
            "tests/assurance/test_report.py::test_only_the_siro_signs_and_only_with_a_fresh_key_for_this_report",
        ),
        evidence="assurance:rounds",
    ),
)

NOT_MEASURED = "Not measured yet: the figures come from the daily compliance snapshot, and none has been taken"


@dataclass(frozen=True)
class TraceRow:
    statement: Statement
    figure: str | None
    evidence_url: str


def trace_rows(with_evidence: bool, today: datetime.date | None = None) -> list[TraceRow]:
    """The page's rows; figures and evidence links only for those who may see the evidence.

    The figures are the latest daily snapshot's (one query) and the latest round's (two).
    """
    today = today or timezone.localdate()
    policy: dict | None = None
    snapshot_on = None
    if with_evidence:
        snapshot = ComplianceSnapshot.objects.filter(taken_on__lte=today).order_by("-taken_on").first()
        if snapshot is not None and "policy" in snapshot.figures:
            policy, snapshot_on = snapshot.figures["policy"], snapshot.taken_on
    rows = []
    for s in STATEMENTS:
        figure = None
        if with_evidence and s.key == "assurance":
            figure = latest_round()
        elif with_evidence and s.figure:
            on = format_date(snapshot_on, "j F Y") if snapshot_on else ""
            figure = f"{s.figure(policy)} (on {on})" if policy else NOT_MEASURED
        rows.append(TraceRow(s, figure, s.evidence_url() if with_evidence else ""))
    return rows
