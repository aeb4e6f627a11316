"""The comparison set behind ``benchmark_disclosure --compare``: fixed tables, bounded runs, the same pattern twice.

No peer is needed: tau-ARGUS and ACRO are optional, and without them their columns say so.
"""

from __future__ import annotations

import importlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from governance.disclosure import comparison
from governance.disclosure.checks import Extract, check_pattern, check_table
from governance.disclosure.jj import problem_of
from governance.disclosure.primary import PRIMARY_FLAGS
from governance.disclosure.rules import Rules
from governance.disclosure.secondary import COMPLETED, CUTS
from governance.disclosure.tables import FREQUENCY, MAGNITUDE

pytestmark = pytest.mark.no_database


def test_the_tables_come_from_a_fixed_seed_and_add_up():
    shape = comparison.SHAPES["region>sub-region x category"]
    first = comparison.tables(shape, comparison.microdata(shape))
    again = comparison.tables(shape, comparison.microdata(shape))
    assert [table.digest for table in first] == [table.digest for table in again]
    frequency, magnitude = first
    assert (frequency.kind, magnitude.kind) == (FREQUENCY, MAGNITUDE)
    assert len(frequency.cells) == (1 + 4 + 20) * (10 + 1)
    # The regions add up from their sub-regions (declared), so the check protects rather than refuses.
    result = check_table(frequency, Extract.FULL, Rules())
    assert result.method == "suppression" and result.passed, result.problems


def test_a_bounded_run_reports_the_pattern_and_its_audit():
    shape = comparison.SHAPES["10x10"]
    frequency, _magnitude = comparison.tables(shape, comparison.microdata(shape))
    rules = comparison.rules_for(FREQUENCY)
    outcome = comparison.bounded(comparison.run_custodian, (frequency, rules), 30, "custodian")
    assert outcome.ran and outcome.passed
    assert outcome.primaries > 0 and outcome.secondaries > 0
    hidden_value = sum((cell.value for cell, hidden in zip(frequency.cells, outcome.hidden, strict=True) if hidden))
    assert Decimal(0) < outcome.value_hidden < hidden_value
    assert (outcome.short, outcome.insiders) == (0, 0)
    assert outcome.audit_seconds > 0  # the verifier's own time, added to a peer's to compare verified patterns
    # Frequency patterns are also audited under FREQ(10, 30) alone: the comparison's levels meet both standards.
    assert outcome.short_range == 0
    assert comparison.bounded(comparison.run_custodian, (frequency, Rules()), 30, "custodian").short_range > 0


def test_a_run_over_the_limit_is_reported_not_waited_for():
    outcome = comparison.bounded(_forever, (), 0.5, "custodian")
    assert not outcome.ran and "over the benchmark's limit" in outcome.note


def _forever() -> comparison.Outcome:
    while True:
        pass


def test_the_same_table_under_load_gives_the_same_pattern():
    shape = comparison.SHAPES["10x10"]
    frequency, _magnitude = comparison.tables(shape, comparison.microdata(shape))
    repeat = comparison.repeatable("10x10", frequency, Rules(), busy=1, seconds=30)
    assert repeat.same
    assert repeat.secondaries[0] == repeat.secondaries[1] > 0


def test_the_peer_gets_the_problem_in_whole_units_protected_no_less():
    shape = comparison.SHAPES["10x10"]
    _frequency, magnitude = comparison.tables(shape, comparison.microdata(shape))
    problem = problem_of(magnitude, Rules())
    whole = comparison.in_whole_units(problem)
    assert all(cell.value == cell.value.to_integral_value() for cell in whole.cells)
    assert whole.unbalanced() == []
    for before, after in zip(problem.cells, whole.cells, strict=True):
        assert after.value == before.value * 100
        assert after.upper_protection >= before.upper_protection * 100
        assert after.lower_protection >= before.lower_protection * 100
        assert after.status == before.status


def test_without_the_peers_their_columns_say_so(monkeypatch):
    real = importlib.import_module

    def missing(name, *args):
        if name in {"pytauargus", "acro"}:
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(comparison.importlib, "import_module", missing)
    out = io.StringIO()
    call_command(
        "benchmark_disclosure", "--compare", "--tables", "10x10", "--kind", "frequency", "--acro", "400", stdout=out
    )
    text = out.getvalue()
    assert "pytauargus is not installed" in text
    assert "| 10x10 | frequency | 121 |" in text
    assert "acro is not installed" in text


def test_beyond_the_exact_model_cut_generation_finds_the_same_least_cost_pattern():
    shape = comparison.square(8)
    frequency, _magnitude = comparison.tables(shape, comparison.microdata(shape))
    by_cuts = check_table(frequency, Extract.FULL, Rules(optimal_max_cells=0))  # as if too large for the exact model
    exact = check_table(frequency, Extract.FULL, Rules())
    assert by_cuts.audit["pattern"]["method"] == CUTS and exact.audit["pattern"]["method"] == "optimal"
    assert by_cuts.passed and exact.passed

    def hidden_value(result):
        return sum((cell.raw for cell in result.cells if "secondary" in cell.flags), Decimal(0))

    assert hidden_value(by_cuts) == hidden_value(exact) > 0


def test_a_pattern_from_elsewhere_is_completed_until_it_passes_the_audit():
    # As a peer's pattern that ignores insiders: here only the primary cells, which alone give themselves away.
    shape = comparison.SHAPES["10x10"]
    _frequency, magnitude = comparison.tables(shape, comparison.microdata(shape))
    rules = comparison.rules_for(magnitude.kind)
    checked = check_table(magnitude, Extract.FULL, rules)
    start = [bool(PRIMARY_FLAGS.intersection(cell.flags)) for cell in checked.cells]
    assert not check_pattern(magnitude, Extract.FULL, rules, start).passed
    completed = check_pattern(magnitude, Extract.FULL, rules, start, complete=True)
    assert completed.passed, completed.problems
    assert completed.audit["pattern"]["method"] == COMPLETED
    hidden = [cell.published is None for cell in completed.cells]
    assert all(hidden[i] for i, primary in enumerate(start) if primary) and sum(hidden) > sum(start)
