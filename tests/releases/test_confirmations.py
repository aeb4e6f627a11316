"""Removing a table or a source asks first, on a page that works without JavaScript; the refusals still hold."""

# ruff: noqa: F811 - the shared release fixtures are imported by name

from __future__ import annotations

from governance.releases import workflow as service
from governance.releases.models import OutputTable, ReleaseSource
from tests.releases.test_releases import (  # noqa: F401 - fixtures
    asset,
    other_statistician,
    release,
    source,
    statistician,
    table,
)


def test_removing_a_table_asks_first_then_removes_on_confirmation(verified_client, statistician, table):
    client = verified_client(statistician)
    url = f"/releases/{table.release_id}/tables/{table.pk}/remove/"
    detail = client.get(f"/releases/{table.release_id}/tables/{table.pk}/").content.decode()
    assert f'href="{url}"' in detail  # a link to the question, not a one-click form
    page = client.get(url).content.decode()
    assert "Are you sure you want to remove the table Claims by region?" in page
    assert "Yes, remove the table" in page and "No, go back" in page
    assert OutputTable.objects.filter(pk=table.pk).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert not OutputTable.objects.filter(pk=table.pk).exists()


def test_removing_a_source_asks_first(verified_client, statistician, release, asset):
    spare = service.add_source(release, by=statistician, asset=asset, extract_type="sample", sampling_weight=10)
    client = verified_client(statistician)
    url = f"/releases/{release.pk}/sources/{spare.pk}/remove/"
    page = client.get(url).content.decode()
    assert "Are you sure you want to remove Benefit claims as a source?" in page
    assert ReleaseSource.objects.filter(pk=spare.pk).exists()
    client.post(url)
    assert not ReleaseSource.objects.filter(pk=spare.pk).exists()


def test_someone_else_can_neither_see_the_question_nor_remove(
    verified_client,
    other_statistician,
    table,
):
    client = verified_client(other_statistician)
    url = f"/releases/{table.release_id}/tables/{table.pk}/remove/"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    source_url = f"/releases/{table.release_id}/sources/{table.source_id}/remove/"
    assert client.get(source_url).status_code == 403
    assert OutputTable.objects.filter(pk=table.pk).exists()
