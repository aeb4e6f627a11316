"""Outputs submitted, checked and decided on.

Each version's file is read with the same bounded readers as the portal's other uploads (size
limit, row limit, no workbook bomb) and checked as a whole: every problem in it is reported at
once and nothing is stored unless all is well. The checks of ``governance.disclosure.outputs``
then run on it (tables are differenced against the contract's earlier cleared tables) and
their findings are kept with the version and the SHA-256 digest of its bytes.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.contracts.models import ResearchContract
from governance.core import uploads
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import refuse_unless
from governance.core.tabular import UploadError, read_upload
from governance.disclosure.outputs import (
    Finding,
    OutputFormatError,
    OutputTable,
    check_model,
    check_table,
    parse_model,
    parse_table,
)
from governance.outputs.models import OutputDecision, OutputSubmission, OutputVersion
from governance.outputs.policy import can_decide, can_resubmit, can_submit, researcher_of

logger = logging.getLogger(__name__)

Kind = OutputSubmission.Kind
State = OutputSubmission.State
Outcome = OutputDecision.Outcome
OUTPUT_TYPES = (".csv", ".xlsx")
DECIDED_STATE = {
    Outcome.CLEARED: State.CLEARED,
    Outcome.CHANGES_REQUESTED: State.CHANGES_REQUESTED,
    Outcome.REFUSED: State.REFUSED,
}


@dataclass
class ReadOutput:
    parsed: dict
    findings: list[Finding]


# --- reading and checking a file ------------------------------------------------------------


def _rows_of(upload) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV or XLSX upload, read within the portal's upload limits."""
    name = (upload.name or "").lower()
    if not name.endswith(OUTPUT_TYPES):
        raise ValidationError("The selected file must be a CSV or XLSX spreadsheet")
    uploads.check_upload(upload)  # size, and contents that match the name
    content = upload.read()
    upload.seek(0)
    copy = _Upload(upload.name, content)
    try:
        rows = read_upload(copy, ())
    except UploadError as exc:
        raise ValidationError(str(exc)) from exc
    header: list[str] = []
    for row in rows:
        header.extend(column for column in row if column not in header)
    return header, [[row.get(column, "") for column in header] for row in rows]


class _Upload(io.BytesIO):
    """The bytes already read, given to the spreadsheet reader as an upload."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


def earlier_cleared_tables(contract: ResearchContract, *, excluding: int | None = None) -> list[OutputTable]:
    """The tables this contract's researchers were cleared to take out, for differencing a new one."""
    versions = OutputVersion.objects.filter(
        submission__contract=contract, submission__kind=Kind.TABLE, decisions__outcome=Outcome.CLEARED
    )
    if excluding is not None:
        versions = versions.exclude(submission_id=excluding)
    return [OutputTable.from_dict(version.parsed) for version in versions.order_by("pk").distinct() if version.parsed]


def read_output(
    kind: str,
    upload,
    *,
    contract: ResearchContract,
    residual_df: int | None = None,
    observations: int | None = None,
    excluding: int | None = None,
) -> ReadOutput:
    """Read and check one file. Raises ``ValidationError`` naming every problem in it; stores nothing."""
    if upload is None:
        raise ValidationError({"file": "Select the file of the output"})
    try:
        header, rows = _rows_of(upload)
        if kind == Kind.MODEL:
            if residual_df is None or observations is None:
                raise ValidationError("Give the residual degrees of freedom and the number of observations")
            model = parse_model(header, rows, residual_df=residual_df, observations=observations)
            return ReadOutput(parsed={}, findings=check_model(model))
        table = parse_table(header, rows)
        earlier = earlier_cleared_tables(contract, excluding=excluding)
        return ReadOutput(parsed=table.to_dict(), findings=check_table(table, earlier=earlier))
    except OutputFormatError as exc:
        raise ValidationError({"file": list(exc.problems)}) from exc
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"file": exc.messages}) from exc


def findings_of(version: OutputVersion) -> list[Finding]:
    return [Finding.from_dict(item) for item in version.findings or []]


def _store_version(submission: OutputSubmission, upload, read: ReadOutput, *, by: User, number: int, **model_facts):
    stored = uploads.store_upload(upload, folder=f"outputs/{submission.contract_id}")
    try:
        return OutputVersion.objects.create(
            submission=submission,
            number=number,
            file=stored.name,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            parsed=read.parsed,
            findings=[finding.to_dict() for finding in read.findings],
            uploaded_by=by,
            **model_facts,
        )
    except Exception:
        uploads.discard(stored.name)
        raise


# --- the researcher's side --------------------------------------------------------------------


