"""What every API view shares: authentication, the declared policy, and the audit context."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from governance.core.audit import acting_as
from governance.core.audit_hashing import through_api
from governance.core.models import ApiToken
from governance.core.rest.permissions import Policy, TokenWriteScope

if TYPE_CHECKING:
    # What the mixin is combined with, for type checking only: at run time it stays a plain class.
    from rest_framework.views import APIView as _ApiViewBase
else:
    _ApiViewBase = object


def blank_or(choices) -> serializers.ChoiceField:
    """A read-only choice that may be blank (not decided yet): said so in the schema too."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


class AuditedApiMixin(_ApiViewBase):
    """Names the token's person as the actor, and marks every entry as made through the API (and which token).

    A token request has no session, so django-auditlog's middleware saw no user;
    the actor is set here, once authentication has run, for the rest of the request.
    """

    permission_classes = [IsAuthenticated, TokenWriteScope, Policy]
    permission: Callable[..., bool] | None = None
    lookup_value_regex = r"[0-9]+"
    _audit_context: ExitStack | None  # this request's audit context, from ``initial`` until the response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        stack = ExitStack()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None:
            stack.enter_context(acting_as(request.user, remote_addr=request.META.get("REMOTE_ADDR")))
        stack.enter_context(through_api(token.key if token else None))
        self._audit_context = stack

    def finalize_response(self, request, response, *args, **kwargs):
        stack = getattr(self, "_audit_context", None)
        if stack is not None:
            self._audit_context = None
            stack.close()
        return super().finalize_response(request, response, *args, **kwargs)


class ReadOnlyViewSet(AuditedApiMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ApiViewSet(AuditedApiMixin, viewsets.GenericViewSet):
    pass
