"""Coverage is proven, not assumed: every model of the project, created, changed and deleted,
leaves exactly one audit entry each time, naming the actor. A new model must be added here."""

from __future__ import annotations

import datetime

import pytest
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from governance.core.audit import acting_as
from governance.core.models import AuditEntry
from tests.factories import (
    BusinessAreaFactory,
    DataItemFactory,
    ExternalOrganisationFactory,
    InformationAssetFactory,
    LegalGatewayFactory,
    ProcessingActivityFactory,
    ResearchContractFactory,
    SharingAgreementFactory,
    UserFactory,
    make_contract,
    make_course,
    make_grant,
)

TODAY = datetime.date.today()
APPEND_ONLY = "append-only evidence: created, never changed or deleted"


def _grant():
    asset = InformationAssetFactory()
    DataItemFactory(asset=asset, sensitivity="non_personal")
    from governance.core.audit import system_user
    from governance.register.assets import reassign_iam

    reassign_iam(asset, UserFactory(), by=system_user())
    return make_grant(UserFactory(), asset)


def _perm(model):
    return Permission.objects.get(content_type=ContentType.objects.get_for_model(model), codename__startswith="change_")


# model name -> (build an unsaved instance, field to change and its new value, or None for append-only)
def builders():
    from governance import models as m

    course = lambda: make_course(title=f"Course {timezone.now().timestamp()}")  # noqa: E731
    return {
        "BusinessArea": (lambda: m.BusinessArea(name="Coverage area", code="cov"), ("name", "Renamed")),
        "User": (lambda: m.User(username="covered", staff_number="C1"), ("first_name", "Cora")),
        "OfficeHolder": (
            lambda: m.OfficeHolder(office="cdio", holder=UserFactory()),
            ("since", TODAY - datetime.timedelta(days=7)),
        ),
        "InformationAsset": (
            lambda: InformationAssetFactory.build(business_area=BusinessAreaFactory()),
            ("storage_location", "Room 9"),
        ),
        "DataItem": (lambda: DataItemFactory.build(asset=InformationAssetFactory()), ("description", "Changed")),
        "AssetReview": (
            lambda: m.AssetReview(
                asset=InformationAssetFactory(),
                reviewed_by=UserFactory(),
                next_review_date=TODAY + datetime.timedelta(days=9),
            ),
            ("notes", "n"),
        ),
        "Course": (
            lambda: m.Course(
                title="Covered course", audience="all_staff", renewal_months=12, content_url="https://x.example"
            ),
            ("renewal_months", 24),
        ),
        "CourseVersion": (
            lambda: m.CourseVersion(course=course(), number=9, declaration_text="x", published_by=UserFactory()),
            ("changes_summary", "typo"),
        ),
        "TrainingSignOff": (
            lambda: m.TrainingSignOff(
                user=UserFactory(), course=(c := course()), version=c.versions.first(), declaration_digest="0" * 64
            ),
            None,
        ),
        "TrainingStatus": (None, None),  # derived: exercised below through signing
        "Notification": (
            lambda: m.Notification(to_email="a@example.gov.uk", subject="s", body="b", dedupe_key="coverage"),
            ("last_error", "smtp down"),
        ),
        "SecurityEvent": (lambda: m.SecurityEvent(kind="login", user=UserFactory()), None),
        "ComplianceSnapshot": (
            lambda: m.ComplianceSnapshot(taken_on=TODAY, figures={"organisation": {}}),
            ("figures", {"organisation": {"overdue_reviews": 1}}),
        ),
        "BusinessAreaUserObjectPermission": (
            lambda: m.BusinessAreaUserObjectPermission(
                user=UserFactory(), content_object=BusinessAreaFactory(), permission=_perm(m.BusinessArea)
            ),
            None,
        ),
        "BusinessAreaGroupObjectPermission": (
            lambda: m.BusinessAreaGroupObjectPermission(
                group=Group.objects.create(name="g1"),
                content_object=BusinessAreaFactory(),
                permission=_perm(m.BusinessArea),
            ),
            None,
        ),
        "InformationAssetUserObjectPermission": (
            lambda: m.InformationAssetUserObjectPermission(
                user=UserFactory(), content_object=InformationAssetFactory(), permission=_perm(m.InformationAsset)
            ),
            None,
        ),
        "InformationAssetGroupObjectPermission": (
            lambda: m.InformationAssetGroupObjectPermission(
                group=Group.objects.create(name="g2"),
                content_object=InformationAssetFactory(),
                permission=_perm(m.InformationAsset),
            ),
            None,
        ),
        "AccessRequest": (
            lambda: m.AccessRequest(
                requester=UserFactory(),
                asset=InformationAssetFactory(),
                purpose="p",
                business_case="b",
                requested_end_date=TODAY,
            ),
            ("purpose", "Changed purpose"),
        ),
        "AccessRequestItem": (
            lambda: m.AccessRequestItem(request=_grant().request, data_item=DataItemFactory(), justification="j"),
            ("justification", "Better reason"),
        ),
        "AccessGrant": (None, None),  # created only by approval: exercised below
        "StatusChange": (lambda: m.StatusChange(request=_grant().request, to_state="approved", by=UserFactory()), None),
        "ReviewCampaign": (
            lambda: m.ReviewCampaign(period_start=TODAY, deadline=TODAY + datetime.timedelta(days=5)),
            ("deadline", TODAY + datetime.timedelta(days=9)),
        ),
        "AccessReview": (
            lambda: m.AccessReview(
                campaign=m.ReviewCampaign.objects.create(
                    period_start=TODAY - datetime.timedelta(days=400), deadline=TODAY
                ),
                grant=_grant(),
            ),
            ("reason", "ok"),
        ),
        "RecertificationCampaign": (
            lambda: m.RecertificationCampaign(
                review_campaign=m.ReviewCampaign.objects.create(
                    period_start=TODAY - datetime.timedelta(days=500), deadline=TODAY
                ),
                iam=UserFactory(),
            ),
            ("reminded_at", timezone.now()),
        ),
        "AccessEvent": (
            lambda: m.AccessEvent(
                user=UserFactory(),
                kind="viewed",
                content_type=ContentType.objects.get_for_model(m.User),
                object_pk="1",
                object_repr="x",
            ),
            None,
        ),
        "AssetExtract": (lambda: _extract(m), ("original_name", "renamed.csv")),
        "AuditCheckpoint": (
            lambda: m.AuditCheckpoint(
                pruned_before=timezone.now(),
                last_chain_index=1,
                last_digest="0" * 64,
                entries_pruned=1,
                by=UserFactory(),
            ),
            None,
        ),
        "AuditVerification": (lambda: m.AuditVerification(entries_checked=1, ok=True), None),
        # Research contracts
        "LegalGateway": (
            lambda: m.LegalGateway(name="Coverage gateway", legislation="Act s.1"),
            ("description", "When it applies"),
        ),
        "ExternalOrganisation": (
            lambda: m.ExternalOrganisation(name="Coverage University", kind="university"),
            ("notes", "Changed"),
        ),
        "ProcessingActivity": (
            lambda: ProcessingActivityFactory.build(business_area=BusinessAreaFactory(), owner=UserFactory()),
            ("purposes", "Changed purposes"),
        ),
        "SharingAgreement": (
            lambda: SharingAgreementFactory.build(
                organisation=ExternalOrganisationFactory(),
                business_area=BusinessAreaFactory(),
                manager=UserFactory(),
                legal_gateway=LegalGatewayFactory(),
            ),
            ("security_conditions", "Changed conditions"),
        ),
        "DPIA": (
            lambda: m.DPIA(
                title="Covered DPIA",
                processing_activity=ProcessingActivityFactory(business_area=(a := BusinessAreaFactory())),
                business_area=a,
            ),
            ("description", "Changed description"),
        ),
        "DPIARisk": (
            lambda: m.DPIARisk(
                dpia=m.DPIA.objects.create(
                    title="Risky",
                    processing_activity=ProcessingActivityFactory(business_area=(a := BusinessAreaFactory())),
                    business_area=a,
                ),
                description="Disclosure",
                likelihood="possible",
                severity="severe",
                measures="Rounding",
                residual_risk="low",
            ),
            ("measures", "Changed measures"),
        ),
        "ResearchContract": (
            lambda: ResearchContractFactory.build(
                organisation=ExternalOrganisationFactory(), manager=UserFactory(), legal_gateway=LegalGatewayFactory()
            ),
            ("contact_phone", "0100 000 000"),
        ),
        "ContractDocument": (lambda: _document(m), ("original_name", "renamed.pdf")),
        "AssuranceCheck": (
            lambda: m.AssuranceCheck(contract=_contract_without_checks(), kind="sara"),
            ("notes", "Conditions agreed"),
        ),
        "ContractAsset": (
            lambda: m.ContractAsset(contract=_contract(), asset=InformationAssetFactory()),
            ("review_notes", "Seen"),
        ),
        "ContractDataItem": (
            lambda: m.ContractDataItem(
                contract_asset=m.ContractAsset.objects.create(contract=_contract(), asset=InformationAssetFactory()),
                name="nino",
                sensitivity="identifier",
                justification="Needed",
            ),
            ("justification", "Better reason"),
        ),
        "ReidentificationAssessment": (
            lambda: m.ReidentificationAssessment(
                contract=_contract(),
                level="low",
                mitigations="Pseudonymised",
                assessor=UserFactory(),
                assessed_on=TODAY,
            ),
            ("mitigations", "Also aggregated"),
        ),
        "DestructionCertificate": (
            lambda: m.DestructionCertificate(
                contract=_contract(),
                destroyed_on=TODAY,
                certified_by="Contractor's DPO",
                document=_document(m, save=True),
                recorded_by=UserFactory(),
            ),
            None,
        ),
        "ContractStatusChange": (
            lambda: m.ContractStatusChange(
                contract=_contract(), from_status="draft", to_status="under_assurance", by=UserFactory()
            ),
            None,
        ),
        "RetentionDateChange": (lambda: _date_change(m), None),
        "RetentionExtension": (lambda: _extension(m), ("reason", "A longer follow-up")),
        "ExtensionDecision": (
            lambda: m.ExtensionDecision(extension=_extension(m, save=True), decided_by=UserFactory(), approved=True),
            None,
        ),
        "CalendarFeedToken": (lambda: m.CalendarFeedToken(user=UserFactory(), token_hash="f" * 64), None),
        "ApiToken": (
            lambda: m.ApiToken(
                user=UserFactory(),
                description="Feed",
                key=f"{int(timezone.now().timestamp() * 1e6) % 10**12:012d}",
                token_hash="e" * 64,
                expires_at=timezone.now() + datetime.timedelta(days=9),
            ),
            ("description", "Renamed feed"),
        ),
        "ResearchContractUserObjectPermission": (
            lambda: m.ResearchContractUserObjectPermission(
                user=UserFactory(), content_object=_contract(), permission=_perm(m.ResearchContract)
            ),
            None,
        ),
        "ResearchContractGroupObjectPermission": (
            lambda: m.ResearchContractGroupObjectPermission(
                group=Group.objects.create(name="g3"),
                content_object=_contract(),
                permission=_perm(m.ResearchContract),
            ),
            None,
        ),
        # Statistical releases
        "DisclosureRuleSet": (
            lambda: m.DisclosureRuleSet(version=99, parameters={}, digest="0" * 64, created_by=UserFactory()),
            None,
        ),
        "StatisticalRelease": (lambda: _release(m, save=False), ("title", "Renamed release")),
        "ReleaseSource": (
            lambda: m.ReleaseSource(release=_release(m), asset=InformationAssetFactory(), extract_type="full"),
            ("extract_type", "sample"),
        ),
        "OutputTable": (lambda: _output_table(m), ("title", "Renamed table")),
        "ReleaseSignOff": (lambda: _sign_off(m), ("voided_reason", "A table changed")),
        # Information security incidents
        "Incident": (lambda: _incident(m, save=False), ("severity", "high")),
        "IncidentLink": (
            lambda: m.IncidentLink(incident=_incident(m), asset=InformationAssetFactory(), added_by=UserFactory()),
            ("added_at", timezone.now() - datetime.timedelta(hours=1)),
        ),
        "IncidentAction": (
            lambda: m.IncidentAction(
                incident=_incident(m), description="Recall the email", owner=UserFactory(), created_by=UserFactory()
            ),
            ("outcome", "Recalled"),
        ),
        # Safe outputs
        "Researcher": (
            lambda: m.Researcher(user=UserFactory(is_external=True), contract=_contract(), invited_by=UserFactory()),
            ("ended_reason", "The contract ended"),
        ),
        "OutputSubmission": (lambda: _output(m, save=False), ("title", "Renamed table")),
        "OutputVersion": (lambda: _output_version(m, save=False), ("residual_df", 12)),
        "OutputDecision": (
            lambda: m.OutputDecision(
                submission=(version := _output_version(m)).submission,
                version=version,
                outcome="cleared",
                reason="Safe",
                by=UserFactory(),
            ),
            None,  # append-only: a decision is written once
        ),
        "SecurityKeyRequirement": (lambda: m.SecurityKeyRequirement(role="iam"), ("reason", "Holds personal data")),
        "IdentityProviderDevice": (
            lambda: m.IdentityProviderDevice(user=UserFactory(), name="identity provider"),
            ("name", "provider"),
        ),
        "ProviderSession": (
            lambda: m.ProviderSession(user=UserFactory(), issuer="https://idp", subject="s", session_key="k" * 32),
            ("sid", "another"),
        ),
        "LogoutTokenUse": (lambda: m.LogoutTokenUse(issuer="https://idp", jti="j1"), ("jti", "j2")),
        "ProvisionedGroup": (
            lambda: m.ProvisionedGroup(group=Group.objects.create(name="Provided"), external_id="g-1"),
            ("external_id", "g-2"),
        ),
        "InformationRisk": (
            lambda: m.InformationRisk(
                asset=InformationAssetFactory(),
                description="Shared drive copy",
                likelihood=2,
                impact=3,
                owner=UserFactory(),
                treatment="Scan shares",
                target_date=TODAY,
                review_date=TODAY,
            ),
            ("status", "closed"),
        ),
        "AssuranceRound": (lambda: _assurance_round(m), ("due_date", TODAY + datetime.timedelta(days=40))),
        "AssuranceReturn": (
            lambda: m.AssuranceReturn(round=_assurance_round(m, save=True), iam=UserFactory(), facts={}),
            ("comments", "Draft comment"),
        ),
        "SiroReportApproval": (  # append-only: a signed report is written once
            lambda: m.SiroReportApproval(
                round=_assurance_round(m, save=True),
                narrative="The year's assurance",
                figures={},
                marking="OFFICIAL-SENSITIVE",
                signed_by=UserFactory(),
                digest="0" * 64,
            ),
            None,
        ),
    }


