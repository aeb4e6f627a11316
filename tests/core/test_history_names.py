"""Names in history read only what they declare: each declared name built in one query, as ``str`` builds it."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.access.models import AccessGrant, RecertificationCampaign
from governance.core.history import _NAME_READS, _names, describe
from governance.core.history_events import names_at_hand
from governance.core.models import AuditEntry, User
from governance.incidents.models import Incident, IncidentLink
from governance.register.models import InformationAsset
from tests.factories import (
    ExternalOrganisationFactory,
    LegalGatewayFactory,
    ProcessingActivityFactory,
    SharingAgreementFactory,
    UserFactory,
    make_contract,
    make_grant,
    make_review,
)


@pytest.fixture
def named(db):
    """One record of every model whose name declares what it reads."""
    grant = make_grant(UserFactory(first_name="Dana", last_name="Okafor"))
    review = make_review(grant)
    campaign = RecertificationCampaign.objects.create(review_campaign=review.campaign, iam=grant.asset.manager)
    incident = Incident.objects.create(
        title="Laptop left on a train",
        description="Found by the guard.",
        kind=Incident.Kind.LOSS_OR_THEFT,
        reported_by=grant.holder,
        found_at=timezone.now(),
        aware_at=timezone.now(),
        personal_data=False,
    )
    records = [grant, grant.request, grant.asset, grant.asset.items.first(), grant.holder, campaign, incident]
    contract = make_contract()
    records += [contract, grant.asset.business_area, ExternalOrganisationFactory(), LegalGatewayFactory()]
    records += [ProcessingActivityFactory(), SharingAgreementFactory()]
    return {type(record): record for record in records}


def test_every_declared_name_is_built_in_one_query(named, django_assert_num_queries):
    assert set(_NAME_READS) <= set(named), "a declared model has no record here: add one"
    for model, fields in _NAME_READS.items():
        record = named[model]
        with django_assert_num_queries(1):
            names = _names(model, {str(record.pk)})
        assert names == {str(record.pk): str(model._default_manager.get(pk=record.pk))}, fields


def test_a_model_that_declares_nothing_is_read_whole(named, django_assert_num_queries):
    from governance.access.models import AccessReview

    review = AccessReview.objects.select_related("campaign", "grant").get()
    with django_assert_num_queries(1):
        assert _names(AccessReview, {str(review.pk)}) == {str(review.pk): str(review)}


def test_the_record_whose_history_is_shown_is_named_without_a_query(named):
    incident, grant = named[Incident], named[AccessGrant]
    IncidentLink.objects.create(incident=incident, grant=grant, added_by=grant.holder)
    entries = list(AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(IncidentLink)))
    with CaptureQueriesContext(connection) as plain_queries:
        plain = describe(entries)
    with CaptureQueriesContext(connection) as known_queries:
        known = describe(entries, known=names_at_hand([incident]))
    # The incident, and what was read with it (its reporter, here also the one who added the link).
    assert len(known_queries) <= len(plain_queries) - 1
    assert [row.values for row in known] == [row.values for row in plain]
    assert known[0].after("incident") == str(incident)


def test_what_was_read_with_the_record_is_named_without_a_query(named):
    """A detail page reads its record with its area and people: the history names them from there."""
    asset = InformationAsset.objects.select_related("business_area", "manager").get(pk=named[InformationAsset].pk)
    entries = list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(InformationAsset), object_pk=str(asset.pk)
        )
    )
    assert any("manager" in (entry.changes or {}) and "business_area" in entry.changes for entry in entries)
    with CaptureQueriesContext(connection) as plain_queries:
        plain = describe(entries)
    with CaptureQueriesContext(connection) as known_queries:
        known = describe(entries, known=names_at_hand([asset]))
    assert len(plain_queries) >= 2
    assert len(known_queries) == 0
    assert [row.values for row in known] == [row.values for row in plain]


def test_a_relation_whose_name_needs_a_column_not_read_is_read_again(named, django_assert_num_queries):
    """A person read with only some columns is not named from them: their name is read as usual."""
    asset = (
        InformationAsset.objects.select_related("manager")
        .only("id", "name", "manager__id")
        .get(pk=named[InformationAsset].pk)
    )
    with django_assert_num_queries(0):
        known = names_at_hand([asset])
    assert User not in known
