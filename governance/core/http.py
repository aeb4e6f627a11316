"""The request of a signed-in person, for type checking the views behind sign-in."""

from __future__ import annotations

from django.http import HttpRequest

from governance.core.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose ``user`` is a signed-in ``User``, never ``AnonymousUser``.

    Every page except those marked ``login_not_required`` is behind
    ``PortalLoginRequiredMiddleware``, and every page view declares a policy rule that
    refuses anyone not signed in. Views annotate their ``request`` with this class so
    that ``request.user`` is the portal's ``User``. No request is ever an instance of
    it: it only describes the requests these views receive.
    """

    user: User
