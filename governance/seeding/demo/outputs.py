"""Demo safe outputs: a researcher on the Universal Credit work coach evaluation, with one table
cleared and one model waiting for disclosure control with its findings (6 residual degrees of
freedom), so the researcher's page, the checkers' queue and the contract's outputs all show
something. Safe to run again."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.contracts.models import ResearchContract
from governance.core.models import User
from governance.outputs.models import OutputDecision, Researcher
from governance.outputs.researchers import invite_researcher
from governance.outputs.submissions import decide, submit_output

CONTRACT = "DWP-RES-2025-007"
USERNAME = "rosa.researcher"
CHECKER = "olu.disclosure"

TABLE = b"region,count\nNorth East,140\nNorth West,310\nYorkshire,265\nLondon,420\n"
MODEL = b"term,estimate,standard_error\nintercept,0.42,0.11\nweekly_appointments,0.08,0.03\nage,-0.01,0.004\n"


def load_outputs(password: str) -> None:
    """Invite the researcher through the service (as the contract's manager) and submit their outputs."""
    if Researcher.objects.filter(user__username=USERNAME).exists():
        return
    contract = ResearchContract.objects.get(reference=CONTRACT)
    researcher = invite_researcher(
        contract, by=contract.manager, first_name="Rosa", last_name="Lind", email="r.lind@northshire.example.ac.uk"
    )
    user = researcher.user
    user.username = USERNAME
    user.set_password(password)
    user.save()
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    cleared = submit_output(
        by=user,
        kind="table",
        title="Claimants into work by region",
        description="Universal Credit claimants in sustained work six months after more frequent appointments.",
        publication="The evaluation's final report",
        upload=SimpleUploadedFile("into_work_by_region.csv", TABLE),
    )
    decide(
        cleared,
        by=User.objects.get(username=CHECKER),
        outcome=OutputDecision.Outcome.CLEARED,
        reason="Every cell counts well above the threshold; no findings.",
    )
    submit_output(
        by=user,
        kind="model",
        title="Effect of weekly appointments, small pilot",
        description="A linear probability model of sustained work on weekly appointments, for the pilot office.",
        publication="An annex to the final report",
        upload=SimpleUploadedFile("pilot_model.csv", MODEL),
        residual_df=6,
        observations=9,
    )
