from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers record sign-ins and keep role groups' permissions in step.
        from two_factor.plugins.registry import registry

        from governance.core.audit_registry import exclude_private_fields, exclude_reverse_relations
        from governance.core.forms.security_keys import SecurityKeyMethod

        from . import checks, receivers  # noqa: F401

        registry.register(SecurityKeyMethod())  # security keys as a sign-in method of the two-factor wizard

        exclude_reverse_relations()
        exclude_private_fields()
        use_locked_code_forms()


def use_locked_code_forms() -> None:
    """Authenticator-app codes are verified under the device's row lock (``governance.core.forms.otp``)."""
    from two_factor.plugins.registry import registry

    from governance.core.forms.otp import LockedGeneratorMethod

    registry.unregister("generator")
    registry.register(LockedGeneratorMethod())
