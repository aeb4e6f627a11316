"""Shared view behaviour: the declared permission rule (checked on the object for record views) and history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView

from governance.core.history_events import history_for, history_page
from governance.core.http import AuthenticatedHttpRequest
from governance.core.models import User

if TYPE_CHECKING:
    # What the mixins are combined with (a page view), for type checking only: at run time they
    # stay plain classes, so no view's method resolution order changes. Deriving from every
    # class that declares ``request`` lets the mixins narrow it to a signed-in person's request.
    from django.views.generic.base import ContextMixin, TemplateResponseMixin, View

    class _PageView(TemplateResponseMixin, ContextMixin, View):
        pass

else:
    _PageView = object

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _check(rule: Callable[..., bool], user: User, obj: Any) -> bool:
    return rule(user, obj) if obj is not None else rule(user)


class PolicyMixin(_PageView):
    """A view declares its rule once; it is checked before GET, POST and every other method.

    ``permission`` is a function from a domain's ``policy.py``. It is called as
    ``permission(user)``, or as ``permission(user, obj)`` when ``get_permission_object()``
    returns an object (views on one record look it up there, once, and keep it as
    ``self.object``). A page that anyone allowed to see it may open, but whose form
    only some may send, also declares ``write_permission``: checked in addition for
    every method that changes something. A refusal renders the 403 page with
    ``refusal_message`` (or ``write_refusal_message``). No view checks permissions by hand.
    """

    request: AuthenticatedHttpRequest  # behind sign-in, and every rule refuses anyone not signed in
    permission: Callable[..., bool] | None = None
    write_permission: Callable[..., bool] | None = None
    refusal_message = "You do not have permission to view this page."
    write_refusal_message: str | None = None

    def get_permission_object(self) -> Any:
        return None

    def get_refusal_message(self) -> str:
        return self.refusal_message

    def has_permission(self) -> bool:
        rule = type(self).permission  # read from the class: a plain function, not a bound method
        if rule is None:
            raise NotImplementedError(f"{type(self).__name__} declares no permission rule")
        return _check(rule, self.request.user, self.get_permission_object())

    def has_write_permission(self) -> bool:
        rule = type(self).write_permission
        if rule is None or self.request.method in SAFE_METHODS:
            return True
        return _check(rule, self.request.user, self.get_permission_object())

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.has_permission():
            raise PermissionDenied(self.get_refusal_message())
        if not self.has_write_permission():
            raise PermissionDenied(self.write_refusal_message or self.get_refusal_message())
        return super().dispatch(request, *args, **kwargs)


class ObjectPolicyMixin(PolicyMixin):
    """A view on one record: looked up once (404 when absent), its rule checked on it, kept as ``self.object``.

    Subclasses name the record with ``get_object_queryset()`` and ``pk_url_kwarg``.
    ``get_object()`` returns the same instance, so a detail view does not query twice.
    """

    pk_url_kwarg = "pk"

    def get_object_queryset(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def get_permission_object(self) -> Any:
        if getattr(self, "object", None) is None:
            self.object = get_object_or_404(self.get_object_queryset(), pk=self.kwargs[self.pk_url_kwarg])
        return self.object

    def get_object(self, queryset=None):
        return self.get_permission_object()


class HistoryMixin(_PageView):
    """Adds the object's audit history (newest first) to the context as ``history``."""

    request: AuthenticatedHttpRequest
    object: Any  # the record shown, set by the view (``ObjectPolicyMixin`` or a detail view)
    history_limit = 50

    def shows_history(self) -> bool:
        """Whether this viewer sees the history at all; a page whose policy says not, answers False."""
        return True

    def history_known(self) -> Iterable[Any]:
        """Records the page has loaded anyway that its history may name (its entries' people, areas...):
        named as they are, without a query for their names."""
        return ()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.shows_history():
            context["history"] = history_for(
                self.object, limit=self.history_limit, request=self.request, also=self.history_known()
            )
            context["history_limit"] = self.history_limit
        return context


class FullHistoryMixin(_PageView):
    """A page of an object's whole change history, 100 entries a page. Set ``history_object()``."""

    request: AuthenticatedHttpRequest
    history_per_page = 100

    def history_object(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        history, page = history_page(
            self.history_object(), self.request.GET.get("page"), self.history_per_page, request=self.request
        )
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

    request: AuthenticatedHttpRequest

    def perform(self, form):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def checks(self, data: dict, *, valid: bool) -> dict[str, str | list[str]]:
        """The service's save-time rules as ``{field: message}``, run with the field checks.

        A view whose service refuses some input only when it writes (a date that
        must not be in the future, a fresh one-time code) names those rules here
        through the service's own check function, so that one submit shows every
        problem at once. ``data`` holds the fields that passed their own checks;
        ``valid`` says whether all did. A message may be a list; a key that is not
        one of the form's fields (``__all__``) is shown above the form.
        """
        return {}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        valid = form.is_valid()
        for field, message in self.checks(form.cleaned_data, valid=valid).items():
            if field not in form.errors:
                form.add_error(field if field in form.fields else None, message)
        if form.errors and hasattr(form, "report_wrong_code"):
            form.report_wrong_code()  # a wrong one-time code is reported with the rest, a right one kept
        return self.form_valid(form) if not form.errors else self.form_invalid(form)

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
