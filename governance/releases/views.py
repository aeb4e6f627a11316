"""Statistical release pages. Rules live in ``releases.policy``; writes go through ``releases.workflow``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView

from governance.core.access_events import accesses_of, record_access
from governance.core.history_events import history_for
from governance.core.plurals import plural
from governance.core.tabular import export_response
from governance.core.views.mixins import FullHistoryMixin, PolicyMixin, ServiceFormView
from governance.releases import policy, records, selectors
from governance.releases import workflow as service
from governance.releases.filters import ReleaseFilter
from governance.releases.forms import (
    AprioriForm,
    ConfirmReleaseForm,
    PatternForm,
    ReleaseForm,
    RulesForm,
    SignOffForm,
    SourceForm,
    TableCostForm,
    TableForm,
)
from governance.releases.models import DisclosureRuleSet, OutputTable, ReleaseSignOff, ReleaseSource, StatisticalRelease
from governance.releases.policy import (
    can_download_raw,
    can_edit,
    can_exchange_jj,
    can_manage_rules,
    can_mark_released,
    can_see_disclosure_record,
    can_sign_off,
    can_tune_protection,
    sees_method,
)

VIEW_REFUSAL = (
    "Unpublished statistics are restricted: only the release's author, the Chief Statistician, disclosure control, "
    "the IAMs of its source assets, their Deputy SIROs and oversight roles can see this release."
)
EDIT_REFUSAL = "Only the release's author can change it, and only before it is released."
HISTORY_SHOWN = 20  # the whole history is one link away
CELLS_PER_PAGE = 200  # a table may have 50,000 cells
RULES_REFUSAL = "The disclosure-control rules are not published: only disclosure control and auditors can see them."


def _count(model, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(release=OuterRef("pk"), **filters)
            .order_by()
            .values("release")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


class ReleaseObjectMixin(PolicyMixin):
    """Loads the release named in the URL (once) and checks the view's rule on it.

    The release's parts named in the URL (a table, a source) are looked up only
    when the page uses them, after the check: their numbers reveal nothing.
    """

    permission = policy.can_edit
    refusal_message = EDIT_REFUSAL

    @cached_property
    def release(self) -> StatisticalRelease:
        return get_object_or_404(StatisticalRelease.objects.select_related("author"), pk=self.kwargs["pk"])

    def get_permission_object(self):
        self.object = self.release
        return self.release

    def get_context_data(self, **kwargs):
        return super().get_context_data(release=self.release, **kwargs)


class TableMixin(ReleaseObjectMixin):
    @cached_property
    def table(self) -> OutputTable:
        return get_object_or_404(
            OutputTable.objects.select_related("source__asset", "rules", "uploaded_by"),
            pk=self.kwargs["table"],
            release_id=self.release.pk,
        )

    def get_context_data(self, **kwargs):
        kwargs["table"] = self.table  # the object, in place of the URL's number
        return super().get_context_data(**kwargs)


# --- lists and the release page -------------------------------------------------------------------


class ReleaseListView(PolicyMixin, FilterView):
    permission = policy.can_view_releases
    filterset_class = ReleaseFilter
    template_name = "releases/list.html"
    context_object_name = "releases"
    paginate_by = 25

    def get_queryset(self):
        queryset = selectors.visible_releases(self.request.user, StatisticalRelease.objects.select_related("author"))
        return queryset.annotate(
            table_count=_count(OutputTable),
            failing_count=_count(OutputTable, passed=False),
        ).order_by("-planned_release_date", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(can_create=policy.can_create(user), sees_method=sees_method(user), today=timezone.localdate())
        return context


class ReleaseDetailView(ReleaseObjectMixin, TemplateView):
    template_name = "releases/detail.html"
    permission = policy.can_view
    refusal_message = VIEW_REFUSAL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        release, user = self.release, self.request.user
        state = service.readiness(release, remembered=True)
        signed = service.live_sign_off(release)
        current = signed is not None and service.fingerprint(state.tables, state.rule_set) == signed.fingerprint
        context.update(
            sources=list(ReleaseSource.objects.filter(release=release).select_related("asset__business_area")),
            state=state,
            sign_off=signed,
            sign_off_current=current,
            voided=list(
                ReleaseSignOff.objects.filter(release=release, voided_at__isnull=False)
                .select_related("signed_by")
                .order_by("-signed_at")
            ),
            can_edit=can_edit(user, release),
            can_sign_off=can_sign_off(user, release) and signed is None and state.ready,
            can_mark_released=can_mark_released(user, release) and signed is not None and current,
            sees_method=sees_method(user),
            # Weights with the published (grossed) numbers would give back the sample counts.
            shows_weights=sees_method(user) or release.author_id == user.pk,
            # Which earlier releases the differencing check took into account: for who prepares or checks it.
            shows_earlier=sees_method(user) or release.author_id == user.pk,
            downloads=accesses_of(state.tables, limit=20),
            history=history_for(release, limit=HISTORY_SHOWN, request=self.request),
            history_limit=HISTORY_SHOWN,
        )
        return context


class ReleaseHistoryView(ReleaseObjectMixin, FullHistoryMixin, TemplateView):
    """The release's whole change history: sources, tables, checks and sign-offs, page by page."""

    template_name = "releases/history.html"
    permission = policy.can_view
    refusal_message = VIEW_REFUSAL

    def history_object(self):
        return self.release


