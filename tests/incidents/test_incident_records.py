"""Reporting, deciding and closing incidents, and the linked actions through the access and contracts services."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from governance.access.models import AccessGrant, AccessReview, StatusChange
from governance.access.policy import active_grant
from governance.contracts.records import add_asset
from governance.core.models import AuditEntry
from governance.incidents import linked, records
from governance.incidents.models import Incident, IncidentAction, IncidentLink
from governance.register.models import InformationAsset
from tests.factories import DataItemFactory, UserFactory, make_contract, make_grant
from tests.incidents.conftest import report, triage

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk))


def test_the_iam_and_deputy_are_told_at_once(reporter, asset, iam, deputy_siro, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(reporter, assets=[asset])
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([iam.email, deputy_siro.email])
    assert all(incident.reference in message.subject for message in mail.outbox)


def test_grants_items_and_contracts_bring_their_assets(reporter, asset, other_asset):
    item = DataItemFactory(asset=asset, name="nino")
    grant = make_grant(reporter, other_asset)  # a reporter names only grants they may see: here their own
    incident = report(reporter, data_items=[item], grants=[grant])
    assets = set(IncidentLink.objects.filter(incident=incident, asset__isnull=False).values_list("asset", flat=True))
    assert assets == {asset.pk, other_asset.pk}
    assert incident.business_area == asset.business_area  # filed under the first asset by name


def test_special_category_without_personal_data_is_refused(reporter, asset):
    with pytest.raises(ValidationError) as refused:
        report(reporter, assets=[asset], personal_data=False, special_category=True)
    assert "special_category" in refused.value.error_dict


def test_a_risky_breach_cannot_be_kept_from_the_ico(incident, deputy_siro):
    triage(incident, deputy_siro, risk_level=Incident.Risk.RISK)
    with pytest.raises(ValidationError) as refused:
        records.decide_ico(incident, by=deputy_siro, decision="not_report", reason="Embarrassing")
    assert "decision" in refused.value.error_dict


def test_an_unlikely_risk_may_go_unreported_with_its_reason(incident, deputy_siro):
    triage(incident, deputy_siro, risk_level=Incident.Risk.UNLIKELY)
    records.decide_ico(incident, by=deputy_siro, decision="not_report", reason="Recalled unopened")
    incident.refresh_from_db()
    assert incident.ico_decision == "not_report" and incident.ico_decided_by == deputy_siro
    with pytest.raises(ValidationError):
        records.decide_ico(incident, by=deputy_siro, decision="report", reason="Second thoughts")


def test_the_decision_needs_triage_first(incident, deputy_siro):
    with pytest.raises(ValidationError):
        records.decide_ico(incident, by=deputy_siro, decision="report", reason="Risk")


def test_closing_needs_decisions_lessons_and_every_action_settled(incident, deputy_siro, iam):
    triage(incident, deputy_siro)
    action = records.add_action(incident, by=deputy_siro, description="Recall the email", owner=iam)
    with pytest.raises(ValidationError) as refused:
        records.close(incident, by=deputy_siro, lessons="Check distribution lists")
    text = " ".join(refused.value.messages)
    assert "ICO" in text and "people affected" in text and "Recall the email" in text
    records.decide_ico(incident, by=deputy_siro, decision="report", reason="Risk to claimants", reference="IC-1")
    records.decide_subjects(incident, by=deputy_siro, decision="tell", reason="High risk of fraud")
    with pytest.raises(ValidationError):
        records.update_action(action, by=iam, state="done", outcome="")
    records.update_action(action, by=iam, state="done", outcome="Recalled; recipients confirmed deletion")
    with pytest.raises(ValidationError) as refused:
        records.close(incident, by=deputy_siro, lessons="  ")
    assert "lessons" in refused.value.error_dict
    records.close(incident, by=deputy_siro, lessons="Check distribution lists before sending extracts")
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED and incident.closed_by == deputy_siro
    with pytest.raises(PermissionDenied):  # closed: nothing more changes
        records.add_action(incident, by=deputy_siro, description="More", owner=iam)


def test_every_change_is_audited_with_the_incident_as_reason(incident, deputy_siro):
    triage(incident, deputy_siro)
    entry = entries_for(incident).order_by("-pk").first()
    assert incident.reference in entry.reason and "triaged" in entry.reason
    link = IncidentLink.objects.filter(incident=incident).first()
    assert incident.reference in entries_for(link).get().reason


def test_suspending_the_grant_removes_access_and_names_the_incident(incident, deputy_siro, asset):
    holder = UserFactory()
    grant = make_grant(holder, asset)
    assert active_grant(holder, asset) is not None
    action = linked.suspend_grant(incident, grant, by=deputy_siro, reason="Contain the breach")
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.SUSPENDED and grant.suspension == AccessGrant.Suspension.INCIDENT
    asset = InformationAsset.objects.get(pk=asset.pk)  # as the next request reads it (grants are kept per instance)
    assert active_grant(holder, asset) is None
    change = StatusChange.objects.filter(grant=grant).latest("pk")
    assert incident.reference in change.reason
    assert incident.reference in entries_for(grant).latest("pk").reason
    assert action.kind == IncidentAction.Kind.SUSPEND_GRANT and action.state == IncidentAction.State.DONE
    with pytest.raises(ValidationError):  # already suspended
        linked.suspend_grant(incident, grant, by=deputy_siro, reason="Contain the breach")


def test_a_grant_the_incident_does_not_involve_is_refused(incident, deputy_siro, other_asset):
    grant = make_grant(UserFactory(), other_asset)
    with pytest.raises(ValidationError):
        linked.suspend_grant(incident, grant, by=deputy_siro, reason="Contain the breach")
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE


def test_the_reporter_cannot_suspend_grants(incident, reporter, asset):
    grant = make_grant(UserFactory(), asset)
    with pytest.raises(PermissionDenied):
        linked.suspend_grant(incident, grant, by=reporter, reason="Contain the breach")


def test_early_review_asks_the_iam_about_every_grant_on_the_asset(incident, handler, asset, iam):
    grants = [make_grant(UserFactory(), asset), make_grant(UserFactory(), asset)]
    action = linked.review_asset_early(incident, asset, by=handler)
    reviews = AccessReview.objects.filter(grant__in=grants, decision="")
    assert reviews.count() == 2
    campaign = reviews.first().campaign
    assert action.owner == iam and action.due_on == campaign.deadline and action.state == "open"
    assert incident.reference in entries_for(reviews.first()).get().reason


def test_flagging_the_contract_tells_its_manager(incident, handler, asset, django_capture_on_commit_callbacks):
    contract = make_contract()
    add_asset(contract, asset, by=contract.manager)
    flagged = report(asset.manager, contracts=[contract])  # the asset's IAM reads the contract providing it
    with django_capture_on_commit_callbacks(execute=True):
        action = linked.flag_contract(flagged, contract, by=handler)
    contract.refresh_from_db()
    assert contract.review_flagged_at is not None and flagged.reference in contract.review_flag_reason
    assert any(contract.manager.email in m.to and "flagged for review" in m.subject for m in mail.outbox)
    assert action.owner == contract.manager
    assert flagged.reference in entries_for(contract).latest("pk").reason
