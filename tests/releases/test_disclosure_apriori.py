"""A-priori statements (tau-ARGUS's .hst file): what disclosure control knows that the rules cannot.

Plain Python: no database. Each statement changes the check as stated, and the bounds every reader
knows are held against the engine by an intruder written apart (``tests.releases.intruder``).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from governance.disclosure import Extract, Rules, Table, check_table, parse_table
from governance.disclosure.apriori import AprioriError, read_apriori, to_apriori, with_apriori
from governance.disclosure.primary import PRIMARY_FLAGS, Flag
from tests.releases import intruder

FULL = Extract.FULL
RULES = Rules(threshold=10, rounding_base=1, max_suppressed_share=D(1))
REGIONS = (
    "Region,Sex,count\nA,F,3\nA,M,30\nA,X,25\nA,Total,58\nB,F,40\nB,M,50\nB,X,35\nB,Total,125\n"
    "C,F,45\nC,M,38\nC,X,60\nC,Total,143\nTotal,F,88\nTotal,M,118\nTotal,X,120\nTotal,Total,326\n"
)


def table_of(text: str = REGIONS) -> Table:
    return parse_table(text.encode("utf-8"), "table.csv")


def cell(result, *key: str):
    return next(c for c in result.cells if c.key == key)


def hidden_of(result) -> list[bool]:
    return [c.published is None for c in result.cells]


def test_a_file_states_each_cell_and_reads_back():
    table = read_apriori(
        '"A";"F";s\nB;M;u\nB;M;pl;4;6\nTotal;Total;p\nC;X;c;2\n# a comment\n\nC;F;b;40;50\n', table_of()
    )
    stated = {c.key: c.apriori for c in table.cells if c.apriori is not None}
    assert stated[("A", "F")].status == "safe"
    assert (stated[("B", "M")].status, stated[("B", "M")].lower_protection) == ("unsafe", D(4))
    assert stated[("Total", "Total")].status == "protected"
    assert stated[("C", "X")].cost == D(2)
    assert (stated[("C", "F")].lower_bound, stated[("C", "F")].upper_bound) == (D(40), D(50))
    assert read_apriori(to_apriori(table), table_of()) == table
    assert Table.from_json(table.to_json()) == table
    assert table.digest != table_of().digest  # a table with statements is checked again


def test_every_problem_in_a_file_is_listed_at_once_and_nothing_is_applied():
    text = (
        "A;F\n"  # too few fields
        "Z;F;u\n"  # no such cell
        "A;F;q\n"  # not a statement
        "A;M;c;-1\n"  # cost not above 0
        "A;M;pl;x;1\n"  # not a number
        "A;X;b;30;40\n"  # bounds not holding 25
        "B;F;u\nB;F;s\n"  # stated twice, otherwise
        "B;X;s\nB;X;pl;1;2\n"  # levels on a safe cell
    )
    with pytest.raises(AprioriError) as refused:
        read_apriori(text, table_of())
    errors = refused.value.errors
    assert len(errors) == 8, errors
    assert errors[0].startswith("Line 1: name the cell by 2 codes")
    assert "the table has no cell Z, F" in errors[1]
    assert "'q' is not a statement" in errors[2]
    assert "must be above 0" in errors[3]
    assert "'pl' takes 2 numbers" in errors[4]
    assert "do not hold the cell's value, 25" in errors[5]
    assert "B, F is already stated unsafe" in errors[6]
    assert "protection levels are for unsafe cells" in errors[7]
    with pytest.raises(AprioriError, match="states nothing"):
        read_apriori("# nothing\n", table_of())
    structural = table_of("Group,count,status\nA,0,structural zero\nB,40,\nC,3,\nTotal,43,\n")
    with pytest.raises(AprioriError, match="structural zero"):
        read_apriori("A;u\n", structural)


def test_a_cell_stated_unsafe_is_hidden_and_protected_by_the_manual_range():
    table = read_apriori("B;M;u\n", table_of())
    result = check_table(table, FULL, RULES)
    assert result.passed, result.problems
    assert Flag.MANUAL in cell(result, "B", "M").flags and cell(result, "B", "M").published is None
    keys, values = [c.key for c in table.cells], [float(c.value) for c in table.cells]
    low, high = intruder.intervals(values, keys, hidden_of(result))[keys.index(("B", "M"))]
    assert low <= 50 - 15 + 1e-9 and high >= 50 + 15 - 1e-9  # 30% of 50 either way
    with_levels = check_table(read_apriori("B;M;u\nB;M;pl;20;25\n", table_of()), FULL, RULES)
    low, high = intruder.intervals(values, keys, hidden_of(with_levels))[keys.index(("B", "M"))]
    assert low <= 30 + 1e-9 and high >= 75 - 1e-9


def test_a_cell_stated_safe_is_published_although_the_rules_flag_it():
    assert cell(check_table(table_of(), FULL, RULES), "A", "F").published is None
    result = check_table(read_apriori("A;F;s\n", table_of()), FULL, RULES)
    assert result.passed and cell(result, "A", "F").published == 3
    assert not PRIMARY_FLAGS.intersection(cell(result, "A", "F").flags)


def test_a_protected_cell_is_never_hidden_and_a_protected_unsafe_cell_is_refused():
    plain = check_table(table_of(), FULL, RULES)
    hidden = [c.key for c in plain.cells if c.published is None and not PRIMARY_FLAGS.intersection(c.flags)]
    assert hidden  # the rules' pattern hides secondaries; protect the first of them
    kept = hidden[0]
    result = check_table(read_apriori(f"{kept[0]};{kept[1]};p\n", table_of()), FULL, RULES)
    assert result.passed, result.problems
    assert cell(result, *kept).published is not None
    refused = check_table(read_apriori("A;F;p\n", table_of()), FULL, RULES)
    assert not refused.passed
    assert any("A" in p and "protected in the a-priori file" in p and "unsafe" in p for p in refused.problems)


def test_a_stated_cost_steers_the_pattern_away_from_a_cell():
    plain = check_table(table_of(), FULL, RULES)
    secondary = next(c.key for c in plain.cells if Flag.SECONDARY in c.flags)
    dear = check_table(read_apriori(f"{secondary[0]};{secondary[1]};c;1000000\n", table_of()), FULL, RULES)
    assert dear.passed and cell(dear, *secondary).published is not None


def test_bounds_every_reader_knows_are_held_against_the_pattern():
    # The rules' pattern hides A/F (3) with a rectangle of secondaries. A reader who knows one of
    # those secondaries to within 1 pins A/F; stated a priori, the engine must protect A/F anyway.
    table = table_of()
    keys, values = [c.key for c in table.cells], [float(c.value) for c in table.cells]
    plain = check_table(table, FULL, RULES)
    primary = keys.index(("A", "F"))
    secondaries = [i for i, c in enumerate(plain.cells) if Flag.SECONDARY in c.flags and not c.is_total]
    known = secondaries[0]
    bound = (values[known] - 0.5, values[known] + 0.5)
    _low, high = intruder.intervals(values, keys, hidden_of(plain), fixed={known: bound})[primary]
    assert high < 10 - 1e-9  # the attack: without the statement, the pattern falls short of the threshold

    label = ";".join(keys[known])
    stated = read_apriori(f"{label};b;{bound[0]};{bound[1]}\n", table)
    result = check_table(stated, FULL, RULES)
    assert result.passed, result.problems
    reach = intruder.intervals(values, keys, hidden_of(result), fixed={known: bound})
    for index, c in enumerate(result.cells):
        if PRIMARY_FLAGS.intersection(c.flags):
            assert reach[index][1] >= 10 - 1e-9, (c.key, reach[index])


def test_statements_are_removed_by_an_empty_set():
    table = read_apriori("A;F;s\n", table_of())
    assert with_apriori(table, {}) == table_of()


def test_a_samples_levels_and_bounds_are_refused_line_by_line_but_its_statuses_and_costs_are_read():
    # A sample's table publishes grossed estimates: a bound in its counts would reach the audit as an
    # estimate (20 cases at weight 10 read as 20 people, not 200), so neither levels nor bounds are taken.
    with pytest.raises(AprioriError) as refused:
        read_apriori("A;F;u\nA;F;pl;1;1\nC;F;b;40;50\nC;X;c;2\n", table_of(), sample=True)
    assert len(refused.value.errors) == 2
    assert refused.value.errors[0].startswith("Line 2: the table is made from a sample and publishes estimates")
    assert refused.value.errors[1].startswith("Line 3: ")
    stated = read_apriori("A;F;u\nB;M;s\nTotal;Total;p\nC;X;c;2\n", table_of(), sample=True)
    assert sum(1 for c in stated.cells if c.apriori is not None) == 4