def _assurance_round(m, save=False):
    round_ = m.AssuranceRound(
        period=f"Coverage {timezone.now().timestamp()}",
        period_start=TODAY - datetime.timedelta(days=365),
        period_end=TODAY,
        due_date=TODAY + datetime.timedelta(days=30),
        opened_by=UserFactory(),
    )
    if save:
        round_.save()
    return round_


def _incident(m, save: bool = True):
    incident = m.Incident(
        title="Coverage incident",
        description="Sent to the wrong team",
        kind="wrong_recipient",
        reported_by=UserFactory(),
        found_at=timezone.now() - datetime.timedelta(hours=2),
    )
    if save:
        incident.save()
    return incident


def _release(m, save: bool = True):
    release = m.StatisticalRelease(title="Coverage release", planned_release_date=TODAY, author=UserFactory())
    if save:
        release.save()
    return release


def _output_table(m):
    release = _release(m)
    source = m.ReleaseSource.objects.create(release=release, asset=InformationAssetFactory(), extract_type="full")
    return m.OutputTable(
        release=release,
        source=source,
        title="Coverage table",
        original_name="t.csv",
        data={},
        uploaded_by=UserFactory(),
    )


def _sign_off(m):
    release = _release(m)
    rules = m.DisclosureRuleSet.objects.create(version=98, parameters={}, digest="0" * 64, created_by=UserFactory())
    return m.ReleaseSignOff(
        release=release,
        release_author=release.author,
        signed_by=UserFactory(),
        signed_as="Chief Statistician",
        rules=rules,
        fingerprint="0" * 64,
    )


