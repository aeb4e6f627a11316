"""The access tests' shared people and assets, defined beside the main access tests."""

from tests.access.test_access import asset, handler, iam, identifiable  # noqa: F401
