"""The nightly task deletes single sign-on's logout links to ended sessions and its old logout tokens, audited."""

from __future__ import annotations

import datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.utils import timezone

from governance.core.audit import system_user
from governance.core.models import AuditEntry, LogoutTokenUse, ProviderSession
from governance.core.tasks import prune_provider_sessions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def live_session(user) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    return store.session_key


def link(user, session_key: str, *, age: datetime.timedelta, sid: str) -> ProviderSession:
    return ProviderSession.objects.create(
        user=user,
        issuer="https://provider.example",
        subject=f"subject-{user.pk}",
        sid=sid,
        session_key=session_key,
        created_at=timezone.now() - age,
    )


def test_links_to_ended_sessions_and_old_logout_tokens_are_deleted_and_audited(settings):
    person, other = UserFactory(username="pat"), UserFactory(username="sam")
    old = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    live = link(person, live_session(person), age=old, sid="live")
    ended = link(person, "no-such-session-key-000000000000", age=old, sid="ended")
    someone_elses = link(person, live_session(other), age=old, sid="reused")
    just_made = link(person, "not-saved-yet-000000000000000000", age=datetime.timedelta(seconds=5), sid="new")
    token_age = datetime.timedelta(
        seconds=settings.OIDC_ID_TOKEN_MAX_AGE_SECONDS + settings.OIDC_CLOCK_SKEW_SECONDS, days=2
    )
    stale_token = LogoutTokenUse.objects.create(issuer="i", jti="old", used_at=timezone.now() - token_age)
    recent_token = LogoutTokenUse.objects.create(issuer="i", jti="recent", used_at=timezone.now())

    counts = prune_provider_sessions()

    assert counts == {"provider_sessions": 2, "logout_tokens": 1}
    assert set(ProviderSession.objects.values_list("pk", flat=True)) == {live.pk, just_made.pk}
    assert list(LogoutTokenUse.objects.values_list("pk", flat=True)) == [recent_token.pk]
    deletions = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE)
    by_model = {(e.content_type.model, e.object_pk) for e in deletions}
    assert by_model == {
        ("providersession", str(ended.pk)),
        ("providersession", str(someone_elses.pk)),
        ("logouttokenuse", str(stale_token.pk)),
    }
    assert all(entry.actor == system_user() for entry in deletions)
    assert all("no longer needed" in entry.reason for entry in deletions)
    assert not [e for e in deletions if "no-such-session-key" in str(e.changes)]  # session keys stay out


def test_running_twice_deletes_nothing_more(settings):
    person = UserFactory(username="pat")
    link(person, "gone-000000000000000000000000000", age=datetime.timedelta(days=2), sid="gone")

    assert prune_provider_sessions()["provider_sessions"] == 1
    assert prune_provider_sessions() == {"provider_sessions": 0, "logout_tokens": 0}
