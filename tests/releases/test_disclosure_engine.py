"""The disclosure-control engine, checked against examples worked out by hand.

Every expected number below was calculated on paper from the rules (threshold, p%, (n,k),
secondary suppression along lines, rounding half up, grossing), not by the code under test.
No database is used.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from decimal import Decimal

import highspy
import numpy as np
import openpyxl
import pytest

from governance.disclosure import (
    MAX_CELLS,
    Cell,
    CellResult,
    CheckResult,
    Extract,
    Flag,
    Method,
    Rules,
    Table,
    TableError,
    TotalsPolicy,
    check_table,
    parse_table,
    verify_protection,
)
from governance.disclosure import checks as checks_module
from governance.disclosure import tables as tables_module
from governance.disclosure.checks import (
    MAGNITUDE_PERTURBATION,
    NO_CONTRIBUTORS,
    TOO_DETAILED,
    dominance_flags,
    perturbation_adjustment,
)
from governance.disclosure.intervals import Knowledge, Requirement, _Pool, audit
from governance.disclosure.layout import equations
from governance.disclosure.linear import determined, line_equations
from governance.disclosure.protection import frequency_protection, nk_protection, p_percent_protection
from governance.disclosure.tables import TOTAL_LABEL

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database

D = Decimal
FULL, SAMPLE = Extract.FULL, Extract.SAMPLE


def csv_table(text: str) -> Table:
    return parse_table(text.encode("utf-8"), "table.csv")


def by_key(result: CheckResult) -> dict[tuple[str, ...], CellResult]:
    return {cell.key: cell for cell in result.cells}


def published(result: CheckResult) -> dict[tuple[str, ...], Decimal | None]:
    return {cell.key: cell.published for cell in result.cells}


def hidden_keys(result: CheckResult) -> set[tuple[str, ...]]:
    return {cell.key for cell in result.cells if cell.suppressed}


def parse_errors(data: bytes, filename: str = "table.csv") -> list[str]:
    with pytest.raises(TableError) as caught:
        parse_table(data, filename)
    return caught.value.errors


# --- tables used by several tests -----------------------------------------------------------

ONE_WAY = """Group,count
North,4
South,25
East,12
West,40
Total,81
"""

# 3x3 with margins; X/A = 3 is the only cell under the threshold of 10.
TWO_WAY = """Region,Sex,count
X,A,3
X,B,20
X,C,41
X,Total,64
Y,A,15
Y,B,12
Y,C,52
Y,Total,79
Z,A,32
Z,B,36
Z,C,62
Z,Total,130
Total,A,50
Total,B,68
Total,C,155
Total,Total,273
"""


# --- full extracts: threshold and secondary suppression --------------------------------------


def test_one_way_table_suppresses_the_small_cell_and_the_next_smallest():
    # North = 4 < 10 is unsafe. With only North hidden, North = 81 - 25 - 12 - 40, so the
    # next smallest non-zero cell (East = 12) is hidden too. Rounding to 5: 25, 40, 81 -> 80.
    result = check_table(csv_table(ONE_WAY), FULL, Rules())
    assert published(result) == {
        ("North",): None,
        ("South",): D(25),
        ("East",): None,
        ("West",): D(40),
        ("Total",): D(80),
    }
    cells = by_key(result)
    assert cells[("North",)].flags == (Flag.THRESHOLD,)
    assert cells[("East",)].flags == (Flag.SECONDARY,)
    assert cells[("Total",)].flags == (Flag.ROUNDED,)
    assert cells[("Total",)].is_total and not cells[("North",)].is_total
    assert result.passed and result.problems == ()
    assert result.counts["suppressed"] == 2
    assert result.counts["primary"] == 1
    assert result.counts["secondary"] == 1
    assert result.counts["rounded"] == 1
    # Two hidden cells in the only line: neither can be recovered from the total.
    assert verify_protection(csv_table(ONE_WAY), result.cells, Rules()) == []


def test_two_way_table_suppresses_a_rectangle_and_publishes_the_totals():
    # X/A = 3 is unsafe. Column A: the smallest other cell is Y/A = 15. Row X: X/B = 20.
    # Column B now has X/B alone hidden: the smallest other is Y/B = 12, which also gives
    # row Y its second hidden cell. The four hidden cells form the rectangle {X,Y} x {A,B}.
    result = check_table(csv_table(TWO_WAY), FULL, Rules())
    assert hidden_keys(result) == {("X", "A"), ("Y", "A"), ("X", "B"), ("Y", "B")}
    cells = by_key(result)
    assert cells[("X", "A")].flags == (Flag.THRESHOLD,)
    assert {cells[key].flags for key in [("Y", "A"), ("X", "B"), ("Y", "B")]} == {(Flag.SECONDARY,)}
    # Independent totals: each is the true total rounded to 5.
    assert published(result) == {
        ("X", "A"): None,
        ("X", "B"): None,
        ("X", "C"): D(40),
        ("X", "Total"): D(65),
        ("Y", "A"): None,
        ("Y", "B"): None,
        ("Y", "C"): D(50),
        ("Y", "Total"): D(80),
        ("Z", "A"): D(30),
        ("Z", "B"): D(35),
        ("Z", "C"): D(60),
        ("Z", "Total"): D(130),
        ("Total", "A"): D(50),
        ("Total", "B"): D(70),
        ("Total", "C"): D(155),
        ("Total", "Total"): D(275),
    }
    assert result.passed
    assert result.counts["suppressed"] == 4 and result.counts["secondary"] == 3


def test_two_way_table_hides_a_total_when_the_only_other_cell_is_zero():
    # r1/c1 = 4 is unsafe, and so is its row total r1/Total = 4 (a small count wherever it stands).
    # Column c1: hide r2/c1 = 20. Row r1 already hides two (its cell and its total). The column of
    # row totals then has one hidden cell, so r2/Total = 50 is hidden; row r2 then has two.
    # The grand total stays.
    table = csv_table(
        "Region,Sex,count\nr1,c1,4\nr1,c2,0\nr1,Total,4\nr2,c1,20\nr2,c2,30\nr2,Total,50\n"
        "Total,c1,24\nTotal,c2,30\nTotal,Total,54\n"
    )
    result = check_table(table, FULL, Rules(group_disclosure="off"))  # r1 is all c1: group disclosure aside
    assert published(result) == {
        ("r1", "c1"): None,
        ("r1", "c2"): D(0),
        ("r1", "Total"): None,
        ("r2", "c1"): None,
        ("r2", "c2"): D(30),
        ("r2", "Total"): None,
        ("Total", "c1"): D(25),
        ("Total", "c2"): D(30),
        ("Total", "Total"): D(55),
    }
    cells = by_key(result)
    assert cells[("r1", "Total")].flags == (Flag.THRESHOLD,)
    assert cells[("r2", "Total")].flags == (Flag.SECONDARY,)
    assert cells[("r1", "c2")].flags == ()  # zero cells are never unsafe and never chosen
    assert result.passed


def cube_table(interior: dict[tuple[str, str, str], int]) -> Table:
    """A three-way table with every margin, the margins summed from the interior (test input only)."""
    options = [("a1", "a2", "Total"), ("b1", "b2", "Total"), ("c1", "c2", "Total")]
    cells = []
    for a in options[0]:
        for b in options[1]:
            for c in options[2]:
                value = sum(
                    number
                    for (x, y, z), number in interior.items()
                    if a in (x, "Total") and b in (y, "Total") and c in (z, "Total")
                )
                cells.append(Cell(key=(a, b, c), value=D(value)))
    return Table(category_columns=("Age", "Sex", "Area"), value_column="count", kind="frequency", cells=tuple(cells))


def test_three_way_table_protects_lines_along_every_column():
    # a1/b1/c1 = 5 is unsafe. Each of its three lines has one other interior cell, which must
    # be hidden; each of those has lines with one other interior cell, and so on: all eight
    # interior cells of the 2x2x2 cube end up hidden, and every margin stays published.
    interior = {
        ("a1", "b1", "c1"): 5,
        ("a1", "b1", "c2"): 20,
        ("a1", "b2", "c1"): 30,
        ("a1", "b2", "c2"): 40,
        ("a2", "b1", "c1"): 50,
        ("a2", "b1", "c2"): 60,
        ("a2", "b2", "c1"): 70,
        ("a2", "b2", "c2"): 80,
    }
    table = cube_table(interior)
    result = check_table(table, FULL, Rules(max_suppressed_share=D(1)))
    assert hidden_keys(result) == set(interior)
    assert result.counts["primary"] == 1 and result.counts["secondary"] == 7
    cells = by_key(result)
    assert cells[("a1", "b1", "Total")].published == D(25)  # 5 + 20
    assert cells[("Total", "b2", "c2")].published == D(120)  # 40 + 80
    assert cells[("Total", "Total", "Total")].published == D(355)  # 355 is already a multiple of 5
    assert result.passed
    # With the default settings, hiding every interior cell is too much: the check fails.
    strict = check_table(table, FULL, Rules())
    assert not strict.passed and strict.problems == (TOO_DETAILED,)


def test_table_without_totals_needs_no_secondary_suppression():
    result = check_table(csv_table("Group,count\nNorth,4\nSouth,25\nEast,12\nWest,40\n"), FULL, Rules())
    assert hidden_keys(result) == {("North",)}
    assert result.counts["secondary"] == 0 and result.passed


# --- magnitude tables: contributor rules -------------------------------------------------------

MAGNITUDE = """Industry,value,contributors
Ag,84,60;10;8;6
Bu,100,44;44;12
Co,100,50;50
De,100,30;30;20;20
Ed,100,25;25;25;25
Fi,100,40;30;20;10
Gr,100,35;35;30
Ho,250,
Total,934,
"""


def test_magnitude_rules_worked_by_hand():
    # p = 25, (n,k) = (2,85), at least 3 contributors.
    # Ag: 84 - 60 - 10 = 14 < 25% of 60 = 15 -> p% unsafe; 60 + 10 = 70 <= 85% of 84 = 71.4 -> (n,k) safe.
    # Bu: 100 - 44 - 44 = 12 >= 25% of 44 = 11 -> p% safe; 44 + 44 = 88 > 85 -> (n,k) unsafe.
    # Co: two contributors < 3; 100 - 50 - 50 = 0 < 12.5; 100 > 85: unsafe by all three rules.
    # De, Ed, Fi, Gr: safe by both (e.g. Fi: 30 >= 10 and 70 <= 85). Ho has no contributor data.
    table = csv_table(MAGNITUDE)
    assert table.kind == "magnitude" and table.value_column == "value"
    result = check_table(table, FULL, Rules(p_percent=D(25)))
    cells = by_key(result)
    assert cells[("Ag",)].flags == (Flag.P_PERCENT,)
    assert cells[("Bu",)].flags == (Flag.NK,)
    assert cells[("Co",)].flags == (Flag.THRESHOLD, Flag.P_PERCENT, Flag.NK)
    assert hidden_keys(result) == {("Ag",), ("Bu",), ("Co",)}
    # Three cells hidden in the line: none recoverable, no secondary suppression needed.
    assert cells[("De",)].published == D(100)
    assert cells[("Ho",)].published == D(250)
    assert cells[("Total",)].published == D(935)  # 934 rounded to 5
    assert result.counts["primary"] == 3 and result.counts["secondary"] == 0
    assert result.counts["no_contributors"] == 1
    # Ho's value cannot be checked for a dominant contributor: the table fails until it can.
    assert not result.passed
    assert result.problems == (NO_CONTRIBUTORS.format(1),)


def test_magnitude_tables_under_perturbation_fail():
    # Small absolute noise does not hide a single firm's million.
    table = csv_table("Region,value,contributors\nA,1000000,1000000\nB,500,200;200;100\n")
    result = check_table(table, FULL, KEYED, scope="s")
    assert not result.passed
    assert result.problems == (MAGNITUDE_PERTURBATION,)


def test_dominance_with_the_default_settings():
    rules = Rules()  # p = 10, (n,k) = (2,85)
    # 45 + 45 = 90 > 85 -> (n,k); 100 - 90 = 10 >= 10% of 45 -> p% safe.
    assert dominance_flags(Cell(("x",), D(100), (D(45), D(45), D(10))), rules) == [Flag.NK]
    # 50 + 30 = 80 <= 85 -> (n,k) safe; 100 - 80 = 20 >= 10% of 50 -> p% safe.
    assert dominance_flags(Cell(("x",), D(100), (D(30), D(50), D(20))), rules) == []
    # 85 is not more than 85% of 100: (n,k) safe at the boundary; 100 - 85 = 15 >= 8 -> p% safe.
    assert dominance_flags(Cell(("x",), D(100), (D(80), D(5), D(5), D(5), D(5))), rules) == []
    # A single contributor is unsafe on every count.
    assert dominance_flags(Cell(("x",), D(7), (D(7),)), rules) == [Flag.THRESHOLD, Flag.P_PERCENT, Flag.NK]
    # Zero cells are never unsafe.
    assert dominance_flags(Cell(("x",), D(0), (D(0), D(0))), rules) == []


def test_magnitude_header_is_kept_as_written():
    table = csv_table("Industry,Value\nAg,10.50\nTotal,10.5\n")
    assert table.value_column == "Value"
    assert table.cells[0].value == D("10.5")


# --- sample extracts -----------------------------------------------------------------------------


def test_sample_grossing_with_the_default_weight_rounds_half_up_and_flags_low_samples():
    # Weight 2.5, base 5, at least 30 sample cases.
    # A: 40 x 2.5 = 100. C: 12 cases < 30 -> low sample, hidden; the smallest other cell B (31)
    # is hidden so C cannot be recovered. D: 33 x 2.5 = 82.5 = 16.5 fives -> half up 17 -> 85
    # (half-even would give 80). Total: 116 x 2.5 = 290.
    table = csv_table("Group,count\nA,40\nB,31\nC,12\nD,33\nTotal,116\n")
    result = check_table(table, SAMPLE, Rules(sampling_weight=D("2.5")))
    assert result.method == "sample grossing" and result.extract == SAMPLE
    assert published(result) == {("A",): D(100), ("B",): None, ("C",): None, ("D",): D(85), ("Total",): D(290)}
    cells = by_key(result)
    assert cells[("A",)].flags == (Flag.GROSSED,)
    assert cells[("B",)].flags == (Flag.SECONDARY,)
    assert cells[("C",)].flags == (Flag.LOW_SAMPLE,)
    assert cells[("D",)].flags == (Flag.GROSSED, Flag.ROUNDED)
    assert result.counts["low_sample"] == 1 and result.counts["primary"] == 1
    assert result.passed


def test_sample_grossing_with_a_weight_column_and_both_totals_policies():
    # A: 40 x 3 = 120. B: 45 x 2.5 = 112.5 = 22.5 fives -> 23 -> 115. The total is the sum of
    # its grossed cells before rounding, 232.5 -> 235, not 85 grossed by a weight of its own (170),
    # which would publish a line that does not add up.
    table = csv_table("Group,count,weight\nA,40,3\nB,45,2.5\nTotal,85,\n")
    assert table.cells[2].weight is None
    independent = check_table(table, SAMPLE, Rules(sampling_weight=D(2)))
    assert published(independent) == {("A",): D(120), ("B",): D(115), ("Total",): D(235)}
    additive = check_table(table, SAMPLE, Rules(sampling_weight=D(2), totals=TotalsPolicy.ADDITIVE))
    assert published(additive) == {("A",): D(120), ("B",): D(115), ("Total",): D(235)}
    assert by_key(additive)[("Total",)].flags == (Flag.GROSSED, Flag.ROUNDED)


def test_sample_magnitude_table_gets_the_low_sample_and_dominance_rules():
    # Ag rests on one sample contributor: hidden (low sample, p% and (n,k)), and so is Bu, or
    # Ag = Total - Bu. Before, both were published grossed (70 and 15).
    table = csv_table("Industry,value,contributors\nAg,7,7\nBu,1.5,1;0.5\nTotal,8.5,\n")
    result = check_table(table, SAMPLE, Rules(sampling_weight=D(10), min_sample_cases=1, max_suppressed_share=D(1)))
    assert published(result)[("Ag",)] is None
    assert Flag.P_PERCENT in by_key(result)[("Ag",)].flags
    assert published(result)[("Bu",)] is None
    assert result.passed, result.problems
    strict = check_table(table, SAMPLE, Rules(sampling_weight=D(10), max_suppressed_share=D(1)))
    assert Flag.LOW_SAMPLE in by_key(strict)[("Bu",)].flags  # two contributors, fewer than 30


def test_sample_magnitude_table_without_contributors_fails():
    table = csv_table("Industry,value\nAg,7\nBu,1.5\nTotal,8.5\n")
    result = check_table(table, SAMPLE, Rules(sampling_weight=D(10)))
    assert not result.passed


# --- rounding and the totals policy ----------------------------------------------------------------


def test_rounding_independent_and_additive_totals():
    # 12 -> 10 three times. Independent: 36 -> 35. Additive: 10 + 10 + 10 = 30.
    table = csv_table("Group,count\nA,12\nB,12\nC,12\nTotal,36\n")
    independent = check_table(table, FULL, Rules())
    additive = check_table(table, FULL, Rules(totals=TotalsPolicy.ADDITIVE))
    assert published(independent) == {("A",): D(10), ("B",): D(10), ("C",): D(10), ("Total",): D(35)}
    assert published(additive) == {("A",): D(10), ("B",): D(10), ("C",): D(10), ("Total",): D(30)}


def test_rounding_half_up_and_base_one():
    table = csv_table("Group,count\nA,12\nB,13\nC,17\nTotal,42\n")
    result = check_table(table, FULL, Rules(rounding_base=5))
    # 12 -> 10, 13 -> 15 (2.6 fives), 17 -> 15, 42 -> 40.
    assert published(result) == {("A",): D(10), ("B",): D(15), ("C",): D(15), ("Total",): D(40)}
    unrounded = check_table(table, FULL, Rules(rounding_base=1))
    assert published(unrounded) == {("A",): D(12), ("B",): D(13), ("C",): D(17), ("Total",): D(42)}
    assert unrounded.counts["rounded"] == 0
    # 12.5 is exactly 2.5 fives: half up gives 15.
    halves = check_table(csv_table("Group,value\nA,12.5\nTotal,12.5\n"), FULL, Rules())
    assert by_key(halves)[("A",)].published == D(15)


def test_additive_totals_in_a_two_way_table_with_suppression():
    # Rows X and Y contain hidden cells: their totals are the true totals rounded (65, 80).
    # Row Z has none: 30 + 35 + 60 = 125 (not 130). Column C has none: 40 + 50 + 60 = 150
    # (not 155). Columns A, B and the grand total contain hidden cells: 50, 70, 275.
    result = check_table(csv_table(TWO_WAY), FULL, Rules(totals=TotalsPolicy.ADDITIVE))
    shown = published(result)
    assert shown[("X", "Total")] == D(65)
    assert shown[("Y", "Total")] == D(80)
    assert shown[("Z", "Total")] == D(125)
    assert shown[("Total", "A")] == D(50)
    assert shown[("Total", "B")] == D(70)
    assert shown[("Total", "C")] == D(150)
    assert shown[("Total", "Total")] == D(275)
    assert hidden_keys(result) == {("X", "A"), ("Y", "A"), ("X", "B"), ("Y", "B")}


# --- perturbation -----------------------------------------------------------------------------------

KEYED = Rules(method=Method.PERTURBATION, perturbation_key="test-secret")


def test_perturbation_is_consistent_across_tables_and_column_orders():
    first = csv_table("Region,Sex,count\nNorth,Female,57\nNorth,Male,61\nSouth,Female,33\n")
    second = csv_table("Sex,Region,count\nFemale,North,57\nFemale,East,90\nMale,West,12\nFemale,South,34\n")
    one = check_table(first, FULL, KEYED, scope="assets:12,40")
    two = check_table(second, FULL, KEYED, scope="assets:12,40")
    assert by_key(one)[("North", "Female")].published == by_key(two)[("Female", "North")].published
    # The same cell drawn from other sources is perturbed independently: over many cells,
    # some adjustments differ (the hash is deterministic, so this never flickers).
    many = csv_table("Group,count\n" + "".join(f"G{chr(65 + i // 26)}{chr(65 + i % 26)},50\n" for i in range(60)))
    here = published(check_table(many, FULL, KEYED, scope="assets:12,40"))
    elsewhere = published(check_table(many, FULL, KEYED, scope="assets:99"))
    assert here != elsewhere
    # Different labels with the same value also get different adjustments.
    assert len(set(here.values())) > 1
    rekeyed = published(check_table(many, FULL, Rules(method=Method.PERTURBATION, perturbation_key="other")))
    assert rekeyed != published(check_table(many, FULL, KEYED))


def test_perturbation_stays_within_bounds_and_covers_the_range():
    rows = "".join(f"G{i:03d},{20 + i}\n" for i in range(300))
    table = csv_table("Group,count\n" + rows)
    result = check_table(table, FULL, KEYED, scope="s")
    adjustments = {cell.published - cell.raw for cell in result.cells}
    assert adjustments == {D(-2), D(-1), D(0), D(1), D(2)}
    assert result.passed and result.method == "perturbation"
    assert result.counts["suppressed"] == 0
    assert result.counts["perturbed"] == sum(cell.published != cell.raw for cell in result.cells)
    for value in range(0, 40):
        adjustment = perturbation_adjustment("k", "s", [("group", "A")], D(value), 3)
        assert -3 <= adjustment <= 3


def test_perturbation_of_small_and_zero_cells_worked_by_hand():
    # With no adjustment (maximum 0) and threshold 10: 3 < 5 -> 0; 5 and 7 are not below 5 -> 10;
    # 12 is not small -> 12; zero stays zero.
    rules = Rules(method=Method.PERTURBATION, perturbation_key="k", perturbation_max=0)
    table = csv_table("Group,count\nA,3\nB,5\nC,7\nD,12\nE,0\nTotal,27\n")
    result = check_table(table, FULL, rules)
    assert published(result) == {
        ("A",): D(0),
        ("B",): D(10),
        ("C",): D(10),
        ("D",): D(12),
        ("E",): D(0),
        ("Total",): D(32),  # the sum of the published cells, never the raw total moved on its own
    }
    assert by_key(result)[("A",)].flags == (Flag.PERTURBED,)
    assert by_key(result)[("D",)].flags == ()


def test_perturbation_never_publishes_a_small_count_and_keeps_zeros():
    rows = "".join(f"G{i:03d},{i % 10}\n" for i in range(200))
    result = check_table(csv_table("Group,count\n" + rows), FULL, KEYED, scope="s")
    for cell in result.cells:
        if cell.raw == 0:
            assert cell.published == 0
        else:
            assert cell.published in (D(0), D(10))


def test_perturbation_totals_are_always_the_sum_of_the_perturbed_cells():
    table = csv_table(TWO_WAY)
    additive = check_table(table, FULL, replace(KEYED, totals=TotalsPolicy.ADDITIVE), scope="s")
    shown = published(additive)
    interior = [key for key in shown if "Total" not in key]
    assert shown[("Total", "Total")] == sum(shown[key] for key in interior)
    for row in "XYZ":
        assert shown[(row, "Total")] == sum(shown[(row, column)] for column in "ABC")
    for column in "ABC":
        assert shown[("Total", column)] == sum(shown[(row, column)] for row in "XYZ")
    # Independently perturbed totals would give small cells back (total less the others): never used here.
    independent = check_table(table, FULL, KEYED, scope="s")
    assert published(independent) == shown


# --- verification ----------------------------------------------------------------------------------


def test_verifier_catches_a_cell_recoverable_from_its_total():
    table = csv_table("Group,count\nA,4\nB,20\nC,30\nE,40\nTotal,94\n")

    def result_with(hidden: set[str]) -> list[CellResult]:
        return [
            CellResult(
                key=cell.key,
                raw=cell.value,
                published=None if cell.key[0] in hidden else cell.value,
                flags=(Flag.THRESHOLD,) if cell.key[0] == "A" else (),
                is_total=cell.is_total,
            )
            for cell in table.cells
        ]

    assert verify_protection(table, result_with({"A"}), Rules()) == [
        "A suppressed cell in the Group breakdown could be recovered from its total."
    ]
    assert verify_protection(table, result_with({"A", "B"}), Rules()) == []
    # Hiding only the total is no better: it is the sum of the published cells.
    assert verify_protection(table, result_with({"A", "Total"}), Rules()) == []
    only_total = verify_protection(table, result_with({"Total"}), Rules())
    assert "could be recovered from its total" in only_total[0]
    assert "The cell Group=A is unsafe to publish but would be shown." in only_total


def test_verifier_names_the_line_in_a_two_way_table():
    table = csv_table(TWO_WAY)
    cells = [
        CellResult(cell.key, cell.value, None if cell.key == ("Z", "C") else cell.value, (), cell.is_total)
        for cell in table.cells
    ]
    assert verify_protection(table, cells, Rules()) == [
        "A suppressed cell in the Region breakdown for Sex=C could be recovered from its total.",
        "A suppressed cell in the Sex breakdown for Region=Z could be recovered from its total.",
        # The verifier works out which cells are unsafe from the table itself, not from the flags.
        "The cell Region=X, Sex=A is unsafe to publish but would be shown.",
    ]


def test_too_suppressed_table_fails_in_plain_words():
    # Two of three interior cells are below the threshold: more than half would be hidden.
    result = check_table(csv_table("Group,count\nA,3\nB,4\nC,50\nTotal,57\n"), FULL, Rules())
    assert not result.passed
    assert result.problems == (TOO_DETAILED,)
    assert "too detailed" in result.problems[0] and "Combine categories" in result.problems[0]


def test_problems_never_reveal_the_rules():
    rules = Rules(
        threshold=7,
        p_percent=D(23),
        nk_k=D(77),
        rounding_base=3,
        max_suppressed_share=D("0.31"),
        min_sample_cases=43,
    )
    table = csv_table("Group,count\nAlpha,3\nBravo,4\nCharlie,50\nTotal,57\n")
    problems = list(check_table(table, FULL, rules).problems) + list(check_table(table, SAMPLE, rules).problems)
    bad = [CellResult(c.key, c.value, None if c.key == ("Alpha",) else c.value, (), c.is_total) for c in table.cells]
    problems += verify_protection(table, bad, rules)
    assert len(problems) >= 3
    for problem in problems:
        for secret in ("7", "23", "77", "3", "31", "43"):
            assert secret not in problem


# --- parsing -----------------------------------------------------------------------------------------


def test_parse_frequency_table():
    table = csv_table("Region, Sex ,Count\nNorth,Female,12\nNorth,All,20\n")
    assert table.category_columns == ("Region", "Sex")
    assert table.value_column == "count" and table.kind == "frequency"
    assert table.cells == (Cell(("North", "Female"), D(12)), Cell(("North", "All"), D(20)))
    assert table.cells[1].is_total and not table.cells[0].is_total


def test_parse_csv_with_byte_order_mark():
    table = parse_table(b"\xef\xbb\xbfRegion,count\r\nNorth,5\r\n", "table.CSV")
    assert table.category_columns == ("Region",)
    assert table.cells == (Cell(("North",), D(5)),)


def test_parse_missing_value_column():
    errors = parse_errors(b"Region,number\nNorth,5\n")
    assert errors == ["The header row needs a 'count' column (frequency table) or a 'value' column (magnitude table)."]


def test_parse_collects_every_row_problem():
    errors = parse_errors(b"Region,count\nNorth,-3\nSouth,abc\nEast,2.5\n,4\nWest,\n")
    assert errors == [
        "Row 2, column 'count': -3 is negative; numbers must be 0 or more.",
        "Row 3, column 'count': 'abc' is not a number.",
        "Row 4, column 'count': 2.5 is not a whole number; counts must be whole numbers.",
        "Row 5, column 'Region': the category label is empty.",
        "Row 6, column 'count': the cell is empty; write 0 if there is none.",
    ]


def test_parse_stops_after_fifty_problems():
    rows = "".join(f"G{i},x\n" for i in range(100))
    assert len(parse_errors(("Group,count\n" + rows).encode())) == 50


def test_parse_rejects_a_large_file_before_parsing(monkeypatch):
    def must_not_read(data):
        raise AssertionError("parsed a file that is too large")

    monkeypatch.setattr(tables_module, "_read_csv", must_not_read)
    errors = parse_errors(b"x" * 50 * 1024 * 1024)
    assert errors == ["The file is larger than the 5 MB limit; split the table."]


def test_parse_duplicate_cell():
    data = (
        "Region,Sex,count\nNorth,Male,5\nSouth,Male,6\nNorth,Female,7\nSouth,Female,8\n"
        "East,Male,1\nEast,Female,2\nWest,Male,3\nNorth,Female,9\n"
    )
    assert parse_errors(data.encode()) == ["Row 9 repeats the cell Region=North, Sex=Female from row 4."]


def test_parse_total_and_all_are_the_same_margin():
    errors = parse_errors(b"Region,count\nNorth,5\nTotal,5\nall,5\n")
    assert errors == ["Row 4 repeats the cell Region=all from row 3."]


def test_parse_bad_extension_and_broken_workbook():
    assert parse_errors(b"Region,count\nNorth,5\n", "table.pdf") == [
        "The file must be a CSV (.csv) or Excel (.xlsx) spreadsheet."
    ]
    assert parse_errors(b"PK\x03\x04 this is not a workbook", "table.xlsx") == [
        "The file is not a valid Excel (.xlsx) workbook; check it opens in Excel."
    ]
    assert parse_errors(b"\xff\xfe\x00broken", "table.csv") == [
        "The CSV file could not be read as UTF-8 text; save it as 'CSV UTF-8'."
    ]


def test_parse_header_problems():
    assert parse_errors(b"Region,count,value\nNorth,5,5\n") == [
        "The header row has both a 'count' column (a frequency table) and a 'value' column (a magnitude table); "
        "keep only one."
    ]
    assert parse_errors(b"count\n5\n") == [
        "The table needs at least one category column (such as Region) besides the numbers."
    ]
    assert parse_errors(b"Region,,count\nNorth,x,5\n") == ["The column in position 2 has no name in the header row."]
    assert parse_errors(b"Region,region,count\nNorth,x,5\n") == [
        "The header row names the column 'region' more than once; each column may appear once."
    ]
    assert parse_errors(b"Region,count,contributors\nNorth,5,2;3\n") == [
        "A 'contributors' column is only for magnitude tables (with a 'value' column), not counts."
    ]
    assert parse_errors(b"\n\n") == ["The first row must name the columns, for example: Region, Sex, count."]
    assert parse_errors(b"") == [
        "The file is empty: the first row must name the columns, for example: Region, Sex, count."
    ]
    assert parse_errors(b"Region,count\n\n") == ["The table has no data rows under the header."]


def test_parse_weights_and_contributors():
    assert parse_errors(b"Region,count,weight\nNorth,5,0.5\nSouth,5,heavy\n") == [
        "Row 2, column 'weight': the weight must be 1 or more, not 0.5.",
        "Row 3, column 'weight': 'heavy' is not a number.",
    ]
    assert parse_errors(b"Industry,value,contributors\nAg,530,500;20\nBu,10,a;b\n") == [
        "Row 2, column 'contributors': the contributors add up to 520, but the value is 530.",
        "Row 3, column 'contributors': 'a' is not a number (separate contributors with ';').",
    ]
    # Within 0.5% (or 0.01) is accepted: contributors are often rounded.
    table = csv_table("Industry,value,contributors\nAg,1000,500;300;198\nBu,0.5,0.25;0.24\n")
    assert table.cells[0].contributors == (D(500), D(300), D(198))


def test_parse_too_many_rows():
    rows = "".join(f"G{i},1\n" for i in range(MAX_CELLS + 1))
    errors = parse_errors(("Group,count\n" + rows).encode())
    assert errors == ["The table has more than 50,000 data rows; the most one table can have is 50,000."]


def test_parse_value_beyond_the_header():
    assert parse_errors(b"Region,count\nNorth,5,extra\n") == [
        "Row 2 has a value beyond the last named column; name that column or remove it."
    ]


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_parse_good_workbook_matches_the_same_csv():
    data = xlsx_bytes([["Year", "Region", "count"], [2024, "North", 12], [2024, "South", 7.0], [2024, "Total", 19]])
    from_xlsx = parse_table(data, "table.xlsx")
    from_csv = csv_table("Year,Region,count\n2024,North,12\n2024,South,7\n2024,Total,19\n")
    assert from_xlsx == from_csv
    assert from_xlsx.digest == from_csv.digest


def test_parse_workbook_reports_spreadsheet_rows():
    data = xlsx_bytes([["Region", "count"], ["North", 5], [None, None], ["South", "many"]])
    assert parse_errors(data, "table.xlsx") == ["Row 4, column 'count': 'many' is not a number."]


# --- storage: JSON and digests --------------------------------------------------------------------


def test_table_json_round_trip_and_digest():
    table = csv_table(MAGNITUDE.replace("Ho,250,", "Ho,250.50,"))
    data = json.loads(json.dumps(table.to_json()))
    again = Table.from_json(data)
    assert again == table and again.digest == table.digest
    assert data["cells"][7]["value"] == "250.5"
    weighted = csv_table("Group,count,weight\nA,4,2.5\n")
    assert Table.from_json(json.loads(json.dumps(weighted.to_json()))) == weighted
    changed = csv_table(MAGNITUDE.replace("Ho,250,", "Ho,251,"))
    assert changed.digest != table.digest
    assert len(table.digest) == 64


def test_rules_json_round_trip_validation_and_digest():
    rules = Rules(threshold=7, p_percent=D("12.5"), method=Method.PERTURBATION, perturbation_key="s")
    data = json.loads(json.dumps(rules.to_json()))
    assert data["p_percent"] == "12.5" and data["method"] == "perturbation"
    assert Rules.from_json(data) == rules
    assert Rules.from_json(data).digest == rules.digest
    assert Rules().digest == Rules().digest != Rules(threshold=11).digest
    assert Rules.from_json({}) == Rules()
    assert Rules(p_percent=20, method="perturbation", perturbation_key="s") == Rules(
        p_percent=D(20), method=Method.PERTURBATION, perturbation_key="s"
    )
    assert Rules().validate() == []
    assert len(Rules(threshold=0, rounding_base=0, p_percent=D(101), nk_n=0, nk_k=D(-1)).validate()) == 5
    assert Rules(method=Method.PERTURBATION).validate() == [
        "Perturbation needs a secret key, or anyone could work out the adjustments."
    ]
    with pytest.raises(ValueError):
        check_table(csv_table(ONE_WAY), FULL, Rules(threshold=0))
    with pytest.raises(ValueError):
        Rules.from_json({"threshold": "ten"})


def test_check_result_json_round_trip_and_protected_rows():
    table = csv_table(ONE_WAY)
    result = check_table(table, FULL, Rules())
    again = CheckResult.from_json(json.loads(json.dumps(result.to_json())))
    assert again == result
    assert again.rules_digest == Rules().digest and again.table_digest == table.digest
    assert again.protected_rows(table) == [
        ["Group", "count"],
        ["North", "[c]"],
        ["South", "25"],
        ["East", "[c]"],
        ["West", "40"],
        ["Total", "80"],
    ]
    with pytest.raises(ValueError):
        result.protected_rows(csv_table(TWO_WAY))


def test_protected_rows_hold_nothing_but_labels_and_published_values():
    table = csv_table(MAGNITUDE)
    rows = check_table(table, FULL, Rules(p_percent=D(25))).protected_rows(table)
    assert rows[0] == ["Industry", "value"]
    flat = " ".join(" ".join(row) for row in rows)
    for leaked in ("60", "44", ";", "84", "934", "threshold", "secondary"):
        assert leaked not in flat
    assert rows[-1] == ["Total", "935"]


def test_labels_that_look_like_totals_must_be_exactly_total():
    with pytest.raises(TableError) as refused:
        parse_table(b"region,count\nNorth,120\nSouth,3\nAll regions,123\n", "t.csv")
    assert refused.value.errors == [
        "Row 4, column 'region': 'All regions' looks like a total. Label every total exactly 'Total', "
        "so that the cells beneath it are protected from subtraction."
    ]
    assert parse_table(b"region,count\nNorth,120\nAll,120\n", "t.csv").cells[1].is_total


def test_a_workbook_claiming_the_last_column_on_every_row_is_read_within_bounds():
    import tracemalloc

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["region", "count"])
    for row in range(2, 2002):
        sheet.cell(row=row, column=16384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    tracemalloc.start()
    try:
        with pytest.raises(TableError):
            parse_table(buffer.getvalue(), "wide.xlsx")
        assert tracemalloc.get_traced_memory()[1] < 20 * 1024 * 1024
    finally:
        tracemalloc.stop()


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(tables_module, "MAX_UNPACKED_BYTES", 1000)
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<a/>" * 10_000)
    with pytest.raises(TableError) as refused:
        parse_table(book.getvalue(), "bomb.xlsx")
    assert "unpacks to more than" in refused.value.errors[0]


# --- cells given away by combining lines ---------------------------------------------------------

FIVE_BY_FIVE = """Row,Col,count
R1,C1,3
R1,C2,4
R1,C3,60
R1,C4,4
R1,C5,70
R2,C1,4
R2,C2,3
R2,C3,80
R2,C4,90
R2,C5,100
R3,C1,110
R3,C2,120
R3,C3,130
R3,C4,3
R3,C5,4
R4,C1,140
R4,C2,150
R4,C3,160
R4,C4,4
R4,C5,3
R5,C1,170
R5,C2,180
R5,C3,190
R5,C4,200
R5,C5,210
"""


def _with_totals(text: str) -> str:
    """Add row, column and grand totals to a two-way table written as Row,Col,count lines."""
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    lines = text.strip().splitlines()
    for line in lines[1:]:
        row, col, count = line.split(",")
        rows[row] = rows.get(row, 0) + int(count)
        cols[col] = cols.get(col, 0) + int(count)
    extra = [f"{row},Total,{n}" for row, n in rows.items()] + [f"Total,{col},{n}" for col, n in cols.items()]
    return "\n".join([*lines, *extra, f"Total,Total,{sum(rows.values())}"]) + "\n"


def test_exact_check_finds_a_cell_fixed_by_combining_lines():
    # Two 2x2 blocks of small cells (R1-R2 x C1-C2 and R3-R4 x C4-C5) joined by R1,C4 = 4. Every
    # line hides none or at least two cells, yet rows R1 + R2 less columns C1 + C2 leave R1,C4
    # alone: (a11 + a12 + a14) + (a21 + a22) - (a11 + a21) - (a12 + a22) = a14. Nothing else is fixed:
    # each block keeps one free unknown (four equations of rank three).
    table = csv_table(_with_totals(FIVE_BY_FIVE))
    hidden = {("R1", "C1"), ("R1", "C2"), ("R2", "C1"), ("R2", "C2"), ("R1", "C4")}
    hidden |= {("R3", "C4"), ("R3", "C5"), ("R4", "C4"), ("R4", "C5")}
    cells = [
        CellResult(
            key=cell.key,
            raw=cell.value,
            published=None if cell.key in hidden else cell.value,
            flags=(),
            is_total=cell.is_total,
        )
        for cell in table.cells
    ]
    assert verify_protection(table, cells, Rules(max_suppressed_share=D(1))) == [
        "The suppressed cell Row=R1, Col=C4 could be worked out by combining published totals; "
        "hide more cells or combine categories."
    ]


def test_protection_hides_enough_that_no_combination_of_lines_gives_a_cell_away():
    table = csv_table(_with_totals(FIVE_BY_FIVE))
    result = check_table(table, FULL, Rules(rounding_base=1, max_suppressed_share=D(1)))
    assert result.passed, result.problems
    hidden = [cell.published is None for cell in result.cells]
    layout_lines = checks_module.layout_of(table).lines
    assert determined(line_equations(layout_lines, hidden)) == []


def test_small_totals_are_unsafe_too():
    # North has two small cells (1 and 2): both hidden, and their total of 3 is itself a small count.
    table = csv_table(
        "Region,Sex,count\nNorth,F,1\nNorth,M,2\nNorth,Total,3\nSouth,F,40\nSouth,M,50\nSouth,Total,90\n"
        "Total,F,41\nTotal,M,52\nTotal,Total,93\n"
    )
    result = check_table(table, FULL, Rules(rounding_base=1, max_suppressed_share=D(1)))
    assert by_key(result)[("North", "Total")].flags == (Flag.THRESHOLD,)
    assert published(result)[("North", "Total")] is None
    assert result.passed


def test_a_partner_that_closes_two_lines_at_once_is_preferred():
    # North West / Female = 4 is unsafe. Column Female: hide North East / Female (210, the smallest).
    # Row North East then needs a partner: North East / Male (202). Column Male now has one hidden
    # cell; of its candidates, North West / Male (690) also closes row North West, which has one,
    # so it is chosen over the smaller East Midlands / Male (325): a rectangle of four, not six.
    table = csv_table(_with_totals("Region,Sex,count\nNE,F,210\nNE,M,202\nNW,F,4\nNW,M,690\nEM,F,330\nEM,M,325\n"))
    result = check_table(table, FULL, Rules(max_suppressed_share=D("0.7")))
    assert hidden_keys(result) == {("NE", "F"), ("NE", "M"), ("NW", "F"), ("NW", "M")}
    assert result.passed


# --- protection intervals: hand-worked examples (Hundepool et al. 2012, ch. 4) ----------------------------------


def test_p_percent_protection_level_by_hand():
    # X = 100 from 60, 30 and 10; p = 25. The second contributor estimates the largest as
    # U - 30 from an upper bound U; it must be at least 25% above 60 (75), so U >= 105:
    # protection 0.25 * 60 - (100 - 60 - 30) = 15 - 10 = 5.
    assert p_percent_protection([D(60), D(30), D(10)], D(100), D(25)) == D(5)
    # A safe cell needs none (the formula is negative): 40, 30, 30 at p = 10.
    assert p_percent_protection([D(40), D(30), D(30)], D(100), D(10)) < 0


def test_nk_protection_level_by_hand():
    # (2, 85): 45 + 45 = 90 > 85 of 100. An intruder must not rule out totals up to 90 / 0.85.
    assert nk_protection([D(45), D(45), D(10)], D(100), 2, D(85)) == D(100) / D(85) * 90 - 100


def test_frequency_protection_reaches_the_threshold_or_a_fixed_amount():
    assert frequency_protection(D(4), 10, Rules()).upper == D(6)
    assert frequency_protection(D(4), 10, Rules(frequency_protection=3)).upper == D(3)
    assert frequency_protection(D(4), 10, Rules()).lower == 0


def test_protection_intervals_of_a_small_two_way_table_by_hand():
    # A1=4 A2=20 | 24         Hiding the four interior cells, with every total published:
    # B1=30 B2=46 | 76        A1 = t, A2 = 24 - t, B1 = 34 - t, B2 = 42 + t, all >= 0,
    # 34    66    | 100       so t runs over [0, 24]: A1 in [0, 24], B1 in [10, 34], B2 in [42, 66].
    table = csv_table(_with_totals("R,C,count\nA,1,4\nA,2,20\nB,1,30\nB,2,46\n"))
    keys = [cell.key for cell in table.cells]
    layout = checks_module.layout_of(table)
    lines, signs = equations(layout)
    values = [float(cell.value) for cell in table.cells]
    hidden = [TOTAL_LABEL not in key for key in keys]
    report = audit(values, lines, signs, hidden, {keys.index(("A", "1")): Requirement(0, 6)}, exact_intervals=True)
    found = {keys[i]: interval for i, interval in report.intervals.items()}
    assert found == {("A", "1"): (0, 24), ("A", "2"): (0, 24), ("B", "1"): (10, 34), ("B", "2"): (42, 66)}
    assert report.passed
    # A protection of 21 above A1 = 4 needs 25: beyond the 24 the table allows.
    short = audit(values, lines, signs, hidden, {keys.index(("A", "1")): Requirement(0, 21)})
    assert short.short == [keys.index(("A", "1"))]


def test_an_insider_alone_in_a_hidden_cell_must_not_narrow_another():
    # Total 100 = A (one firm, 50) + B (45 = 40 + 5) + C (5 = 3 + 2). Hiding A and B only:
    # the firm in A knows 50, so B = 100 - 50 - 5 exactly. The audit must say so.
    table = csv_table("Industry,value,contributors\nA,50,50\nB,45,40;5\nC,5,3;2\nTotal,100,\n")
    layout = checks_module.layout_of(table)
    lines, signs = equations(layout)
    values = [float(cell.value) for cell in table.cells]
    needs = {0: Requirement(5, 5), 1: Requirement(4, 4)}
    report = audit(values, lines, signs, [True, True, False, False], needs, {0: Knowledge(50, 50)})
    assert report.short == [] and report.insider_short == [(0, 1)]
    # The check hides C too (and the total, which gives nothing away alone), so the insider learns no more.
    result = check_table(table, FULL, Rules(rounding_base=1, max_suppressed_share=D(1)))
    assert result.passed, result.problems
    assert published(result)[("C",)] is None
    assert result.audit["insiders_checked"] >= 1 and result.audit["insider_short"] == 0


def test_a_margin_dominated_by_one_contributor_is_hidden_like_any_cell():
    # Each cell is safe, but the uploaded contributors of the North total show one firm
    # holding 150 of 200 across both cells: (2, 85) fails on the total (150 + 30 > 170).
    table = csv_table(
        "Region,Sector,value,contributors\n"
        "North,A,100,60;20;20\nNorth,B,100,90;5;5\nNorth,Total,200,150;30;20\n"
        "South,A,300,100;100;100\nSouth,B,300,100;100;100\nSouth,Total,600,\n"
        "Total,A,400,\nTotal,B,400,\nTotal,Total,800,\n"
    )
    old = Rules(rounding_base=1, max_suppressed_share=D(1), nk_k=D(85), p_percent=D(5))
    result = check_table(table, FULL, old)
    assert Flag.NK in by_key(result)[("North", "Total")].flags
    assert published(result)[("North", "Total")] is None
    assert result.audit["margins_checked"] >= 1
    assert result.passed, result.problems


def test_zero_cells_and_group_disclosure_follow_the_rules():
    table = csv_table("Group,count\nA,0\nB,40\nC,0\nTotal,40\n")
    assert check_table(table, FULL, Rules(group_disclosure="off")).counts["primary"] == 0
    grouped = check_table(table, FULL, Rules(group_disclosure=True, max_suppressed_share=D(1)))
    # Everyone is in B: publishing it with the zeros says every member of the group is a B.
    assert Flag.GROUP in by_key(grouped)[("B",)].flags and published(grouped)[("B",)] is None
    zeros = check_table(table, FULL, Rules(zeros_disclosive=True, max_suppressed_share=D(1)))
    assert Flag.THRESHOLD in by_key(zeros)[("A",)].flags and published(zeros)[("A",)] is None


def test_bad_protection_settings_are_refused_in_plain_words():
    problems = Rules(p_percent=D(101), frequency_protection=-1, protection_scale=D(-1)).validate()
    assert "The p% rule's p must be between 0 and 100." in problems
    assert "The protection level of counts must be 0 or more." in problems
    assert "The protection level multiplier must be 0 or more." in problems
    with pytest.raises(ValueError, match="not valid"):
        check_table(csv_table(ONE_WAY), FULL, Rules(frequency_protection=-1))


def test_the_report_gives_the_cost_against_the_lp_lower_bound():
    rules = Rules(max_suppressed_share=D(1), secondary_cost="cells")  # the cost is then the number of cells
    result = check_table(csv_table(_with_totals(FIVE_BY_FIVE)), FULL, rules)
    pattern = result.audit["pattern"]
    assert pattern["method"] == "optimal"
    assert pattern["lower_bound"] is not None and pattern["lower_bound"] <= pattern["cost"] + 1e-6
    assert result.counts["secondary"] == round(pattern["cost"])


def test_sample_lines_add_up_within_what_rounding_allows_with_a_weight_per_row():
    # Each row its own weight; before, a total was grossed by a weight of its own and a line
    # could differ from its cells by far more than rounding. Now each published total is the
    # rounded sum of its grossed cells, so it differs from the sum of its rounded cells by at
    # most half a base per number in the line.
    rows = ["Region,Sex,count,weight"]
    weights = {"N": "37.5", "S": "52", "E": "41.25"}
    counts = {("N", "F"): 120, ("N", "M"): 95, ("S", "F"): 210, ("S", "M"): 180, ("E", "F"): 75, ("E", "M"): 88}
    for (region, sex), count in counts.items():
        rows.append(f"{region},{sex},{count},{weights[region]}")
    for region in weights:
        rows.append(f"{region},Total,{counts[region, 'F'] + counts[region, 'M']},")
    for sex in ("F", "M"):
        rows.append(f"Total,{sex},{sum(v for (r, s), v in counts.items() if s == sex)},")
    rows.append(f"Total,Total,{sum(counts.values())},")
    table = csv_table("\n".join(rows) + "\n")
    result = check_table(table, SAMPLE, Rules(rounding_base=5, min_sample_cases=10))
    assert result.passed, result.problems
    shown = published(result)
    for members, margin in [([(r, "F"), (r, "M")], (r, "Total")) for r in weights] + [
        ([(r, s) for r in weights], ("Total", s)) for s in ("F", "M")
    ]:
        slack = D("2.5") * (len(members) + 1)
        assert abs(shown[margin] - sum(shown[m] for m in members)) <= slack, (margin, shown)
    grand = sum(shown[(r, "Total")] for r in weights)
    assert abs(shown[("Total", "Total")] - grand) <= D("2.5") * 4


def test_the_audit_s_solution_pool_answers_as_the_whole_matrix_would():
    """The pool's kept extremes, with some rows left out, equal a fresh max and min over the rows kept."""
    rng = np.random.default_rng(20261201)
    pool = _Pool(12)
    for _ in range(40):
        row = np.zeros(12)
        touched = rng.choice(12, size=4, replace=False)
        row[touched] = rng.normal(0, 50, size=4)  # sparse, as the audit's changes are
        pool.append(row)
        matrix = pool.matrix
        for _ in range(5):
            keep = rng.random(matrix.shape[0]) < 0.8
            if not keep.any():
                continue
            columns = rng.choice(12, size=6, replace=False)
            high, low = pool.extremes(keep, columns)
            assert np.array_equal(high, matrix[keep][:, columns].max(axis=0))
            assert np.array_equal(low, matrix[keep][:, columns].min(axis=0))


