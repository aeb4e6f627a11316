"""Adjustments to django-auditlog's registrations, applied once at start-up.

``AUDITLOG_INCLUDE_ALL_MODELS`` registers every model (see settings for the
exclusions that keep secrets out). On creation and deletion auditlog also
diffs reverse relations, writing values such as ``governance.User.None``;
they say nothing, so every registered model excludes them here.
"""

from __future__ import annotations

from auditlog.registry import auditlog


def exclude_reverse_relations() -> None:
    for model, options in auditlog._registry.items():
        reverse_names = [
            rel.name for rel in model._meta.get_fields() if rel.auto_created and not rel.concrete and rel.is_relation
        ]
        excluded = options["exclude_fields"]
        excluded.extend(name for name in reverse_names if name not in excluded)


# Fields whose values must not be copied into the trail, which oversight roles read:
# the disclosure methodology is not published and raw tables never leave their page.
# The trail still records that they changed, through the digests kept beside them.
PRIVATE_FIELDS = {
    "governance.disclosureruleset": ("parameters",),
    "governance.outputtable": ("data", "result"),
}


def exclude_private_fields() -> None:
    for model, options in auditlog._registry.items():
        private = PRIVATE_FIELDS.get(model._meta.label_lower, ())
        options["exclude_fields"].extend(name for name in private if name not in options["exclude_fields"])
