"""Who may hold, see and revoke API tokens."""

from __future__ import annotations

from governance.core.models import ApiToken, User
from governance.core.policy import is_administrator, is_member, is_person


def can_hold_tokens(user: User) -> bool:
    """Any active person signed in with a second factor; never the system account."""
    return is_person(user)


def is_token_administrator(user: User) -> bool:
    """Administrators see and revoke every token."""
    return is_member(user) and is_administrator(user)


def can_revoke_token(user: User, token: ApiToken) -> bool:
    """The token's owner, or an administrator."""
    return can_hold_tokens(user) and (token.user_id == user.pk or is_token_administrator(user))


def can_create_scim_token(user: User) -> bool:
    """Administrators create the tokens the identity provider provisions people with (SCIM)."""
    return can_hold_tokens(user) and is_token_administrator(user)