def test_a_change_found_for_one_cell_is_stretched_to_answer_its_partners():
    """A rectangle found to move one cell is a multiple of what the table allows: stretched, it settles all four.

    As in the hand-worked table above, a change t moves A1 and B2 up and A2 and B1 down, for any
    t in [-4, 20]. One program finds t = 6 for A1; stretched to both ends it shows every corner
    moving as far as asked, so no other program is solved. The answer is the exact audit's.
    """
    table = csv_table(_with_totals("R,C,count\nA,1,4\nA,2,20\nB,1,30\nB,2,46\n"))
    keys = [cell.key for cell in table.cells]
    lines, signs = equations(checks_module.layout_of(table))
    values = [float(cell.value) for cell in table.cells]
    hidden = [TOTAL_LABEL not in key for key in keys]
    needs = {
        keys.index(("A", "1")): Requirement(0, 6),
        keys.index(("A", "2")): Requirement(10, 3),
        keys.index(("B", "1")): Requirement(10, 3),
        keys.index(("B", "2")): Requirement(3, 10),
    }
    report = audit(values, lines, signs, hidden, needs)
    assert report.passed and report.programs == 1
    assert audit(values, lines, signs, hidden, needs, exact_intervals=True).passed
    # Asking beyond the table's reach is still refused: B2 cannot fall by more than 4.
    beyond = needs | {keys.index(("B", "2")): Requirement(5, 10)}
    assert audit(values, lines, signs, hidden, beyond).short == [keys.index(("B", "2"))]


