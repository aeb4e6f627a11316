from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers record sign-ins and keep role groups' permissions in step.
        from . import receivers  # noqa: F401
        from .audit_registry import exclude_private_fields, exclude_reverse_relations

        exclude_reverse_relations()
        exclude_private_fields()
