"""The DPIA tests' shared people and assets, defined beside the DPIA tests."""

from tests.privacy.test_dpias import deputy, dpo, health  # noqa: F401