class _Inconclusive:
    """A stand-in for HiGHS that gives no verdict until its warm start is cleared (or never)."""

    def __init__(self, clears_help: bool):
        self.clears_help, self.cleared, self.runs = clears_help, False, 0

    def run(self):
        self.runs += 1

    def clearSolver(self):
        self.cleared = True

    def getModelStatus(self):
        if self.cleared and self.clears_help:
            return highspy.HighsModelStatus.kOptimal
        return highspy.HighsModelStatus.kUnknown


def test_an_inconclusive_solve_is_tried_again_from_a_cold_start():
    from governance.disclosure.solver import solve

    settles = _Inconclusive(clears_help=True)
    assert solve(settles) == highspy.HighsModelStatus.kOptimal
    assert settles.cleared and settles.runs == 2
    stubborn = _Inconclusive(clears_help=False)
    assert solve(stubborn) == highspy.HighsModelStatus.kUnknown and stubborn.runs == 2


def test_an_audit_without_a_verdict_assumes_the_worst_and_never_crashes(monkeypatch):
    """No answer from the solver even from a cold start: the cell counts as pinned, so the table is not published."""
    from governance.disclosure import intervals

    table = csv_table(_with_totals("R,C,count\nA,1,4\nA,2,20\nB,1,30\nB,2,46\n"))
    keys = [cell.key for cell in table.cells]
    lines, signs = equations(checks_module.layout_of(table))
    values = [float(cell.value) for cell in table.cells]
    hidden = [TOTAL_LABEL not in key for key in keys]
    monkeypatch.setattr(intervals, "solve", lambda highs: highspy.HighsModelStatus.kUnknown)
    report = audit(values, lines, signs, hidden, {keys.index(("A", "1")): Requirement(0, 6)}, exact_intervals=True)
    assert not report.passed
    assert report.exact == sorted(i for i, h in enumerate(hidden) if h)


