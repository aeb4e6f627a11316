"""The outputs a person may list, each rule written once; ``policy.py`` answers for one record."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from governance.contracts.selectors import visible_contracts
from governance.core.compiled import CompiledQuery
from governance.core.models import User
from governance.outputs.models import OutputDecision, OutputSubmission, Researcher
from governance.outputs.policy import is_checker, researcher_of


def output_queryset() -> QuerySet[OutputSubmission]:
    return OutputSubmission.objects.select_related("contract", "submitted_by")


def visible_outputs(user: User, queryset: QuerySet | None = None) -> QuerySet[OutputSubmission]:
    """A researcher sees their contract's outputs; checkers every output; others those of contracts they read."""
    queryset = output_queryset() if queryset is None else queryset
    researcher = researcher_of(user)
    if researcher is not None:
        return queryset.filter(contract_id=researcher.contract_id)
    if getattr(user, "is_external", False):
        return queryset.none()
    if is_checker(user):
        return queryset
    return queryset.filter(contract__in=visible_contracts(user).values("pk"))


def waiting_for_checking() -> QuerySet[OutputSubmission]:
    """The checkers' queue: outputs submitted or resubmitted, oldest first."""
    return output_queryset().filter(state__in=OutputSubmission.WAITING).order_by("updated_at", "pk")


def outputs_of_contract(contract) -> QuerySet[OutputSubmission]:
    return output_queryset().filter(contract=contract).order_by("-submitted_at", "-pk")


def researchers_of_contract(contract) -> QuerySet[Researcher]:
    return Researcher.objects.filter(contract=contract).select_related("user", "invited_by").order_by("-invited_at")


def output_figures() -> dict[str, Q]:
    """The outputs cleared and refused (destroyed since or not), and those pending (waiting for checking
    or for the researcher's changes), each as the filter of the submissions it counts."""
    State = OutputSubmission.State
    cleared = Exists(OutputDecision.objects.filter(submission=OuterRef("pk"), outcome="cleared"))
    return {
        "cleared": Q(cleared),
        "refused": Q(state=State.REFUSED),
        "pending": Q(state__in=(State.SUBMITTED, State.RESUBMITTED, State.CHANGES_REQUESTED)),
    }


def _output_counts() -> QuerySet:
    counts = {name: Count("pk", filter=rule) for name, rule in output_figures().items()}
    # Grouped by a constant: one row of counts, as ``aggregate()`` gives, but a queryset that can be compiled.
    grouped = OutputSubmission.objects.order_by().annotate(every=Value(1)).values("every")
    return grouped.annotate(**counts).values(*counts)


# Compiled once: building the three filtered counts cost the SIRO's report more than answering them.
_OUTPUT_COUNTS = CompiledQuery(_output_counts)


def output_counts() -> dict[str, int]:
    """How many outputs were cleared and refused (destroyed since or not), and how many are pending
    (waiting for checking or for the researcher's changes): one query, each a filtered count."""
    found = _OUTPUT_COUNTS.dicts()
    return found[0] if found else {"cleared": 0, "refused": 0, "pending": 0}
