"""Spreadsheet imports: upload, dry run with row-level errors, then confirm.

The uploaded file is kept in private storage between the dry run and the
confirmation (``core/pending_imports``), under a random name remembered in
the user's session; it is deleted once imported, or by a nightly task when never confirmed.
The confirmation runs the same checks again.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView

from governance.core import pending_imports
from governance.core.http import AuthenticatedHttpRequest
from governance.core.tabular import MAX_UPLOAD_BYTES, UploadError, read_upload
from governance.core.views.mixins import PolicyMixin

SESSION_KEY = "pending_import"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What does the file hold?", widget=forms.RadioSelect)
    file = forms.FileField(
        label="Upload a file", help_text=f"CSV (UTF-8) or XLSX, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds  # the copy of ``kind`` above

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The file must be a CSV or XLSX spreadsheet")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        return upload


class ImportView(PolicyMixin, FormView):
    """Subclasses set ``importers`` ({kind: (label, Importer class)}), templates and their ``permission``."""

    form_class = ImportForm
    template_name = "imports/upload.html"
    importers: dict = {}
    title = "Import"
    done_url = "home"
    refusal_message = "You cannot import these records."

    def get_form_kwargs(self):
        kinds = [(key, label) for key, (label, _) in self.importers.items()]
        return {**super().get_form_kwargs(), "kinds": kinds}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["import_kinds"] = [(label, cls.columns) for label, cls in self.importers.values()]
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "confirm" in request.POST:
            return self.confirm(self.request)  # the same request, as the signed-in person's
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        kind = form.cleaned_data["kind"]
        upload = form.cleaned_data["file"]
        importer = self.importers[kind][1](self.request.user)
        try:
            rows = read_upload(upload, importer.required_columns)
        except UploadError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        result = importer.run(rows, dry_run=True)
        token = ""
        if result.ok:
            upload.seek(0)
            token, suffix = pending_imports.keep(upload.read(), upload.name)
            self.request.session[SESSION_KEY] = {"token": token, "kind": kind, "name": upload.name, "suffix": suffix}
        return self.render_to_response(
            self.get_context_data(form=form, result=result, kind_label=self.importers[kind][0], token=token)
        )

    def confirm(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        pending = request.session.pop(SESSION_KEY, None)
        if not pending or pending["token"] != request.POST.get("token"):
            messages.error(request, "That import has expired or was already done. Upload the file again.")
            return redirect(request.path)
        content = pending_imports.take(pending["token"], pending["suffix"])
        if content is None:
            messages.error(request, "That import has expired. Upload the file again.")
            return redirect(request.path)
        importer = self.importers[pending["kind"]][1](request.user)
        rows = read_upload(SimpleUploadedFile(pending["name"], content), importer.required_columns)
        result = importer.run(rows, dry_run=False)
        if not result.ok:
            form = self.get_form_class()(kinds=[(k, v[0]) for k, v in self.importers.items()])
            return self.render_to_response(
                self.get_context_data(form=form, result=result, kind_label=self.importers[pending["kind"]][0])
            )
        messages.success(
            request,
            f"Imported {result.total} rows from {pending['name']}: {result.created} new, {result.updated} updated.",
        )
        return redirect(self.done_url)