# --- creating and editing --------------------------------------------------------------------------


class ReleaseCreateView(PolicyMixin, ServiceFormView):
    template_name = "releases/form.html"
    form_class = ReleaseForm
    permission = policy.can_create
    refusal_message = "Only statisticians can register a statistical release."

    def perform(self, form):
        release = service.create_release(by=self.request.user, **form.cleaned_data)
        return (
            reverse("releases:source-add", args=[release.pk]),
            "Release registered. Now add the assets it draws on.",
        )


class ReleaseEditView(ReleaseObjectMixin, ServiceFormView):
    template_name = "releases/form.html"
    form_class = ReleaseForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.release}

    def perform(self, form):
        service.update_release(self.release, by=self.request.user, **form.cleaned_data)
        return self.release.get_absolute_url(), "Release details saved."


class SourceFormView(ReleaseObjectMixin, ServiceFormView):
    template_name = "releases/source_form.html"
    form_class = SourceForm

    @cached_property
    def source(self) -> ReleaseSource | None:
        if "source" not in self.kwargs:
            return None
        return get_object_or_404(
            ReleaseSource.objects.select_related("asset"), pk=self.kwargs["source"], release_id=self.release.pk
        )

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "release": self.release, "source": self.source}
        if self.source is not None and self.request.method == "GET":
            kwargs["initial"] = {
                "extract_type": self.source.extract_type,
                "sampling_weight": self.source.sampling_weight,
            }
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)

    def perform(self, form):
        data, by = form.cleaned_data, self.request.user
        if self.source is None:
            source = service.add_source(
                self.release,
                by=by,
                asset=data["asset"],
                extract_type=data["extract_type"],
                sampling_weight=data.get("sampling_weight"),
            )
            return f"{self.release.get_absolute_url()}#sources", f"{source.asset.name} added as a source."
        service.update_source(
            self.source, by=by, extract_type=data["extract_type"], sampling_weight=data.get("sampling_weight")
        )
        return f"{self.release.get_absolute_url()}#sources", f"{self.source.asset.name} updated."


