"""What stops a record being approved, asked of the domains above the one that approves it.

Access requests and research contracts are approved in domains that sit below privacy, so
they cannot ask it whether a DPIA is signed. Higher domains register a check here instead
(in ``governance.receivers``): a callable from the record to the sentences naming what is
missing. The approving services call ``problems(record)`` and refuse with every sentence,
as contract approval lists its other missing preconditions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Problem(str):
    """A sentence naming what stops an approval, with the page where it is put right (``url``, may be empty).

    A string like any other, so a refusal's ``ValidationError`` reads the same; pages link it.
    """

    url: str

    def __new__(cls, text: str, url: str = "") -> Problem:
        problem = super().__new__(cls, text)
        problem.url = url
        return problem


Gate = Callable[[Any], list[str]]

_gates: dict[str, Gate] = {}


def register(name: str, gate: Gate) -> None:
    """Add (or replace, under the same name) a check every approval runs."""
    _gates[name] = gate


def unregister(name: str) -> None:
    _gates.pop(name, None)


def problems(record: Any) -> list[str]:
    """Every sentence any registered check gives for ``record``: empty when nothing stops its approval."""
    found: list[str] = []
    for gate in list(_gates.values()):
        found.extend(gate(record))
    return found
