"""Who may read the operational endpoints.

The health probes are open to anyone who can reach them: they say only "ok" or
"unavailable". The metrics reveal volumes and the policy's live figures, so they
are for a scraper holding ``METRICS_TOKEN`` (as a bearer token) or connecting
from one of ``METRICS_ALLOWED_NETWORKS``; with neither configured they are off.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings


def metrics_enabled() -> bool:
    return bool(settings.METRICS_TOKEN or settings.METRICS_ALLOWED_NETWORKS)


def _from_allowed_network(address: str | None) -> bool:
    if not address:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in settings.METRICS_ALLOWED_NETWORKS:
        try:
            if client in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def _holds_token(authorization: str) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, presented = (authorization or "").partition(" ")
    if not token or scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def may_read_metrics(address: str | None, authorization: str) -> bool:
    """True for a scraper with the token or from an allowed network (compared in constant time)."""
    return metrics_enabled() and (_holds_token(authorization) or _from_allowed_network(address))