class SourceRemoveView(ReleaseObjectMixin, TemplateView):
    """Asks first (GET), removes on the confirming POST."""

    template_name = "confirm.html"

    @cached_property
    def source(self) -> ReleaseSource:
        return get_object_or_404(
            ReleaseSource.objects.select_related("asset"), pk=self.kwargs["source"], release_id=self.release.pk
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            confirm_caption=self.release.title,
            confirm_heading=f"Are you sure you want to remove {self.source.asset.name} as a source?",
            confirm_lines=["A source that a table is drawn from cannot be removed until that table is."],
            confirm_warning="Removing a source voids any sign-off of this release.",
            confirm_button="Yes, remove the source",
            cancel_url=f"{self.release.get_absolute_url()}#sources",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        source = self.source
        try:
            service.remove_source(source, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{source.asset.name} removed.")
        return redirect(f"{self.release.get_absolute_url()}#sources")


class TableFormView(ReleaseObjectMixin, ServiceFormView):
    """Upload a new table, or rename, move or re-upload one; it is checked as soon as it is saved."""

    template_name = "releases/table_form.html"
    form_class = TableForm

    @cached_property
    def table(self) -> OutputTable | None:
        if "table" not in self.kwargs:
            return None
        return get_object_or_404(OutputTable, pk=self.kwargs["table"], release_id=self.release.pk)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "release": self.release, "replacing": self.table is not None}
        if self.table is not None and self.request.method == "GET":
            kwargs["initial"] = {"title": self.table.title, "source": self.table.source_id}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(table=self.table, **kwargs)

    def checks(self, data, *, valid):
        return service.table_errors(self.release, title=data.get("title"), source=data.get("source"), table=self.table)

    def perform(self, form):
        data, by = form.cleaned_data, self.request.user
        hierarchy = (data["hierarchy_column"], data["hierarchy_file"]) if data.get("hierarchy_file") else None
        if self.table is None:
            table = service.add_table(
                self.release,
                by=by,
                title=data["title"],
                source=data["source"],
                upload=data["file"],
                hierarchy=hierarchy,
            )
        else:
            table = service.replace_table(
                self.table,
                by=by,
                title=data["title"],
                source=data["source"],
                upload=data.get("file"),
                hierarchy=hierarchy,
            )
        outcome = "passed" if table.passed else "failed"
        return table.get_absolute_url(), f"{table.title} saved and checked: the disclosure check {outcome}."


class TableRemoveView(TableMixin, TemplateView):
    """Asks first (GET), removes on the confirming POST."""

    template_name = "confirm.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            confirm_caption=self.release.title,
            confirm_heading=f"Are you sure you want to remove the table {self.table.title}?",
            confirm_lines=["The table, its file and its disclosure check are removed from this release."],
            confirm_warning="You cannot undo this. Removing a table voids any sign-off of this release.",
            confirm_button="Yes, remove the table",
            cancel_url=self.table.get_absolute_url(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        service.remove_table(self.table, by=request.user)
        messages.success(request, f"{self.table.title} removed.")
        return redirect(f"{self.release.get_absolute_url()}#tables")


class TableCheckView(TableMixin, View):
    """Check a table again with the rules now in force."""

    permission = policy.can_check
    refusal_message = EDIT_REFUSAL

    def post(self, request, *args, **kwargs):
        service.check_again(self.table, by=request.user)
        messages.success(request, f"{self.table.title} checked with the current rules.")
        return redirect(self.table.get_absolute_url())


# --- one table: results and downloads ------------------------------------------------------------


class TableDetailView(TableMixin, TemplateView):
    """The check, cell by cell. Reasons and raw values only for disclosure control and auditors."""

    template_name = "releases/table.html"
    permission = policy.can_view
    refusal_message = VIEW_REFUSAL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, table = self.request.user, self.table
        result = service.result_of(table)
        method = sees_method(user)
        if method:
            record_access(self.request, table, "view", detail="Disclosure check with raw values")
        current = service.is_current(table)
        publishable = policy.table_publishable(result, current)
        rows = _display_rows(table, result, method) if policy.can_see_cells(user, result, current) else []
        only_protected = self.request.GET.get("show") == "protected"
        if only_protected:
            rows = [row for row in rows if row["suppressed"] or (method and row["flags"])]
        page = Paginator(rows, CELLS_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            result=result,
            rows=page.object_list,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            only_protected=only_protected,
            columns=list(table.data.get("category_columns", [])),
            sees_method=method,
            current=current,
            publishable=publishable,
            can_edit=can_edit(user, self.release),
            can_check=policy.can_check(user, self.release),
            can_download_raw=can_download_raw(user, self.release),
            can_exchange_jj=can_exchange_jj(user, self.release),
            can_tune_protection=can_tune_protection(user, self.release),
            stated=service.stated_cells(table),
            waiting=service.is_waiting(table),
        )
        return context


def _display_rows(table: OutputTable, result, method: bool) -> list[dict]:
    """What each row of the results table shows; without ``method`` only the published value and whether hidden."""
    if result is None:
        return []
    rows = []
    for cell in result.cells:
        row = {
            "key": cell.key,
            "published": "[c]" if cell.suppressed else cell.published,
            "suppressed": cell.suppressed,
            "is_total": cell.is_total,
        }
        if method:
            row.update(raw=cell.raw, flags=[flag.value for flag in cell.flags])
        rows.append(row)
    return rows


class ProtectedDownloadView(TableMixin, View):
    """The protected table as CSV or XLSX; each download is recorded."""

    permission = policy.can_view
    refusal_message = VIEW_REFUSAL

    def get(self, request, *args, **kwargs):
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        try:
            rows = service.protected_rows(self.table)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.table.get_absolute_url())
        record_access(request, self.table, "download", detail=f"Protected table ({fmt.upper()})")
        name = f"{slugify(self.release.title)[:60]}-{slugify(self.table.title)[:60]}-protected"
        return export_response(rows[0], rows[1:], filename=name, fmt=fmt)


class RawDownloadView(TableMixin, View):
    """The raw table, for the disclosure-control role only; each download is recorded."""

    permission = policy.can_download_raw
    refusal_message = "The raw table never leaves the portal except to disclosure control."

    def get(self, request, *args, **kwargs):
        rows = service.raw_rows(self.table)
        record_access(request, self.table, "download", detail="Raw table (CSV)")
        name = f"{slugify(self.release.title)[:60]}-{slugify(self.table.title)[:60]}-raw"
        return export_response(rows[0], rows[1:], filename=name, fmt="csv")


JJ_REFUSAL = "A table's protection problem leaves the portal, and comes back, only through disclosure control."


class _TableTextDownload(TableMixin, View):
    """A text file about one table for another tool, named after the release and table; recorded as an access."""

    detail: str  # how the access reads in the table's record
    suffix: str

    def text(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        text = self.text()
        record_access(request, self.table, "download", detail=self.detail)
        name = f"{slugify(self.release.title)[:60]}-{slugify(self.table.title)[:60]}.{self.suffix}"
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class JJDownloadView(_TableTextDownload):
    """The table's protection problem and pattern in the JJ format, for tau-ARGUS or sdcTable."""

    permission = policy.can_exchange_jj
    refusal_message = JJ_REFUSAL
    detail, suffix = "Protection problem (JJ format)", "jj"

    def text(self) -> str:
        return service.jj_export(self.table)


class PatternUploadView(TableMixin, ServiceFormView):
    """A pattern of hidden cells from a JJ file, accepted only once it passes the audit."""

    template_name = "releases/pattern_form.html"
    form_class = PatternForm
    permission = policy.can_tune_protection
    refusal_message = JJ_REFUSAL

    def perform(self, form):
        table = service.apply_jj_pattern(self.table, by=self.request.user, upload=form.cleaned_data["file"])
        return table.get_absolute_url(), f"The pattern from the JJ file passed the audit and is now {table.title}'s."


class AprioriView(TableMixin, ServiceFormView):
    """What disclosure control states about the table's cells a priori, from a file; the table is checked again."""

    template_name = "releases/apriori_form.html"
    form_class = AprioriForm
    permission = policy.can_tune_protection
    refusal_message = service.TUNE_REFUSAL

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            stated=service.stated_cells(self.table), sample=service.is_from_sample(self.table), **kwargs
        )

    def perform(self, form):
        table = service.apply_apriori(self.table, by=self.request.user, upload=form.cleaned_data["file"])
        return table.get_absolute_url(), _checked_again(table, f"{plural(service.stated_cells(table), 'cell')} stated")


class AprioriRemoveView(TableMixin, View):
    """Withdraw every a-priori statement: the rules alone decide again."""

    permission = policy.can_tune_protection
    refusal_message = service.TUNE_REFUSAL

    def post(self, request, *args, **kwargs):
        if not service.stated_cells(self.table):
            messages.info(request, f"{self.table.title} has no a-priori statements to withdraw.")
            return redirect(self.table.get_absolute_url())
        table = service.remove_apriori(self.table, by=request.user)
        messages.success(request, _checked_again(table, "The a-priori statements were withdrawn"))
        return redirect(table.get_absolute_url())


class AprioriDownloadView(_TableTextDownload):
    """The table's a-priori statements as a file, for tau-ARGUS or to change and bring back."""

    permission = policy.can_tune_protection
    refusal_message = service.TUNE_REFUSAL
    detail, suffix = "A-priori statements", "hst"

    def text(self) -> str:
        return service.apriori_text(self.table)


def _checked_again(table: OutputTable, done: str) -> str:
    """'3 cells stated: Claims by area is being checked again.' or '... checked again: it passed.'"""
    if service.is_waiting(table):
        return f"{done}: {table.title} is being checked again."
    return f"{done} and {table.title} checked again: the disclosure check {'passed' if table.passed else 'failed'}."


class TableCostView(TableMixin, ServiceFormView):
    """What this table's secondary suppression minimises; the table is checked again at once."""

    template_name = "releases/table_cost.html"
    form_class = TableCostForm
    permission = policy.can_tune_protection
    refusal_message = service.TUNE_REFUSAL

    def get_initial(self):
        return {"secondary_cost": self.table.secondary_cost or TableCostForm.AS_RULES}

    def perform(self, form):
        table = service.set_secondary_cost(self.table, by=self.request.user, cost=form.cost())
        if service.is_waiting(table):
            return table.get_absolute_url(), f"Saved: {table.title} is being checked again."
        outcome = "passed" if table.passed else "failed"
        return table.get_absolute_url(), f"Saved and checked again: the disclosure check of {table.title} {outcome}."


# --- disclosure records ---------------------------------------------------------------------------

RECORD_REFUSAL = (
    "Disclosure records describe the methods, which are not published: disclosure control and auditors only."
)


class _RecordView(PolicyMixin, View):
    """A disclosure record as JSON, for disclosure control and auditors on a release they may see."""

    permission = can_see_disclosure_record
    refusal_message = RECORD_REFUSAL

    def get_permission_object(self):
        if not hasattr(self, "release"):
            self.release = get_object_or_404(StatisticalRelease, pk=self.kwargs["pk"])
        return self.release

    def respond(self, record: dict, name: str) -> JsonResponse:
        response = JsonResponse(record, json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'inline; filename="{name}.json"'
        return response


class TableRecordView(_RecordView):
    def get(self, request, *args, **kwargs):
        table = get_object_or_404(
            OutputTable.objects.select_related("source", "rules"), pk=kwargs["table"], release_id=self.release.pk
        )
        record_access(request, table, "view", detail="Disclosure record (JSON)")
        return self.respond(records.table_record(table), f"disclosure-record-table-{table.pk}")


class ReleaseRecordView(_RecordView):
    def get(self, request, *args, **kwargs):
        record_access(request, self.release, "view", detail="Disclosure record (JSON)")
        return self.respond(records.release_record(self.release), f"disclosure-record-release-{self.release.pk}")


# --- sign-off and release ---------------------------------------------------------------------------


class SignOffView(ReleaseObjectMixin, ServiceFormView):
    template_name = "releases/sign_off.html"
    form_class = SignOffForm
    permission = policy.can_sign_off
    refusal_message = "Only the Chief Statistician or a disclosure-control officer other than the author can sign off."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "http_request": self.request}

    def get_context_data(self, **kwargs):
        state = service.readiness(self.release, remembered=True)
        return super().get_context_data(state=state, **kwargs)

    # No checks(): the page already lists what keeps the release from sign-off, and the
    # one-time code is left to the service, since checking it here would use up a right one
    # on a submit that cannot sign anyway, and the signer would have to wait for another.

    def perform(self, form):
        service.sign_off(
            self.release,
            by=self.request.user,
            comments=form.cleaned_data["comments"],
            request=self.request,
            **form.fresh_verification(),
        )
        return self.release.get_absolute_url(), "Release signed off. The author has been told."


class MarkReleasedView(ReleaseObjectMixin, ServiceFormView):
    template_name = "releases/release.html"
    form_class = ConfirmReleaseForm
    permission = policy.can_mark_released
    refusal_message = "Only the release's author or the Chief Statistician can mark it released."

    def perform(self, form):
        service.mark_released(self.release, by=self.request.user)
        return self.release.get_absolute_url(), "Release marked as released."


# --- the rules ---------------------------------------------------------------------------------------


class RulesView(PolicyMixin, ServiceFormView):
    """The disclosure-control settings: changed by disclosure control, read by auditors."""

    template_name = "releases/rules.html"
    form_class = RulesForm
    permission = policy.sees_method
    refusal_message = RULES_REFUSAL
    write_permission = policy.can_manage_rules
    write_refusal_message = "Only disclosure control can change the rules."

    @cached_property
    def rule_set(self) -> DisclosureRuleSet:
        return service.current_rule_set()

    def get_initial(self):
        return RulesForm.initial_from(service.rules_of(self.rule_set))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "current_key": service.rules_of(self.rule_set).perturbation_key}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            rule_set=self.rule_set,
            rules=service.rules_of(self.rule_set),
            versions=list(DisclosureRuleSet.objects.select_related("created_by").order_by("-version")[:20]),
            can_change=can_manage_rules(self.request.user),
        )
        return context

    def perform(self, form):
        rule_set = service.save_rules(form.rules(), by=self.request.user, note=form.cleaned_data["note"])
        return (
            reverse("releases:rules"),
            f"Rules version {rule_set.version} is in force. Live sign-offs were voided and tables are checked again.",
        )
