"""The record of processing's links on other domains' pages, asked of the privacy domain's own rules.

The register sits below the privacy records, so its asset page cannot ask them itself; its template
asks here.
"""

from __future__ import annotations

from django import template

from governance.privacy.policy import can_record_activity_on

register = template.Library()


@register.simple_tag(takes_context=True)
def may_record_processing(context, asset) -> bool:
    """Whether the person viewing the asset page may record a processing activity on it (its IAM)."""
    request = context.get("request")
    return bool(request is not None and can_record_activity_on(request.user, asset))