@transaction.atomic
def submit_output(
    *,
    by: User,
    kind: str,
    title: str,
    description: str,
    publication: str,
    upload,
    residual_df: int | None = None,
    observations: int | None = None,
) -> OutputSubmission:
    """A researcher submits an output of their contract: checked, stored with its digest, queued for checking."""
    refuse_unless(can_submit(by), "Only a contract's researchers submit its outputs.")
    researcher = researcher_of(by)
    if researcher is None:  # pragma: no cover - can_submit said there is one
        raise PermissionDenied("Only a contract's researchers submit its outputs.")
    contract = researcher.contract
    read = read_output(kind, upload, contract=contract, residual_df=residual_df, observations=observations)
    submission = OutputSubmission.objects.create(
        contract=contract,
        submitted_by=by,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        publication=publication.strip(),
    )
    facts = {"residual_df": residual_df, "observations": observations} if kind == Kind.MODEL else {}
    _store_version(submission, upload, read, by=by, number=1, **facts)
    return submission


@transaction.atomic
def resubmit_output(
    submission: OutputSubmission,
    *,
    by: User,
    upload,
    residual_df: int | None = None,
    observations: int | None = None,
) -> OutputSubmission:
    """The researcher answers a request for changes with a new version of the file; earlier ones are kept."""
    submission = OutputSubmission.objects.select_for_update(of=("self",)).get(pk=submission.pk)
    refuse_unless(
        can_resubmit(by, submission), "Only the contract's researchers resubmit, when changes were asked for."
    )
    read = read_output(
        submission.kind,
        upload,
        contract=submission.contract,
        residual_df=residual_df,
        observations=observations,
        excluding=submission.pk,
    )
    number = (submission.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    facts = {"residual_df": residual_df, "observations": observations} if submission.kind == Kind.MODEL else {}
    _store_version(submission, upload, read, by=by, number=number, **facts)
    submission.state = State.RESUBMITTED
    submission.updated_at = timezone.now()
    submission.save(update_fields=["state", "updated_at"])
    return submission


# --- the checker's side -----------------------------------------------------------------------


def decision_errors(*, reason: str) -> dict[str, str]:
    if not (reason or "").strip():
        return {"reason": "Give the reason for your decision"}
    return {}


@records_reason
@transaction.atomic
def decide(submission: OutputSubmission, *, by: User, outcome: str, reason: str) -> OutputDecision:
    """A checker (never the submitter) clears, refuses or asks for changes, with a reason the researcher reads."""
    submission = OutputSubmission.objects.select_for_update(of=("self",)).get(pk=submission.pk)
    refuse_unless(
        can_decide(by, submission),
        "Only a disclosure-control officer who did not submit it decides on an output waiting for checking.",
    )
    errors = decision_errors(reason=reason)
    if outcome not in Outcome.values:
        errors["outcome"] = "Choose whether to clear the output, ask for changes or refuse it"
    if errors:
        raise ValidationError(errors)
    version = submission.versions.order_by("-number").first()
    if version is None:  # pragma: no cover - every submission is made with its first version
        raise ValidationError("This output has no file to decide on.")
    decision = OutputDecision.objects.create(
        submission=submission, version=version, outcome=outcome, reason=reason.strip(), by=by
    )
    submission.state = DECIDED_STATE[Outcome(outcome)]
    submission.updated_at = timezone.now()
    submission.save(update_fields=["state", "updated_at"])
    researcher = submission.submitted_by
    if researcher.is_active:
        notify(
            researcher,
            key=f"output-decided:{decision.pk}",
            subject=f"Your output '{submission.title}': {decision.get_outcome_display().lower()}",
            template="emails/output_decided.txt",
            context={
                "submission": submission,
                "decision": decision,
                "findings": findings_of(version),
                "name": researcher.first_name or researcher.display_name,
            },
        )
    return decision


# --- the contract's end -----------------------------------------------------------------------


def _discard_all(names: list[str]) -> None:
    for name in names:
        uploads.discard(name)


@transaction.atomic
def destroy_outputs_of(contract: ResearchContract) -> int:
    """When the contract's destruction is certified: delete every stored output file, mark them destroyed.

    The records (titles, digests, decisions) stay as evidence; only the files go. Safe to repeat.
    """
    count = 0
    names = []
    for submission in (
        OutputSubmission.objects.select_for_update().filter(contract=contract).exclude(state=State.DESTROYED)
    ):
        for version in submission.versions.exclude(file=""):
            names.append(version.file.name)
            version.file = ""
            version.save(update_fields=["file"])
        submission.state = State.DESTROYED
        submission.destroyed_at = timezone.now()
        submission.save(update_fields=["state", "destroyed_at"])
        count += 1
    transaction.on_commit(lambda: _discard_all(names))
    return count
