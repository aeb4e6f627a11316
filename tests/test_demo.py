"""The first-run demo data and the development-only one-time-code helper."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from governance.core.models import BusinessArea, OfficeHolder, User
from governance.seeding.demo.load import PEOPLE


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_demo_creates_one_person_per_role_and_can_run_again(db, settings):
    settings.DEBUG = True
    output = run("load_demo")
    for person in PEOPLE:
        assert person.username in output
    counts = (User.objects.count(), BusinessArea.objects.count(), OfficeHolder.objects.count())
    run("load_demo")
    assert (User.objects.count(), BusinessArea.objects.count(), OfficeHolder.objects.count()) == counts
    assert OfficeHolder.objects.get(office=OfficeHolder.Office.SIRO).holder.username == "simon.siro"
    assert BusinessArea.objects.get(code="das").deputy_siro.username == "deepa.deputy"
    roles_shown = {p.role for p in PEOPLE}
    for role in (
        "Staff",
        "Data handler",
        "Deputy SIRO",
        "SIRO",
        "Research contract manager",
        "Auditor",
        "Administrator",
    ):
        assert role in roles_shown


def test_demo_otp_prints_current_codes(db, settings):
    settings.DEBUG = True
    run("load_demo")
    output = run("demo_otp", "sam.staff")
    username, code = output.strip().split(": ")
    assert username == "sam.staff"
    assert len(code) == 6 and code.isdigit()


def test_demo_commands_refuse_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("demo_otp")
    with pytest.raises(CommandError, match="development only"):
        run("load_demo")


def test_the_demo_has_a_researcher_with_a_cleared_output_and_one_waiting(db, settings):
    from governance.outputs.models import OutputSubmission

    settings.DEBUG = True
    output = run("load_demo")
    assert "rosa.researcher" in output and "Researcher" in output
    researcher = User.objects.get(username="rosa.researcher")
    assert researcher.is_external and researcher.check_password("custodian-demo-2026")
    states = set(
        OutputSubmission.objects.filter(contract__reference="DWP-RES-2025-007").values_list("state", flat=True)
    )
    assert len(states) == 2  # one cleared, one waiting for disclosure control with its findings
    run("load_demo")
    assert User.objects.filter(username="rosa.researcher").count() == 1
