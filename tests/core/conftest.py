"""Fixtures shared by the core tests: the test OpenID provider and single sign-on switched on against it."""

from tests.core.sso_provider import alice, oidc_provider, sso  # noqa: F401 (fixtures)
