"""Exchange with tau-ARGUS and sdcTable (the JJ format), and the choice of what secondary suppression minimises."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from governance.disclosure import Extract, Flag, Rules, Table, check_table, parse_table
from governance.disclosure.checks import GIVEN_PATTERN, check_pattern
from governance.disclosure.jj import (
    MARKED,
    MAX_JJ_CELLS,
    SAFE,
    UNSAFE,
    JJCell,
    JJError,
    JJRelation,
    from_jj,
    pattern_from,
    problem_of,
    to_jj,
)
from governance.disclosure.layout import layout_of
from governance.disclosure.pattern import costs_for
from governance.disclosure.tables import Cell, TableError, parse_hrc, with_hierarchy
from tests.releases import intruder

pytestmark = pytest.mark.no_database

D = Decimal
FULL = Extract.FULL
RULES = Rules(rounding_base=1, max_suppressed_share=D(1))


def two_way() -> Table:
    interior = {
        (f"r{r}", f"c{c}"): D(v)
        for (r, c), v in zip(
            [(r, c) for r in range(3) for c in range(4)], [3, 25, 40, 18, 30, 2, 45, 22, 27, 33, 19, 41], strict=True
        )
    }
    cells = tuple(Cell(key=k, value=v) for k, v in intruder.all_margins(interior, 2).items())
    return Table(("Row", "Column"), "count", "frequency", cells)


def three_way() -> Table:
    values = iter([12, 4, 30, 22, 17, 25, 3, 40, 26, 31, 14, 19])
    interior = {(f"a{a}", f"b{b}", f"c{c}"): D(next(values)) for a in range(3) for b in range(2) for c in range(2)}
    cells = tuple(Cell(key=k, value=v) for k, v in intruder.all_margins(interior, 3).items())
    return Table(("A", "B", "C"), "count", "frequency", cells)


HIERARCHICAL = (
    "Region,Sex,count\n"
    "North East,F,12\nNorth East,M,3\nNorth East,Total,15\n"
    "North West,F,14\nNorth West,M,11\nNorth West,Total,25\n"
    "North,F,26\nNorth,M,14\nNorth,Total,40\n"
    "South East,F,20\nSouth East,M,15\nSouth East,Total,35\n"
    "South West,F,13\nSouth West,M,12\nSouth West,Total,25\n"
    "South,F,33\nSouth,M,27\nSouth,Total,60\n"
    "Total,F,59\nTotal,M,41\nTotal,Total,100\n"
)
HRC = "North\n@North East\n@North West\nSouth\n@South East\n@South West\n"


def hierarchical() -> Table:
    return with_hierarchy(parse_table(HIERARCHICAL.encode(), "t.csv"), "Region", parse_hrc(HRC))


def magnitude() -> Table:
    text = (
        "Region,Sector,value,contributors\n"
        "North,A,300,280;10;10\nNorth,B,120,40;40;40\nNorth,Total,420,\n"
        "South,A,300,100;100;100\nSouth,B,330,110;110;110\nSouth,Total,630,\n"
        "Total,A,600,\nTotal,B,450,\nTotal,Total,1050,\n"
    )
    return parse_table(text.encode(), "t.csv")


SHAPES = {"two-way": two_way, "three-way": three_way, "hierarchical": hierarchical, "magnitude": magnitude}


def hidden_of(result) -> list[bool]:
    return [cell.published is None for cell in result.cells]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_table_shape_goes_out_and_comes_back_the_same(shape):
    table = SHAPES[shape]()
    result = check_table(table, FULL, RULES)
    assert result.passed, result.problems
    problem = problem_of(table, RULES, hidden=hidden_of(result))
    text = to_jj(problem)
    assert text.splitlines()[0] == "0" and text.splitlines()[1] == str(len(table.cells))
    back = from_jj(text)
    assert back == problem
    # Every line of the table is a relation, and each holds on the values.
    assert len(back.relations) == len(layout_of(table).lines)
    assert back.unbalanced() == []
    statuses = [cell.status for cell in back.cells]
    primaries = [i for i, cell in enumerate(result.cells) if Flag.SECONDARY not in cell.flags and cell.suppressed]
    assert [i for i, s in enumerate(statuses) if s == UNSAFE] == primaries
    assert all(statuses[i] == MARKED for i, c in enumerate(result.cells) if Flag.SECONDARY in c.flags)
    assert all(cell.upper_protection > 0 or cell.lower_protection > 0 for cell in back.cells if cell.status == UNSAFE)
    # The pattern read back is the one sent out, and it passes the audit here as it did.
    assert pattern_from(back, problem_of(table, RULES)) == hidden_of(result)
    again = check_pattern(table, FULL, RULES, pattern_from(back, problem_of(table, RULES)))
    assert again.passed and again.audit["pattern"]["method"] == GIVEN_PATTERN
    assert hidden_of(again) == hidden_of(result)


SPEC_EXAMPLE = """0
5
0 20 20 s 0 1000 0 0 0
1 3 3 u 0 1000 0 7 0
2 17 17 s 0 1000 0 0 0
3 0 1 z 0 0 0 0 0
4 40 40 m 0 1000 0 0 0
2
0 4 : 0 (-1) 1 (1) 2 (1) 3 (1)
0.0 2 : 4(-1) 0(2)
"""


def test_a_hand_written_file_reads_as_the_format_says():
    problem = from_jj(SPEC_EXAMPLE)
    assert [cell.status for cell in problem.cells] == ["s", "u", "s", "z", "m"]
    assert problem.cells[1] == JJCell(1, D(3), D(3), "u", D(0), D(1000), D(0), D(7), D(0))
    assert problem.cells[3].upper == 0
    assert problem.relations == (
        JJRelation(D(0), ((0, -1), (1, 1), (2, 1), (3, 1))),
        JJRelation(D(0), ((4, -1), (0, 2))),  # sdcTable writes "0(2)" without the space
    )
    assert problem.unbalanced() == []
    assert [cell.hidden for cell in problem.cells] == [False, True, False, False, True]
    assert from_jj(to_jj(problem)) == problem


def test_a_faulty_file_is_refused_with_every_problem_listed():
    faulty = """0
