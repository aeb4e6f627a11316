"""A person is shown by one rule, whether read as a user or as plain columns."""

from __future__ import annotations

import pytest

from governance.core.models import User, person_name


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [("Dana", "Okafor", "Dana Okafor"), ("Dana", "", "Dana"), ("", "Okafor", "Okafor"), ("", "", "d.okafor")],
)
def test_the_columns_name_a_person_as_the_user_does(first, last, shown):
    user = User(username="d.okafor", first_name=first, last_name=last)
    assert person_name(first, last, "d.okafor") == user.display_name == shown