def _contract():
    import uuid

    return make_contract(reference=f"COV-{uuid.uuid4().hex[:8]}")


def _output(m, *, save=True):
    output = m.OutputSubmission(
        contract=_contract(), submitted_by=UserFactory(), kind="table", title="T", description="D", publication="P"
    )
    if save:
        output.save()
    return output


def _output_version(m, *, save=True):
    version = m.OutputVersion(
        submission=_output(m),
        number=1,
        original_name="t.csv",
        content_type="text/csv",
        size=10,
        sha256="0" * 64,
        uploaded_by=UserFactory(),
    )
    if save:
        version.save()
    return version


def _contract_without_checks():
    contract = _contract()
    for check in contract.assurance_checks.all():
        check.delete()
    return contract


def _document(m, save=False):
    document = m.ContractDocument(
        contract=_contract(),
        kind="evidence",
        original_name="e.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by=UserFactory(),
    )
    document.file.save(f"coverage-{timezone.now().timestamp()}.pdf", ContentFile(b"%PDF"), save=False)
    if save:
        document.save()
    return document


def _certificate(m):
    document = _document(m, save=True)
    return m.DestructionCertificate(
        contract=document.contract,
        destroyed_on=TODAY,
        certified_by="Contractor's DPO",
        document=document,
        recorded_by=UserFactory(),
    )


