"""Output clearance checks on researchers' tables and models, against examples worked out by hand.

Each check is tried on an output that trips it and on one that does not; every expected
message, count and percentage below was worked out on paper from the rules, not by the code.
No database is used.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from governance.disclosure.outputs import (
    MAX_FINDINGS_PER_CHECK,
    Finding,
    ModelResult,
    OutputFormatError,
    OutputRules,
    OutputTable,
    check_model,
    check_table,
    parse_model,
    parse_table,
    summarise,
)

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database


def table(text: str, name: str = "") -> OutputTable:
    lines = [line.split(",") for line in text.strip().splitlines()]
    return parse_table(lines[0], lines[1:], name=name)


def codes(findings: list[Finding]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.code, f.outcome, f.cells) for f in findings]


def magnitude(rows: dict[str, list[str]], statistic: str = "") -> OutputTable:
    """A magnitude table: for each region, one row per contributor value."""
    header = ["Region", "Value"] + (["Statistic"] if statistic else [])
    body = [[region, value] + ([statistic] if statistic else []) for region, values in rows.items() for value in values]
    return parse_table(header, body)


SAFE_COUNTS = """
Region,Sex,Count
North East,Female,12
North East,Male,15
North West,Female,20
North West,Male,25
"""

TWELVE_EQUAL = ["10"] * 12


# Reading tables


def test_a_frequency_table_is_read_with_column_names_in_any_case():
    parsed = parse_table(["region", "SEX", "COUNT"], [["North East", "Female", "12"], ["North East", "Male", "15"]])
    assert parsed.kind == "frequency"
    assert parsed.category_columns == ("region", "SEX")
    assert [(c.label, c.count) for c in parsed.cells] == [("North East, Female", 12), ("North East, Male", 15)]


def test_a_magnitude_table_adds_up_each_contributors_rows_and_keeps_the_statistic():
    parsed = parse_table(
        ["Region", "Contributor", "VALUE", "statistic"],
        [
            ["North", "Acme", "100", "mean"],
            ["North", "Acme", "50", "mean"],  # a second site of the same business
            ["North", "Bolt", "30.5", "mean"],
            ["North", "Acme", "7", "median"],
        ],
    )
    assert parsed.kind == "magnitude"
    mean, median = parsed.cells
    assert mean.label == "North (mean)"
    assert mean.count == 2
    assert sorted(mean.contributions) == [Decimal("30.5"), Decimal("150")]
    assert mean.total == Decimal("180.5")
    assert (median.label, median.count) == ("North (median)", 1)


def test_every_bad_row_is_listed_at_once_and_nothing_is_read():
    with pytest.raises(OutputFormatError) as raised:
        table(
            """