4
0 20 20 s 0 1000 0 0 0
2 3 three q 0 1000 0 7 0
2 17 17 s 0 10 0 0 -1
3 0 1 z 0 0 0 0
2
0 4 : 0 (-1) 1 (1) 2 (1) 9 (1)
0 3 : 0 (-1) 1 (0)
"""
    with pytest.raises(JJError) as caught:
        from_jj(faulty)
    errors = caught.value.errors
    joined = " | ".join(errors)
    assert "Line 4: cells are numbered from 0 in order; expected 1" in joined
    assert "Line 4: the cost 'three' is not a number" in joined
    assert "Line 4: the status 'q' is not one of s, u, z or m" in joined
    assert "Line 5: the sliding protection level must be 0 or more" in joined
    assert "Line 5: the value 17 is not between its lower and upper bounds" in joined
    assert "Line 6: a cell has 9 items" in joined
    assert "Line 8: the relation names cell 9, but the file has 4 cells" in joined
    assert "Line 9: the coefficient '0' is not a whole number other than 0" in joined
    assert "Line 9: the relation says it has 3 cells but lists 2" in joined
    # Nothing is partly read: the same file with one fault is refused too.
    with pytest.raises(JJError, match="not one of"):
        from_jj(SPEC_EXAMPLE.replace("3 0 1 z", "3 0 1 x"))


def test_files_beyond_the_limits_are_refused_before_they_are_read():
    with pytest.raises(JJError, match="at most 1,000,000 can be read"):
        from_jj(f"0\n{MAX_JJ_CELLS + 1}\n")
    with pytest.raises(JJError, match="at most 200,000 can be read"):
        from_jj("0\n1\n0 1 1 s 0 10 0 0 0\n500000\n")
    with pytest.raises(JJError, match="longer than"):
        from_jj("0\n1\n" + "0 " * 2_100_000 + "\n")
    with pytest.raises(JJError, match="too long for a cell"):
        from_jj("0\n1\n0 1 1 s 0 10 0 0 0" + " " * 2000 + "\n0\n")
    with pytest.raises(JJError, match="ends after 1 of its 3 cells"):
        from_jj("0\n3\n0 1 1 s 0 10 0 0 0\n")
    with pytest.raises(JJError, match="goes on after its last relation"):
        from_jj("0\n1\n0 1 1 s 0 10 0 0 0\n0\n7\n")
    with pytest.raises(JJError, match="empty"):
        from_jj("\n\n")


def test_a_pattern_from_elsewhere_must_be_of_this_table():
    table = two_way()
    expected = problem_of(table, RULES)
    hidden = hidden_of(check_table(table, FULL, RULES))
    sent = problem_of(table, RULES, hidden=hidden)
    changed = replace(sent, cells=(replace(sent.cells[0], value=D(4)), *sent.cells[1:]))
    with pytest.raises(JJError, match="values other than this table's"):
        pattern_from(changed, expected)
    fewer = replace(sent, relations=sent.relations[1:])
    with pytest.raises(JJError, match="relations are not this table's"):
        pattern_from(fewer, expected)
    with pytest.raises(JJError, match="it is not this table"):
        pattern_from(replace(sent, cells=sent.cells[1:]), expected)
    # A structural zero is known to every reader: no pattern hides it.
    zeros = parse_table(b"Region,count,status\nA,12,\nB,0,structural zero\nC,3,\nTotal,15,\n", "t.csv")
    out = problem_of(zeros, RULES, hidden=[False, True, True, False])
    assert [cell.status for cell in out.cells] == ["s", "z", "u", "s"] and out.cells[1].upper == 0
    hides_zero = replace(out, cells=tuple(replace(c, status=MARKED) if c.index == 1 else c for c in out.cells))
    with pytest.raises(JJError, match="Structural zeros are never hidden"):
        pattern_from(hides_zero, problem_of(zeros, RULES))
    # Relations listed in another order, cells within them too, are the same relations.
    shuffled = replace(
        sent, relations=tuple(JJRelation(r.rhs, tuple(reversed(r.terms))) for r in reversed(sent.relations))
    )
    assert pattern_from(shuffled, expected) == hidden


def test_a_pattern_from_elsewhere_is_audited_before_it_is_accepted():
    table = two_way()
    result = check_table(table, FULL, RULES)
    primary = [i for i, c in enumerate(result.cells) if c.suppressed and Flag.SECONDARY not in c.flags]
    # Only the primary cells hidden: each is given away by its lines.
    bare = [i in primary for i in range(len(table.cells))]
    refused = check_pattern(table, FULL, RULES, bare)
    assert not refused.passed and any("recovered" in p for p in refused.problems)
    # A primary cell left published is named.
    shown = hidden_of(result)
    shown[primary[0]] = False
    named = check_pattern(table, FULL, RULES, shown)
    assert not named.passed and any("unsafe to publish but would be shown" in p for p in named.problems)
    # Hiding more than needed (two whole rows besides) is safe, and accepted.
    extra = hidden_of(result)
    for i, cell in enumerate(table.cells):
        if cell.key[0] in ("r1", "r2"):
            extra[i] = True
    assert check_pattern(table, FULL, RULES, extra).passed
    # Perturbation rules have no pattern to check.
    perturbed = replace(RULES, method="perturbation", perturbation_key="k")
    assert not check_pattern(table, FULL, perturbed, hidden_of(result)).passed


# --- what secondary suppression minimises ----------------------------------------------------------

# Two primary counts, 2 and 3, on a diagonal. Hiding the two big cells beside them protects both
# with the fewest cells; hiding small cells around them hides the least value; weights that make
# every interior cell dear move the pattern onto the margins.
COST_CELLS = {
    ("r1", "c1"): 2,
    ("r1", "c2"): 500,
    ("r1", "c3"): 13,
    ("r2", "c1"): 400,
    ("r2", "c2"): 3,
    ("r2", "c3"): 14,
    ("r3", "c1"): 12,
    ("r3", "c2"): 11,
    ("r3", "c3"): 15,
}


def cost_table(weights: dict | None = None) -> Table:
    cells = intruder.all_margins({k: D(v) for k, v in COST_CELLS.items()}, 2)
    weights = weights or {}
    return Table(
        ("Row", "Column"),
        "count",
        "frequency",
        tuple(Cell(key=k, value=v, cost=weights.get(k)) for k, v in cells.items()),
    )


def secondaries(result) -> set[tuple[str, ...]]:
    return {cell.key for cell in result.cells if Flag.SECONDARY in cell.flags}


def test_each_cost_choice_changes_the_pattern_and_every_pattern_passes_the_audit():
    weights = {cell.key: D(1) if cell.is_total else D(100) for cell in cost_table().cells}  # margins cheap
    patterns = {}
    for by in ("value", "cells", "weight"):
        result = check_table(cost_table(weights), FULL, replace(RULES, secondary_cost=by))
        assert result.passed, (by, result.problems)  # the verifier's LP audit passed
        assert result.audit["pattern"]["method"] == "optimal"
        patterns[by] = secondaries(result)
    assert patterns["cells"] == {("r1", "c2"), ("r2", "c1")}
    assert len(patterns["value"]) > 2 and all(COST_CELLS.get(key, 999) < 20 for key in patterns["value"])
    assert patterns["weight"] and all("Total" in key for key in patterns["weight"])
    assert len({frozenset(p) for p in patterns.values()}) == 3
    # Without weights, "weight" is every cell at 1: the fewest cells, as "cells".
    unweighted = check_table(cost_table(), FULL, replace(RULES, secondary_cost="weight"))
    assert unweighted.passed and secondaries(unweighted) == patterns["cells"]


def test_costs_for_each_choice():
    values = [10.0, 0.0, 5.0]
    assert costs_for(values, "value")[0] > costs_for(values, "value")[2] > costs_for(values, "value")[1] > 0
    cells = costs_for(values, "cells")
    assert all(1 <= c < 1.5 for c in cells) and cells[1] < cells[2] < cells[0]  # ties go to the smaller cells
    weighted = costs_for(values, "weight", [3.0, 1.0, 2.0])
    assert 3 <= weighted[0] < 3.5 and 1 <= weighted[1] < 1.5 and 2 <= weighted[2] < 2.5
    assert costs_for(values, "weight") == cells


def test_the_cost_column_is_read_with_the_table_and_checked():
    table = parse_table(b"Region,count,cost\nA,12,2.5\nB,30,\nTotal,42,1\n", "t.csv")
    assert [cell.cost for cell in table.cells] == [D("2.5"), None, D(1)]
    assert Table.from_json(table.to_json()) == table
    with pytest.raises(TableError) as caught:
        parse_table(b"Region,count,cost\nA,12,none\nB,30,0\nTotal,42,\n", "t.csv")
    assert len(caught.value.errors) == 2
    assert "'none' is not a number" in caught.value.errors[0]
    assert "must be above 0" in caught.value.errors[1]
    # The weight of hiding a cell is what "weight" exports as its cost, and "value" its value.
    assert [c.cost for c in problem_of(table, Rules(secondary_cost="weight")).cells] == [D("2.5"), D(1), D(1)]
    assert [c.cost for c in problem_of(table, Rules()).cells] == [D(12), D(30), D(42)]
    assert {c.status for c in problem_of(table, Rules()).cells} == {SAFE}