def _two_by_two():
    table = csv_table(_with_totals("R,C,count\nA,1,4\nA,2,20\nB,1,30\nB,2,46\n"))
    keys = [cell.key for cell in table.cells]
    lines, signs = equations(checks_module.layout_of(table))
    values = [float(cell.value) for cell in table.cells]
    hidden = [TOTAL_LABEL not in key for key in keys]
    return keys, values, lines, signs, hidden


def test_changes_from_an_earlier_round_answer_the_next_audit_without_programs():
    keys, values, lines, signs, hidden = _two_by_two()
    needs = {keys.index(("A", "1")): Requirement(0, 6), keys.index(("B", "2")): Requirement(3, 10)}
    first = audit(values, lines, signs, hidden, needs)
    assert first.passed and first.programs >= 1 and first.changes
    again = audit(values, lines, signs, hidden, needs, earlier=first.changes)
    assert again.passed and again.programs == 0 and again.reused == len(first.changes)


def test_a_forged_earlier_change_is_checked_and_cannot_pass_a_short_table():
    """An intruder's view cannot be argued away: every carried change is checked against the table first."""
    keys, values, lines, signs, hidden = _two_by_two()
    a1, a2, b1, b2 = (keys.index(key) for key in [("A", "1"), ("A", "2"), ("B", "1"), ("B", "2")])
    needs = {a1: Requirement(0, 21)}  # A1 = 4 can reach 24 at most: short
    cells = np.array([a1, a2, b1, b2])
    forged = [
        (cells, np.array([25.0, -25.0, -25.0, 25.0])),  # A2 would go below zero
        (np.array([a1, b2]), np.array([25.0, 25.0])),  # the lines no longer add up
        (np.array([a1, keys.index(("A", TOTAL_LABEL))]), np.array([25.0, 25.0])),  # moves a published total
    ]
    report = audit(values, lines, signs, hidden, needs, earlier=forged)
    assert report.reused == 0
    assert report.short == [a1] and not report.passed
