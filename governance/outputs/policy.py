"""Who may see and do what with researchers and their outputs. Views and services ask these.

- A researcher (an account outside the department, tied to one contract while it is current)
  sees their contract's outputs and data-handling terms, submits outputs and, once cleared,
  downloads them. Nothing else in the portal opens for them (``governance.middleware``).
- A disclosure-control officer checks outputs waiting in the queue and decides on them,
  never on one they submitted; they download what they check.
- Whoever may read the contract (its manager, the IAMs of its data, oversight) sees its outputs
  listed on the contract's page and opens each one; its manager invites researchers.
"""

from __future__ import annotations

import copy

from governance.contracts import policy as contracts_policy
from governance.contracts.models import ResearchContract
from governance.core.models import User
from governance.core.policy import in_group, is_person
from governance.core.roles import DISCLOSURE_CONTROL
from governance.outputs.models import OutputSubmission, Researcher

Status = ResearchContract.Status
State = OutputSubmission.State

# Researchers are invited while the contract is being set up or holds the data; not after.
INVITING = (Status.DRAFT, Status.UNDER_ASSURANCE, Status.APPROVED, Status.DATA_RELEASED)


def researcher_of(user) -> Researcher | None:
    """The person's current researcher record (kept on the user object), or None for everyone else."""
    if not is_person(user) or not getattr(user, "is_external", False):
        return None
    cached = user.__dict__.get("_researcher_record", False)
    if cached is not False:
        return cached
    found = Researcher.objects.filter(user=user, ended_at__isnull=True).select_related("contract").first()
    user.__dict__["_researcher_record"] = found
    return found


def is_researcher(user) -> bool:
    return researcher_of(user) is not None


def researches_on(user, contract_id: int) -> bool:
    found = researcher_of(user)
    return found is not None and found.contract_id == contract_id


def is_checker(user) -> bool:
    """A disclosure-control officer of the department (never an external account)."""
    return is_person(user) and not getattr(user, "is_external", False) and in_group(user, DISCLOSURE_CONTROL)


# --- researchers' pages --------------------------------------------------------------


def can_see_own_outputs(user: User) -> bool:
    """A researcher's list of their contract's outputs, and its data-handling terms."""
    return is_researcher(user)


def can_submit(user: User) -> bool:
    return is_researcher(user)


def can_resubmit(user: User, submission: OutputSubmission) -> bool:
    """A researcher of the contract answers a request for changes with a new version."""
    return researches_on(user, submission.contract_id) and submission.state == State.CHANGES_REQUESTED


# --- everyone's view of one output ----------------------------------------------------


def can_view_output(user: User, submission: OutputSubmission) -> bool:
    if researcher_of(user) is not None:
        return researches_on(user, submission.contract_id)
    if is_checker(user):
        return True
    return is_person(user) and contracts_policy.can_view(user, submission.contract)


def can_download(user: User, submission: OutputSubmission) -> bool:
    """Checkers download what they check; researchers only what was cleared. Destroyed outputs are gone."""
    if submission.state == State.DESTROYED:
        return False
    if researches_on(user, submission.contract_id):
        return submission.state == State.CLEARED
    return is_checker(user)


# --- checkers ---------------------------------------------------------------------------


def can_view_queue(user: User) -> bool:
    return is_checker(user)


def can_decide(user: User, submission: OutputSubmission) -> bool:
    """A checker decides on an output waiting for checking, never one they submitted."""
    return is_checker(user) and submission.is_waiting and user.pk != submission.submitted_by_id


def may_submit_on(user: User, submission: OutputSubmission) -> bool:
    """Who may submit (or resubmit) an output of this contract: its researchers."""
    return researches_on(user, submission.contract_id)


def output_as_submitted_by(submission: OutputSubmission, user: User) -> OutputSubmission:
    """The output as it is once ``user`` submitted it, waiting for checking (not saved)."""
    submitted = copy.copy(submission)
    submitted.submitted_by_id, submitted.state = user.pk, State.SUBMITTED
    return submitted


# --- contract managers ------------------------------------------------------------------


def can_invite(user: User, contract: ResearchContract) -> bool:
    """The contract's named manager invites its researchers while it is being set up or holds the data."""
    return (
        is_person(user)
        and contracts_policy.can_manage(user, contract)
        and contract.status in INVITING
        and not getattr(user, "is_external", False)
    )


def can_end_researcher(user: User, researcher: Researcher) -> bool:
    """The contract's named manager ends a researcher's account early (they left the project)."""
    return (
        is_person(user)
        and not getattr(user, "is_external", False)
        and researcher.ended_at is None
        and contracts_policy.can_manage(user, researcher.contract)
    )