Region,Sex,count
North East,Female,abc
North East,Male,12
,Female,4
North West,Female,1.5
North West,Male,-1
North East,Male,13
North West
"""
        )
    assert raised.value.problems == [
        'Row 2: count "abc" is not a whole number.',
        "Row 4: the Region is empty; every cell needs a label in each category column.",
        'Row 5: count "1.5" is not a whole number.',
        'Row 6: count "-1" is negative; counts must be 0 or more.',
        'Row 7: the cell "North East, Male" is already on row 3; each cell may appear once.',
        "Row 8 has 1 value; the header names 3 columns.",
    ]
    assert isinstance(raised.value, ValueError)


def test_magnitude_rows_are_checked_for_numbers_and_contributors():
    with pytest.raises(OutputFormatError) as raised:
        parse_table(
            ["Region", "value", "contributor"],
            [["North", "1,200", "Acme"], ["North", "", "Bolt"], ["North", "5", ""], ["North", "nan", "Crux"]],
        )
    assert raised.value.problems == [
        'Row 2: value "1,200" is not a number (write it without commas, below 10^15).',
        "Row 3: the value is empty.",
        "Row 4: the contributor is empty; name whose value the row is.",
        'Row 5: value "nan" is not a number (write it without commas, below 10^15).',
    ]


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (["Region", "count", "value"], 'The header row has both a "count" column'),
        (["Region", "Sex"], 'The header row needs a "count" column'),
        (["count"], "The table needs at least one category column"),
        (["Region", "count", "contributor"], 'A "contributor" column is only for magnitude tables'),
        (["Region", "value", "contributors"], 'There is a "contributors" column'),
        (["Region", "region", "count"], 'The header row names the column "region" more than once.'),
        ([f"Column {i}" for i in range(11)] + ["count"], "The table has 11 category columns; the most"),
    ],
)
def test_a_header_that_cannot_be_read_is_refused(header, problem):
    with pytest.raises(OutputFormatError) as raised:
        parse_table(header, [["x"] * len(header)])
    assert any(message.startswith(problem) for message in raised.value.problems), raised.value.problems


def test_tables_are_bounded_in_rows():
    rows = [["North", "12"]] * 100_001
    with pytest.raises(OutputFormatError) as raised:
        parse_table(["Region", "count"], rows)
    assert raised.value.problems == ["The table has 100,001 rows; the most a table can have is 100,000."]


def test_a_table_with_no_rows_is_refused():
    with pytest.raises(OutputFormatError) as raised:
        parse_table(["Region", "count"], [["", ""]])
    assert raised.value.problems == ["The table has no data rows under the header."]


# Threshold


def test_a_count_below_the_threshold_fails_naming_the_cell():
    findings = check_table(table(SAFE_COUNTS.replace("North East,Female,12", "North East,Female,3")))
    assert codes(findings) == [("threshold", "fail", ("North East, Female",))]
    assert findings[0].message == 'The cell "North East, Female" counts 3 people, fewer than the minimum of 10.'


def test_counts_at_the_threshold_pass():
    assert check_table(table(SAFE_COUNTS.replace("North East,Female,12", "North East,Female,10"))) == []
    assert check_table(table(SAFE_COUNTS), rules=OutputRules(threshold=13)) == [
        Finding(
            "threshold",
            "fail",
            'The cell "North East, Female" counts 12 people, fewer than the minimum of 13.',
            ("North East, Female",),
        )
    ]


def test_a_magnitude_cell_with_fewer_contributors_than_the_threshold_fails():
    findings = check_table(magnitude({"North": ["10"] * 9, "South": TWELVE_EQUAL}))
    assert codes(findings) == [("threshold", "fail", ("North",))]
    assert findings[0].message == 'The cell "North" has 9 contributors, fewer than the minimum of 10.'
    assert check_table(magnitude({"North": ["10"] * 10, "South": TWELVE_EQUAL})) == []


# Dominance and p% (the engine's rules, ACRO's defaults: (2, 90%) and p = 10%)


def test_a_cell_dominated_by_its_two_largest_contributors_fails_the_dominance_rule():
    # 50 + 45 of 105 is 90.5% (> 90%); the other ten add up to 10, above 10% of 50: the p% rule holds.
    findings = check_table(magnitude({"North": ["50", "45"] + ["1"] * 10}))
    assert codes(findings) == [("dominance", "fail", ("North",))]
    assert findings[0].message == (
        'In the cell "North" the 2 largest contributors hold 90.5% of the total, more than the 90% allowed.'
    )
    # 50 + 45 of 106 is 89.6%: not dominated.
    assert check_table(magnitude({"North": ["50", "45"] + ["1"] * 11})) == []


def test_a_cell_whose_largest_contributor_can_be_estimated_fails_the_p_percent_rule():
    rules = OutputRules(dominance_n=1)  # the largest alone: 100 of 200 is 50%, well within 90%
    # The second-largest (95) subtracts itself from 200: 105 estimates the largest (100) to within 5%.
    findings = check_table(magnitude({"North": ["100", "95"] + ["0.5"] * 10}), rules=rules)
    assert codes(findings) == [("p_percent", "fail", ("North",))]
    assert findings[0].message == (
        'In the cell "North" the second-largest contributor could work out the largest one\'s value '
        "to within 5%, closer than the 10% allowed."
    )
    # Two contributors: each knows the other's value exactly.
    pair = check_table(magnitude({"North": ["100", "95"]}), rules=OutputRules(threshold=2, dominance_n=1))
    assert pair == [
        Finding(
            "p_percent",
            "fail",
            'In the cell "North" the second-largest contributor could work out the largest one\'s value exactly.',
            ("North",),
        )
    ]
    # The others add up to 20: the estimate is 20% out, outside the 10% the rule protects.
    assert check_table(magnitude({"North": ["100", "95"] + ["2"] * 10}), rules=rules) == []


def test_negative_values_are_for_review_as_the_contributor_rules_cannot_apply():
    findings = check_table(magnitude({"North": ["-500"] + ["10"] * 11}))
    assert codes(findings) == [("negative", "review", ("North",))]
    assert check_table(magnitude({"North": ["0"] + ["10"] * 11})) == []


# Zeros, whole lines, minima and maxima


def test_a_zero_count_is_for_review():
    findings = check_table(table(SAFE_COUNTS + "North East,Unknown,0\nNorth West,Unknown,0\n"))
    assert codes(findings) == [
        ("zero", "review", ("North East, Unknown",)),
        ("zero", "review", ("North West, Unknown",)),
    ]
    assert findings[0].message.startswith('The cell "North East, Unknown" counts no one')
    assert check_table(table(SAFE_COUNTS)) == []


def test_a_line_with_everyone_in_one_category_fails():
    # Every one of North East's 30 people is Female (an absent row counts nobody, as an explicit 0 would).
    findings = check_table(
        table(
            "Region,Sex,count\nNorth East,Female,30\nNorth West,Female,20\nNorth West,Male,25\n"
            "Yorkshire,Female,18\nYorkshire,Male,14\n"
        )
    )
    assert codes(findings) == [("whole_line", "fail", ("North East, Female",))]
    assert findings[0].message == (
        'All 30 people in "North East" are in the cell "North East, Female": the table shows '
        'that every one of them is "Female" (Sex).'
    )


def test_whole_lines_ignore_total_rows_and_one_column_tables():
    with_totals = SAFE_COUNTS + "North East,Total,27\nNorth West,Total,45\n"
    assert check_table(table(with_totals)) == []
    assert check_table(table(SAFE_COUNTS + "North East,Total,27\n")) == []  # one region's total alone
    assert check_table(table("Region,count\nNorth East,30\nNorth West,0\n")) == [
        Finding(
            "zero",
            "review",
            'The cell "North West" counts no one; the checker must decide whether the zero reveals something '
            "(it is safe only if no one could be in it).",
            ("North West",),
        )
    ]


def test_a_whole_line_in_a_magnitude_table_is_for_review():
    cells = (("North", "A"), ("South", "A"), ("South", "B"), ("East", "A"), ("East", "B"))
    rows = [[region, sector, "10"] for region, sector in cells]
    rows = [row for row in rows for _ in range(12)]
    findings = check_table(parse_table(["Region", "Sector", "value"], rows))
    assert codes(findings) == [("whole_line", "review", ("North, A",))]
    assert findings[0].message.startswith('All 12 contributors in "North" are in the cell "North, A"')


def test_a_minimum_or_maximum_fails_and_an_unknown_statistic_is_for_review():
    findings = check_table(magnitude({"North": TWELVE_EQUAL}, statistic="Max"))
    assert codes(findings) == [("min_max", "fail", ("North (Max)",))]
    assert findings[0].message.startswith('The cell "North (Max)" gives a Max, which is one contributor\'s own value')
    assert codes(check_table(magnitude({"North": TWELVE_EQUAL}, statistic="p99"))) == [
        ("format", "review", ("North (p99)",))
    ]
    assert check_table(magnitude({"North": TWELVE_EQUAL}, statistic="mean")) == []


# Differencing against earlier cleared tables

AGES_16_TO_64 = "Region,count\nNorth East,1203\nNorth West,2410\nYorkshire,1822\n"


def test_a_table_differing_from_an_earlier_one_by_one_person_fails():
    earlier = table(AGES_16_TO_64, name="Ages 16 to 64 by region")
    # Ages 16 to 65: one 65-year-old in the North East; the other regions' 65-year-olds are many.
    new = table("Region,count\nNorth East,1204\nNorth West,2431\nYorkshire,1840\n", name="Ages 16 to 65 by region")
    findings = check_table(new, earlier=[earlier])
    assert codes(findings) == [("differencing", "fail", ("North East",))]
    assert findings[0].message == (
        'The cell "North East" (Region) counts 1 person more in this table than in the earlier table '
        '"Ages 16 to 64 by region" (1,204 against 1,203): subtracting one table from the other '
        "isolates a group of 1 person, fewer than the minimum of 10."
    )


def test_tables_whose_differences_are_all_large_or_nothing_pass():
    earlier = table(AGES_16_TO_64, name="Ages 16 to 64 by region")
    larger = table("Region,count\nNorth East,1215\nNorth West,2431\nYorkshire,1840\n")
    assert check_table(larger, earlier=[earlier]) == []
    assert check_table(table(AGES_16_TO_64), earlier=[earlier]) == []
    # Neither population holds the other (one region up, one down): the differences isolate no one.
    crossing = table("Region,count\nNorth East,1204\nNorth West,2400\nYorkshire,1822\n")
    assert check_table(crossing, earlier=[earlier]) == []
    # Other categories altogether: nothing to subtract.
    assert check_table(table("Sex,count\nFemale,1204\nMale,1205\n"), earlier=[earlier]) == []


def test_differencing_adds_up_the_categories_one_table_has_and_the_other_has_not():
    earlier = table(
        "Region,Sex,count\nNorth East,Female,600\nNorth East,Male,603\nNorth East,Total,1203\n"
        "North West,Female,1200\nNorth West,Male,1210\n",
        name="By region and sex",
    )
    new = table("region,count\nNorth East,1205\nNorth West,2410\n")
    findings = check_table(new, earlier=[earlier])
    assert codes(findings) == [("differencing", "fail", ("North East",))]
    assert 'than in the earlier table "By region and sex" (added up over Sex) (1,205 against 1,203)' in (
        findings[0].message
    )
    assert "a group of 2 people" in findings[0].message
    # The other way round: the new table is the detailed one.
    back = check_table(earlier, earlier=[new.__class__.from_dict({**new.to_dict(), "name": "By region"})])
    assert codes(back) == [("differencing", "fail", ("North East",))]
    assert "this table (added up over Sex)" in back[0].message


# Models


COEFFICIENTS = [["(Intercept)", "1.25", "0.31"], ["age", "0.04", "0.01"]]


def test_a_model_with_six_residual_degrees_of_freedom_fails():
    model = parse_model(["term", "estimate", "std_error"], COEFFICIENTS, residual_df=6, observations=40)
    findings = check_model(model)
    assert findings == [
        Finding("residual_df", "fail", "The model has 6 residual degrees of freedom; at least 10 are needed.")
    ]


def test_a_model_with_thirty_residual_degrees_of_freedom_passes():
    model = parse_model(["Term", "Coefficient", "SE"], COEFFICIENTS, residual_df=30, observations=32)
    assert model.coefficients == (("(Intercept)", 1.25, 0.31), ("age", 0.04, 0.01))
    assert check_model(model) == []


def test_a_model_on_few_observations_fails_and_a_zero_standard_error_is_for_review():
    few = ModelResult(coefficients=(("x", 1.0, 0.5),), residual_df=10, observations=9)
    assert codes(check_model(few, rules=OutputRules(minimum_residual_df=5))) == [
        ("threshold", "fail", ()),
        ("format", "review", ()),  # 1 term and 10 residual degrees of freedom need 11 observations
    ]
    exact = ModelResult(coefficients=(("x", 1.0, 0.0), ("y", 2.0, 0.2)), residual_df=40, observations=42)
    findings = check_model(exact)
    assert codes(findings) == [("perfect_fit", "review", ("x",))]
    assert findings[0].message.startswith('The term "x" has a standard error of 0')


def test_model_rows_that_cannot_be_read_are_all_listed():
    with pytest.raises(OutputFormatError) as raised:
        parse_model(
            ["term", "estimate", "Std. Error", "p.value"],
            [["x", "NA", "0.1", "0.2"], ["", "1", "-0.1", "0.3"], ["x", "2", "abc", ""]],
            residual_df=-1,
            observations=0,
        )
    assert raised.value.problems == [
        "The residual degrees of freedom must be a whole number, 0 or more.",
        "The number of observations must be a whole number, 1 or more.",
        'Row 2: estimate "NA" is not a number (leave out a term the model could not estimate).',
        "Row 3: the term is empty; name the term each row is for.",
        'Row 3: standard error "-0.1" is negative.',
        'Row 4: the term "x" is already on row 2.',
        'Row 4: standard error "abc" is not a number (leave out a term the model could not estimate).',
    ]
    with pytest.raises(OutputFormatError) as raised:
        parse_model(["name", "estimate"], [], residual_df=1, observations=2)
    assert len(raised.value.problems) == 2


# Summaries, bounds, settings and storage


@pytest.mark.parametrize(
    ("outcomes", "summary"),
    [
        ([], "No problems found"),
        (["fail"], "1 problem must be fixed"),
        (["fail", "fail", "review"], "2 problems must be fixed; 1 to review"),
        (["review"], "Nothing must be fixed; 1 to review"),
    ],
)
def test_the_summary_counts_with_correct_plurals(outcomes, summary):
    assert summarise([Finding("threshold", outcome, "message", ("cell",)) for outcome in outcomes]) == summary


def test_a_check_names_at_most_fifty_cells_one_by_one_and_the_rest_together():
    rows = [[f"Area {i:03d}", "3"] for i in range(MAX_FINDINGS_PER_CHECK + 10)]
    findings = check_table(parse_table(["Area", "count"], rows))
    assert len(findings) == MAX_FINDINGS_PER_CHECK + 1
    rest = findings[-1]
    assert rest.cells == tuple(f"Area {i:03d}" for i in range(MAX_FINDINGS_PER_CHECK, MAX_FINDINGS_PER_CHECK + 10))
    assert rest.message.startswith('10 more cells fail the same check (minimum number): "Area 050", ')
    assert summarise(findings) == "60 problems must be fixed"


def test_settings_that_make_the_checks_meaningless_are_refused():
    assert OutputRules().validate() == []
    assert OutputRules(threshold=0, dominance_k=120.0).validate() == [
        "The minimum frequency (threshold) must be at least 1.",
        "The minimum number of contributors must be at least 1.",
        "The (n,k) rule's k must be between 0 and 100.",
    ]
    with pytest.raises(ValueError):
        check_table(table(SAFE_COUNTS), rules=OutputRules(p_percent=-1.0))


def test_everything_round_trips_through_json():
    rules = OutputRules(threshold=5, dominance_k=85.0)
    assert OutputRules.from_dict(json.loads(json.dumps(rules.to_dict()))) == rules
    assert OutputRules.from_dict({}) == OutputRules()
    mixed = parse_table(
        ["Region", "value", "statistic"], [["North", "10.25", "mean"], ["North", "3", "mean"]], name="Pay"
    )
    for item in (table(SAFE_COUNTS, name="By sex"), mixed):
        assert OutputTable.from_dict(json.loads(json.dumps(item.to_dict()))) == item
    finding = check_table(mixed)[0]
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding
    model = ModelResult(coefficients=(("x", 1.5, 0.25),), residual_df=20, observations=22)
    assert ModelResult.from_dict(json.loads(json.dumps(model.to_dict()))) == model
    with pytest.raises(ValueError):
        OutputTable.from_dict({"category_columns": ["Region"], "kind": "counts", "cells": []})
