"""The accessibility statement: open before sign-in, linked from every page's footer, in GOV.UK's model structure."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_statement_opens_without_signing_in_and_names_the_contact(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access-help@example.gov.uk"
    response = client.get("/accessibility/")
    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Technical information about this service",
        "How we tested this service",
    ):
        assert heading in page, heading
    assert "Web Content Accessibility Guidelines version 2.2" in page
    assert "Equality and Human Rights Commission" in page and "Equality Commission for Northern Ireland" in page
    assert 'href="mailto:access-help@example.gov.uk"' in page


def test_every_page_links_to_it_from_its_footer(client, verified_client, staff):
    assert 'href="/accessibility/">Accessibility statement</a>' in client.get("/account/login/").content.decode()
    home = verified_client(staff).get("/").content.decode()
    assert 'href="/accessibility/">Accessibility statement</a>' in home.split('class="govuk-footer"')[1]
