"""Who may hold, see and revoke API tokens."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from governance.core.models import ApiToken, BusinessAreaUserObjectPermission, User
from governance.core.policy import OVERSEE_AREA_PERM, has_oversight, in_group
from governance.core.roles import ADMINISTRATORS


def can_hold_tokens(user: User) -> bool:
    """Any active person signed in with a second factor; never the system account."""
    return user.is_authenticated and user.is_active and not getattr(user, "is_system", False)


def is_token_administrator(user: User) -> bool:
    return user.is_authenticated and user.is_active and in_group(user, ADMINISTRATORS)


def can_revoke_token(user: User, token: ApiToken) -> bool:
    """The token's owner, or an administrator."""
    return can_hold_tokens(user) and (token.user_id == user.pk or is_token_administrator(user))


def visible_tokens(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens; administrators see every token."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if is_token_administrator(user):
        return tokens
    if not can_hold_tokens(user):
        return tokens.none()
    return tokens.filter(user=user)


def visible_people(user: User) -> QuerySet[User]:
    """The people ``core.policy.can_view_person`` lets ``user`` see, as one query (for the API's list).

    Oneself, one's line reports, the people of areas one oversees as Deputy SIRO, or everyone
    with oversight; ``tests/api`` checks it agrees with ``can_view_person`` person by person.
    """
    people = User.objects.filter(is_system=False)
    if not (user.is_authenticated and user.is_active):
        return people.none()
    if has_oversight(user):
        return people
    codename = OVERSEE_AREA_PERM.split(".", 1)[1]
    areas = BusinessAreaUserObjectPermission.objects.filter(user=user, permission__codename=codename).values(
        "content_object"
    )
    return people.filter(Q(pk=user.pk) | Q(line_manager=user) | Q(business_area__in=areas))
