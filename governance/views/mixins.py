"""Shared view behaviour: object-level refusal and the history panel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView

from governance.services.history import history_for, history_page


class ObjectPermissionMixin:
    """Refuse the object unless ``can_view(user, obj)`` allows it.

    Every detail and edit view names its rule; being signed in is never enough.
    The refusal renders the 403 page with ``refusal_message``.
    """

    refusal_message = "You do not have permission to view this page."

    def can_view(self, user, obj) -> bool:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not self.can_view(self.request.user, obj):
            raise PermissionDenied(self.refusal_message)
        return obj


class HistoryMixin:
    """Adds the object's audit history (newest first) to the context as ``history``."""

    history_limit = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object, limit=self.history_limit)
        context["history_limit"] = self.history_limit
        return context


class FullHistoryMixin:
    """A page of an object's whole change history, 100 entries a page. Set ``history_object()``."""

    history_per_page = 100

    def history_object(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        history, page = history_page(self.history_object(), self.request.GET.get("page"), self.history_per_page)
        context.update(
            history=history,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            history_limit=self.history_per_page + 1,
        )
        return context


class ServiceFormView(FormView):
    """A form whose valid data is handed to a service.

    ``perform(form)`` calls the service and returns ``(redirect_to, message)``.
    A ``ValidationError`` from the service (a rule checked at write time) is shown
    on the form like any other error, so nothing typed is lost.
    """

    def perform(self, form):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def form_valid(self, form):
        try:
            target, message = self.perform(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        if message:
            messages.success(self.request, message)
        return redirect(target)
