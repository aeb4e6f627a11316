"""Services that write check their own rule; the moves they share inside a domain are private to it.

A service is called from a page, the API, a task, a command or another domain's service: each
checks its own rule (the policy predicate its view declares), so a caller that forgot to check
cannot write through it. What only a domain's own services may call is named with a leading
underscore, and no other domain imports it (checked over the source below).
"""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from governance.access import grants as grant_service
from governance.access.models import AccessGrant
from governance.contracts import records as contract_records
from governance.contracts import states as contract_states
from governance.core.audit import system_user
from governance.incidents import linked
from governance.incidents.models import Incident, IncidentLink
from governance.incidents.records import report_incident
from tests.factories import UserFactory, contract_manager, make_asset, make_contract, make_grant

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2] / "governance"

# Demo data is built before anyone could verify a fresh second factor (governance/seeding/demo).
TRUSTED_BUILDERS = ("governance.seeding",)
DJANGO_NAMES = {"_meta", "_default_manager", "_base_manager"}  # a model's documented API, not a domain's


def test_the_raw_moves_are_not_public():
    for module, names in (
        (grant_service, ("suspend", "restore")),
        (contract_states, ("apply_transition", "record_status")),
    ):
        for name in names:
            assert not hasattr(module, name), f"{module.__name__}.{name} writes without checking and is public"


def _domain(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _module_name(path: pathlib.Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return ".".join(parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in DJANGO_NAMES


def cross_domain_private_uses() -> list[str]:
    """Every ``from governance.X... import _name`` and ``alias._name`` whose module is in another domain."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        me = _module_name(path)
        if me.startswith(TRUSTED_BUILDERS):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("governance."):
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    aliases[alias.asname or alias.name] = target
                    if _private(alias.name) and _domain(node.module) != _domain(me):
                        found.append(f"{me} imports {target}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("governance."):
                        aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name):
                target = aliases.get(node.value.id)
                if target and _domain(target) != _domain(me):
                    found.append(f"{me} uses {target}.{node.attr}")
    return found


def test_no_domain_reaches_into_another_domains_internals():
    assert cross_domain_private_uses() == []


def test_the_scan_sees_a_reach_into_another_domain(tmp_path, monkeypatch):
    """The scan above finds what it looks for (so an empty answer means something)."""
    package = tmp_path / "governance"
    (package / "incidents").mkdir(parents=True)
    (package / "incidents" / "bad.py").write_text(
        "from governance.access.grants import _suspend\n"
        "from governance.contracts import states\n"
        "states._apply_transition(None, None)\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", package)
    assert cross_domain_private_uses() == [
        "governance.incidents.bad imports governance.access.grants._suspend",
        "governance.incidents.bad uses governance.contracts.states._apply_transition",
    ]


# --- incidents: the reporter names only what they may see ---------------------------------


def _report(by, **links) -> Incident:
    return report_incident(
        by=by,
        title="Extract sent to the wrong team",
        description="Sent to the wrong list.",
        kind=Incident.Kind.WRONG_RECIPIENT,
        found_at=timezone.now(),
        personal_data=False,
        **links,
    )


def test_a_reporter_cannot_name_a_grant_they_may_not_see(area, other_area, staff):
    stranger = UserFactory(username="stranger", business_area=other_area)
    hidden = make_grant(stranger, make_asset(manager=UserFactory(username="otheriam2"), business_area=other_area))
    with pytest.raises(PermissionDenied):
        _report(staff, grants=[hidden])
    assert not IncidentLink.objects.filter(grant=hidden).exists()
    own = make_grant(staff, make_asset(manager=UserFactory(username="iam3"), business_area=area))
    incident = _report(staff, grants=[own])
    assert IncidentLink.objects.filter(incident=incident, grant=own).exists()


def test_a_reporter_cannot_name_a_contract_they_may_not_see(staff):
    contract = make_contract()
    with pytest.raises(PermissionDenied):
        _report(staff, contracts=[contract])
    assert not IncidentLink.objects.filter(contract=contract).exists()
    assert _report(contract.manager, contracts=[contract]).links.filter(contract=contract).exists()


# --- the leaver's rights go only for a leaver ----------------------------------------------


def test_a_leavers_grants_and_contracts_go_only_when_they_have_left(staff, asset):
    grant = make_grant(staff, asset)
    contract = make_contract(manager=contract_manager(username="manager2"))
    with pytest.raises(PermissionDenied):
        grant_service.suspend_for_leaver(staff)
    with pytest.raises(PermissionDenied):
        contract_records.release_contracts_of(contract.manager)
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE


def test_a_lifted_suspension_reaches_the_log_only_from_those_who_act_on_it(staff, asset, incident_reporter):
    grant = make_grant(staff, asset)
    with pytest.raises(PermissionDenied):
        linked.record_lifted_suspension(grant, by=incident_reporter, reason="contained", restored=True)
    assert linked.record_lifted_suspension(grant, by=system_user(), reason="contained", restored=True) is None


@pytest.fixture
def incident_reporter(area):
    return UserFactory(username="rae", business_area=area)