def _date_change(m):
    contract = _contract()
    return m.RetentionDateChange(
        contract=contract,
        retention_end_date=contract.retention_end_date,
        destruction_due_date=contract.destruction_due_date,
        changed_by=UserFactory(),
        reason="Recorded",
    )


def _extension(m, save=False):
    contract = _contract()
    extension = m.RetentionExtension(
        contract=contract,
        current_retention_end_date=contract.retention_end_date,
        current_destruction_due_date=contract.destruction_due_date,
        new_retention_end_date=contract.retention_end_date + datetime.timedelta(days=90),
        new_destruction_due_date=contract.destruction_due_date + datetime.timedelta(days=90),
        reason="Follow-up survey",
        requested_by=UserFactory(),
    )
    if save:
        extension.save()
    return extension


def _extract(m):
    extract = m.AssetExtract(
        asset=InformationAssetFactory(), original_name="x.csv", sha256="0" * 64, uploaded_by=UserFactory()
    )
    extract.file.save("coverage.csv", ContentFile(b"a\n1\n"), save=False)
    return extract


NOT_AUDITED = {"AuditEntry": "the audit trail itself, protected by its hash chain"}


def project_models():
    return sorted(m.__name__ for m in apps.get_app_config("governance").get_models())


def test_every_project_model_is_audited_and_listed_here():
    registered = {m.__name__ for m in auditlog.get_models()}
    for name in project_models():
        if name in NOT_AUDITED:
            continue
        assert name in registered, f"{name} is not registered with the audit trail"
    missing = set(project_models()) - set(builders()) - set(NOT_AUDITED)
    assert not missing, f"Add these models to builders() in {__file__}: {sorted(missing)}"


