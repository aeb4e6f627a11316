"""A fresh security-key proof is bound to the action and the record it was asked for.

The outside test removed a key on one page and used the key's answer, given there, to
sign a release off. Here the library's signature check is taken as passed (no real key
is needed for the rule): what is tested is which page's challenge an answer may settle.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance.core.forms.security_keys import SecurityKeyRemoveForm
from governance.core.security import KEY_FIELD, verify_fresh_second_factor
from tests.core.key_answers import answer_to, page_request
from tests.core.test_security_keys import make_key
from tests.factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    user = UserFactory(username="kim")
    TOTPDeviceFactory(user=user)
    return user


def answer_asked_on(client, user, url: str) -> str:
    """The key's answer to the challenge the page at ``url`` drew into its form."""
    return answer_to(SecurityKeyRemoveForm, client, user, url)


def test_a_key_answer_given_for_one_action_or_record_is_refused_for_another(client, person, signatures_pass):
    key, other_key = make_key(person), make_key(person, name="Spare key")
    remove_key = reverse("two_factor:key_remove", args=[key.pk])
    remove_other = reverse("two_factor:key_remove", args=[other_key.pk])
    sign_off = reverse("releases:sign-off", args=[12])

    # Given on the key-removal page, offered to sign a release off: refused.
    answer = answer_asked_on(client, person, remove_key)
    with pytest.raises(ValidationError) as refused:
        verify_fresh_second_factor(person, request=page_request(client, person, sign_off), key_assertion=answer)
    assert KEY_FIELD in refused.value.error_dict

    # Given for removing one key, offered to remove another: refused.
    answer = answer_asked_on(client, person, remove_key)
    with pytest.raises(ValidationError):
        verify_fresh_second_factor(person, request=page_request(client, person, remove_other), key_assertion=answer)

    # Given for this action on this record: accepted.
    answer = answer_asked_on(client, person, remove_key)
    verify_fresh_second_factor(person, request=page_request(client, person, remove_key), key_assertion=answer)
