"""SCIM filters on the portal's columns (apart from the adapters: django-scim2 reads it while importing them)."""

from __future__ import annotations

from django_scim.filters import GroupFilterQuery, UserFilterQuery


class PortalUserFilter(UserFilterQuery):
    """Filters the provider sends (``userName eq "..."``, ``externalId eq "..."``) on the portal's columns."""

    attr_map = {
        ("userName", None, None): "username",
        ("externalId", None, None): "oidc_subject",
        ("name", "familyName", None): "last_name",
        ("name", "givenName", None): "first_name",
        ("emails", "value", None): "email",
        ("active", None, None): "is_active",
    }


class PortalGroupFilter(GroupFilterQuery):
    """Filters on groups (the provider looks a group up by ``displayName eq "..."`` before creating it)."""

    attr_map = {
        ("displayName", None, None): "name",
    }