def entries_for(obj, action):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk), action=action
    )


@pytest.mark.parametrize("name", sorted(set(project_models()) - set(NOT_AUDITED)))
def test_create_change_delete_each_leave_exactly_one_entry_with_the_actor(db, name):
    build, change = builders()[name]
    if build is None:
        pytest.skip(f"{name} is written only by a service; covered by the service tests below")
    actor = UserFactory(username="the.actor")
    instance = build()
    with acting_as(actor):
        instance.save()
    created = entries_for(instance, AuditEntry.Action.CREATE)
    assert created.count() == 1 and created.get().actor == actor
    if change is None:
        return  # append-only evidence
    field, value = change
    with acting_as(actor):
        setattr(instance, field, value)
        instance.save()
    updated = entries_for(instance, AuditEntry.Action.UPDATE)
    assert updated.count() == 1 and updated.get().actor == actor and field in updated.get().changes
    pk = instance.pk
    with acting_as(actor):
        instance.delete()
    deleted = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_pk=str(pk),
        action=AuditEntry.Action.DELETE,
    )
    assert deleted.count() == 1 and deleted.get().actor == actor


def test_service_written_models_leave_one_entry_each_with_the_actor(db):
    """Grants and training statuses exist only through services: each write is one entry, by the actor."""
    from governance.access.grants import revoke
    from governance.access.models import AccessGrant
    from governance.training.models import TrainingStatus
    from tests.factories import make_signoff

    actor = UserFactory(username="decider")
    grant = _grant()
    assert entries_for(grant, AuditEntry.Action.CREATE).count() == 1
    with acting_as(grant.asset.manager):
        revoke(grant, by=grant.asset.manager, reason="coverage")
    update = entries_for(grant, AuditEntry.Action.UPDATE).filter(changes__has_key="state")
    assert update.count() == 1 and update.get().actor == grant.asset.manager and update.get().reason == "coverage"
    person = UserFactory()
    with acting_as(actor):
        make_signoff(person)
    status = TrainingStatus.objects.get(user=person)
    assert entries_for(status, AuditEntry.Action.CREATE).get().actor == actor
    assert AccessGrant.objects.filter(pk=grant.pk, state="revoked").exists()


def test_many_to_many_changes_are_recorded(db):
    actor = UserFactory(username="m2m.actor")
    grant = _grant()
    extra = DataItemFactory(asset=grant.asset, name="extra_item")
    with acting_as(actor):
        grant.items.add(extra)
        grant.items.remove(extra)
    rows = list(
        entries_for(grant, AuditEntry.Action.UPDATE).filter(changes__has_key="items", actor=actor).order_by("pk")
    )
    assert [(r.changes["items"]["operation"], r.changes["items"]["objects"], r.actor) for r in rows] == [
        ("add", ["extra_item"], actor),
        ("delete", ["extra_item"], actor),
    ]


# --- deleting referenced rows ------------------------------------------------------------------
# A SET_NULL (or SET_DEFAULT, SET(), DO_NOTHING) foreign key is changed by one UPDATE that sends no
# signal: the referencing row changes with no audit entry, and on the append-only evidence tables the
# guard refuses the delete (PostgreSQL) or the evidence is rewritten (SQLite).


def test_no_foreign_key_is_emptied_behind_the_audit_trails_back():
    from django.db import models as dj

    allowed = {dj.CASCADE, dj.PROTECT, dj.RESTRICT}
    # The trail's area is a plain number kept without a constraint: it outlives the area it names.
    by_design = {"AuditEntry.business_area"}
    silent = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("governance").get_models()
        for field in model._meta.get_fields()
        if field.many_to_one and field.concrete and field.remote_field.on_delete not in allowed
    ]
    silent = sorted(set(silent) - by_design)
    assert not silent, f"These foreign keys change rows without an audit entry when their target goes: {silent}"


def test_deleting_a_data_item_a_contract_names_is_refused_and_the_contract_is_unchanged(db):
    from django.core.exceptions import ValidationError

    from governance import models as m
    from governance.core.audit import system_user
    from governance.register.assets import delete_data_item

    item = DataItemFactory(name="nino", sensitivity="identifier")
    contract_asset = m.ContractAsset.objects.create(contract=_contract(), asset=item.asset)
    provided = m.ContractDataItem.objects.create(
        contract_asset=contract_asset, data_item=item, name="nino", sensitivity="identifier", justification="Needed"
    )
    with pytest.raises(ValidationError, match="cannot be removed"):
        delete_data_item(item, by=system_user())
    provided.refresh_from_db()
    assert provided.data_item_id == item.pk
    assert m.DataItem.objects.filter(pk=item.pk).exists()


def test_a_person_with_sign_in_history_cannot_be_deleted_and_the_history_keeps_their_name(db):
    from django.core.exceptions import ValidationError

    from governance import models as m
    from governance.core.audit import system_user
    from governance.register.people import delete_person

    person = UserFactory()
    event = m.SecurityEvent.objects.create(kind="login", user=person)
    with acting_as(person):
        m.BusinessArea.objects.create(name="Acted on", code="act")
    acted = AuditEntry.objects.filter(actor=person).get()
    with pytest.raises(ValidationError, match="Mark them as a leaver"):
        delete_person(person, by=system_user())
    event.refresh_from_db()
    acted.refresh_from_db()
    assert event.user_id == person.pk and acted.actor_id == person.pk


def test_deleting_a_person_clears_references_to_them_each_with_an_audit_entry(db):
    from governance import models as m
    from governance.register.people import delete_person

    admin = UserFactory(is_superuser=True, is_staff=True)
    manager = UserFactory()
    report = UserFactory(line_manager=manager)
    asset = InformationAssetFactory(technical_contact=manager)
    note = m.Notification.objects.create(
        recipient=manager, to_email="m@example.gov.uk", subject="s", body="b", dedupe_key="del-person"
    )
    with acting_as(admin):
        delete_person(manager, by=admin)
    assert not m.User.objects.filter(pk=manager.pk).exists()
    for row, field in ((report, "line_manager"), (asset, "technical_contact"), (note, "recipient")):
        row.refresh_from_db()
        assert getattr(row, f"{field}_id") is None
        change = entries_for(row, AuditEntry.Action.UPDATE).filter(changes__has_key=field)
        assert change.count() == 1 and change.get().actor == admin, field
