"""The comparison set: this engine against tau-ARGUS OPT and ACRO on the same tables.

Why it exists: a statistics producer needs to know that the engine publishes as much as the
field's tools (value hidden by secondary suppression), protects at least as well (the LP audit,
insiders included, under the rules' protection levels and under tau-ARGUS's FREQ(10, 30)), is no
slower, and gives the same pattern for the same table whatever the machine's load.

The tables come from microdata generated from a fixed seed (``microdata``): each unit falls in
one cell of the finest level and has a skewed turnover. The same microdata gives a frequency
table (units counted) and a magnitude table (turnover summed, each unit a contributor), with
every margin, in the shapes of ``SHAPES``: two-way 10x10, 30x30 and 100x100, three-way 10x10x5
and a region > sub-region hierarchy crossed with a category.

The peer gets exactly this engine's protection problem: ``jj.problem_of`` writes the table's
cells, primary statuses, costs (the cell value) and protection levels in the JJ format, and
tau-ARGUS's optimal method (``HiTaSCtrl.full_jj`` in pytauargus, the engine tau-ARGUS's OPT
runs) chooses the secondaries. Both patterns then go through the same audit
(``checks.check_pattern``). The peers are optional: without pytauargus or acro their columns
say so. Each run happens in a child process with a time limit, so a table that runs away is
reported as over the limit instead of holding up the rest, and the peers' native code and
process-wide settings stay out of this process.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import itertools
import logging
import math
import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal
from typing import Any

from governance.disclosure.checks import CheckResult, Extract, check_pattern, check_table
from governance.disclosure.jj import UNKNOWN_UPPER, UNSAFE, JJProblem, problem_of, to_jj
from governance.disclosure.primary import PRIMARY_FLAGS
from governance.disclosure.rules import Rules
from governance.disclosure.secondary import forget_audits
from governance.disclosure.tables import FREQUENCY, MAGNITUDE, TOTAL_LABEL, Cell, Table

SEED = 20_261_206
FREQ_RANGE = Decimal(30)  # tau-ARGUS's usual FREQ(10, 30): the second standard every pattern is audited against


@dataclass(frozen=True)
class Shape:
    """A table shape: the labels of each category column, and the parent of each label of the first one."""

    name: str
    columns: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    parents: tuple[tuple[str, str], ...] = ()  # (child, parent) in the first column; leaves are the children

    def leaves(self, column: int) -> tuple[str, ...]:
        if column == 0 and self.parents:
            return tuple(child for child, _parent in self.parents)
        return self.labels[column]

    @property
    def finest_cells(self) -> int:
        return _product(len(self.leaves(column)) for column in range(len(self.columns)))


def _product(numbers) -> int:
    result = 1
    for number in numbers:
        result *= number
    return result


def _codes(prefix: str, count: int) -> tuple[str, ...]:
    width = len(str(count))
    return tuple(f"{prefix}{number:0{width}d}" for number in range(1, count + 1))


def square(side: int) -> Shape:
    return Shape(f"{side}x{side}", ("Region", "Industry"), (_codes("R", side), _codes("I", side)))


def _regions(regions: int = 4, per_region: int = 5, categories: int = 10) -> Shape:
    tops = _codes("A", regions)
    children = tuple((f"{top}.{sub}", top) for top in tops for sub in range(1, per_region + 1))
    labels = (tops + tuple(child for child, _ in children), _codes("C", categories))
    return Shape("region>sub-region x category", ("Area", "Category"), labels, children)


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        square(10),
        square(30),
        square(100),
        Shape("10x10x5", ("Region", "Industry", "Size"), (_codes("R", 10), _codes("I", 10), _codes("S", 5))),
        _regions(),
    )
}


def shape_for_cells(cells: int) -> Shape:
    """A two-way shape with about ``cells`` cells, margins included (for the ACRO comparison)."""
    side = max(2, int(cells**0.5) - 1)
    return square(side)


# --- microdata and tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One respondent: the finest cell it falls in, and its turnover."""

    key: tuple[str, ...]
    turnover: Decimal


def microdata(shape: Shape, seed: int = SEED, *, largest: int = 60) -> list[Unit]:
    """Units drawn from a fixed seed: per finest cell, 3% empty, 10% with 1 to 9 units, the rest
    10 to ``largest``; turnover log-normal (a few large businesses in many cells). The same
    shape and seed always give the same units."""
    rng = random.Random(f"{seed}:{shape.name}")  # noqa: S311 - reproducible test data, not a secret
    units = []
    leaves = [shape.leaves(column) for column in range(len(shape.columns))]
    for key in itertools.product(*leaves):
        draw = rng.random()
        count = 0 if draw < 0.03 else rng.randint(1, 9) if draw < 0.13 else rng.randint(10, largest)
        for _ in range(count):
            units.append(Unit(key, Decimal(str(round(rng.lognormvariate(6, 1.1), 2)))))
    return units


def _above(shape: Shape, column: int, label: str) -> list[str]:
    """The labels a finest label adds into in one column (itself, its ancestors, Total)."""
    chain = [label]
    parents = dict(shape.parents) if column == 0 else {}
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    return [*chain, TOTAL_LABEL]


def tables(shape: Shape, units: Sequence[Unit]) -> tuple[Table, Table]:
    """The frequency and magnitude tables of the units, every margin included, in a fixed order."""
    width = len(shape.columns)
    all_labels = [(*shape.labels[column], TOTAL_LABEL) for column in range(width)]
    counts: dict[tuple[str, ...], int] = {}
    sums: dict[tuple[str, ...], Decimal] = {}
    contributors: dict[tuple[str, ...], list[Decimal]] = {}
    for unit in units:
        contributors.setdefault(unit.key, []).append(unit.turnover)
        for key in itertools.product(*(_above(shape, column, unit.key[column]) for column in range(width))):
            counts[key] = counts.get(key, 0) + 1
            sums[key] = sums.get(key, Decimal(0)) + unit.turnover
    keys = list(itertools.product(*all_labels))
    hierarchies = ((0, tuple(sorted(shape.parents))),) if shape.parents else ()
    frequency = Table(
        category_columns=shape.columns,
        value_column="businesses",
        kind=FREQUENCY,
        cells=tuple(Cell(key=key, value=Decimal(counts.get(key, 0))) for key in keys),
        hierarchies=hierarchies,
    )
    magnitude = Table(
        category_columns=shape.columns,
        value_column="turnover",
        kind=MAGNITUDE,
        cells=tuple(
            Cell(key=key, value=sums.get(key, Decimal(0)), contributors=tuple(contributors.get(key, ())))
            for key in keys
        ),
        hierarchies=hierarchies,
    )
    return frequency, magnitude


# --- one engine on one table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One engine's pattern for one table, audited: what it hid, at what cost, and how well it protects."""

    engine: str
    cells: int = 0
    primaries: int = 0
    secondaries: int = 0
    value_hidden: Decimal = Decimal(0)
    cpu_seconds: float = 0.0
    audit_seconds: float = 0.0  # CPU of this engine's verifier on the pattern (the LP audit, insiders included)
    passed: bool = False
    short: int = 0  # primaries under-protected (or hidden cells recovered) under the rules' levels
    insiders: int = 0  # primaries a contributor to another hidden cell narrows below their protection
    short_range: int | None = None  # primaries short under FREQ(10, 30), for frequency tables
    hidden: tuple[bool, ...] = ()
    note: str = ""  # why there is no figure (not installed, over the limit, refused)
    completed: Outcome | None = None  # a peer's pattern completed by this engine's repairs until the audit passes
    load: float = field(default_factory=lambda: os.getloadavg()[0])

    @property
    def ran(self) -> bool:
        return not self.note


def rules_for(kind: str) -> Rules:
    """The comparison's rules: the defaults, the cell value as the cost (tau-ARGUS's default); for counts,
    protection levels meeting both standards at once (reach the threshold, and FREQ(10, 30)), so that
    neither engine's pattern is short under either."""
    if kind == FREQUENCY:
        return Rules(frequency_range=FREQ_RANGE, frequency_range_and_threshold=True)
    return Rules()


def _shortfall(result: CheckResult) -> int:
    """Primary cells an outsider narrows below their protection, and hidden cells recovered exactly."""
    return int(result.audit.get("protection_short", 0)) + int(result.audit.get("exact", 0))


def audited(engine: str, table: Table, rules: Rules, hidden: Sequence[bool], cpu: float) -> Outcome:
    """An engine's pattern through this engine's verifier (as a pattern from elsewhere would be)."""
    forget_audits()
    started = time.process_time()
    result = check_pattern(table, Extract.FULL, rules, hidden)
    audit_seconds = time.process_time() - started
    primaries = [i for i, cell in enumerate(result.cells) if PRIMARY_FLAGS.intersection(cell.flags)]
    secondaries = [i for i, h in enumerate(hidden) if h and i not in set(primaries)]
    short_range = None
    if table.kind == FREQUENCY:
        forget_audits()
        ranged = check_pattern(table, Extract.FULL, replace(rules, frequency_range=FREQ_RANGE), hidden)
        short_range = _shortfall(ranged)
    return Outcome(
        engine=engine,
        cells=len(table.cells),
        primaries=len(primaries),
        secondaries=len(secondaries),
        value_hidden=sum((table.cells[i].value for i in secondaries), Decimal(0)),
        cpu_seconds=cpu,
        audit_seconds=audit_seconds,
        passed=result.passed,
        short=_shortfall(result) if result.audit.get("programs") else len(result.problems) * (not result.passed),
        insiders=int(result.audit.get("insider_short", 0)),
        short_range=short_range,
        hidden=tuple(bool(h) for h in hidden),
    )


def run_custodian(table: Table, rules: Rules) -> Outcome:
    """This engine's check (protection and its own verification), timed in CPU seconds, then audited."""
    forget_audits()
    started = time.process_time()
    result = check_table(table, Extract.FULL, rules, scope="comparison")
    cpu = time.process_time() - started
    hidden = [cell.published is None for cell in result.cells]
    outcome = audited("custodian", table, rules, hidden, cpu)
    if not result.passed:
        method = result.audit.get("pattern", {}).get("method", "")
        return replace(outcome, passed=False, note=f"refused ({method}): {result.problems[0][:120]}")
    return outcome


def peer_available() -> bool:
    try:
        importlib.import_module("pytauargus")
    except ImportError:
        return False
    return True


def acro_available() -> bool:
    try:
        importlib.import_module("acro")
    except ImportError:
        return False
    return True


def run_tau_argus(table: Table, rules: Rules, max_seconds: int) -> Outcome:
    """tau-ARGUS OPT (pytauargus's FullJJ) on this engine's JJ problem; its pattern audited here."""
    try:
        pytauargus = importlib.import_module("pytauargus")
    except ImportError:
        return Outcome("tau-ARGUS OPT", note="pytauargus is not installed")
    problem = problem_of(table, rules)
    with tempfile.TemporaryDirectory(prefix="comparison-") as folder:
        source, target = os.path.join(folder, "table.jj"), os.path.join(folder, "out.jj")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write(to_jj(in_whole_units(problem)))
        solver = pytauargus.HiTaSCtrl()
        started = time.process_time()
        minutes = max(1, math.ceil(max_seconds / 60))  # OPT's time limit is in minutes
        code = solver.full_jj(in_file_jj=source, out_file=target, max_time=minutes, out_dir=folder)
        cpu = time.process_time() - started
        if code > 1:
            return Outcome("tau-ARGUS OPT", cpu_seconds=cpu, note=f"OPT failed: {solver.error_string(code)}")
        with open(target, encoding="utf-8") as handle:
            secondary = {int(part) for part in handle.read().split()}
    hidden = [cell.status == UNSAFE or cell.index in secondary for cell in problem.cells]
    outcome = audited("tau-ARGUS OPT", table, rules, hidden, cpu)
    # OPT does not know insiders: its pattern completed by this engine's repairs (and clean-up) until the audit
    # passes is what a producer holding OPT's answer could publish; its CPU is OPT's and the completion's.
    forget_audits()
    started = time.process_time()
    result = check_pattern(table, Extract.FULL, rules, hidden, complete=True)
    completing = time.process_time() - started
    completed = audited("tau-ARGUS OPT, completed", table, rules, [c.published is None for c in result.cells], cpu)
    return replace(outcome, completed=replace(completed, cpu_seconds=cpu + completing, passed=result.passed))


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def in_whole_units(problem: JJProblem) -> JJProblem:
    """The problem with every number in whole units of its finest decimal (pence, not pounds).

    pytauargus 0.6.0's FullJJ hangs or crashes on values with decimals; scaled by a power of ten
    the problem is the same one (the lines still add up, costs keep their order), and protection
    levels are rounded up so the peer never protects less than asked.
    """
    places = max((_places(cell.value) for cell in problem.cells), default=0)
    scale = Decimal(10) ** max(0, int(places))
    if scale == 1:
        return problem
    largest = max((abs(cell.value) for cell in problem.cells), default=Decimal(0)) * scale
    upper = max(UNKNOWN_UPPER, 10 * largest)
    cells = tuple(
        replace(
            cell,
            value=cell.value * scale,
            cost=(cell.cost * scale).to_integral_value(rounding=ROUND_CEILING),
            lower=cell.lower * scale,
            upper=min(cell.upper * scale, upper) if cell.upper else cell.upper,
            lower_protection=(cell.lower_protection * scale).to_integral_value(rounding=ROUND_CEILING),
            upper_protection=(cell.upper_protection * scale).to_integral_value(rounding=ROUND_CEILING),
            sliding_protection=(cell.sliding_protection * scale).to_integral_value(rounding=ROUND_CEILING),
        )
        for cell in problem.cells
    )
    relations = tuple(replace(relation, rhs=relation.rhs * scale) for relation in problem.relations)
    return JJProblem(cells, relations)


def run_acro(shape: Shape, units: Sequence[Unit], kind: str) -> Outcome:
    """ACRO's primary checks (threshold; with values also p-ratio and n,k) on the microdata's crosstab."""
    try:
        acro = importlib.import_module("acro")
        pandas = importlib.import_module("pandas")
    except ImportError:
        return Outcome("ACRO", note="acro is not installed")
    frame = pandas.DataFrame(
        {
            "row": [unit.key[0] for unit in units],
            "column": [unit.key[1] for unit in units],
            "turnover": [float(unit.turnover) for unit in units],
        }
    )
    with tempfile.TemporaryDirectory(prefix="acro-") as folder, contextlib.chdir(folder):
        sink = io.StringIO()
        logging.disable(logging.CRITICAL)  # a child process: ACRO's logging settings end with it
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            session = acro.ACRO(suppress=True)
            warm = frame.head(50)  # its first call loads what it needs; only the check is timed
            session.crosstab(warm.row, warm.column, values=warm.turnover, aggfunc="sum", margins=True)
            started = time.process_time()
            if kind == FREQUENCY:
                session.crosstab(frame.row, frame.column, margins=True)
            else:
                session.crosstab(frame.row, frame.column, values=frame.turnover, aggfunc="sum", margins=True)
            cpu = time.process_time() - started
    cells = (len(shape.labels[0]) + 1) * (len(shape.labels[1]) + 1)
    return Outcome("ACRO", cells=cells, cpu_seconds=cpu, passed=True)


# --- bounded runs --------------------------------------------------------------------------------


def _child(send, function: Callable[..., Outcome], arguments: tuple) -> None:
    try:
        send.send(function(*arguments))
    except Exception as exc:
        send.send(Outcome(getattr(function, "__name__", "run"), note=f"error: {type(exc).__name__}: {exc}"[:200]))
    finally:
        send.close()


def bounded(function: Callable[..., Outcome], arguments: tuple, seconds: float, engine: str) -> Outcome:
    """``function(*arguments)`` in a child process, stopped after ``seconds`` of wall-clock time.

    The limit only bounds the benchmark: the engines' own answers are decided by their work
    limits (this engine) or their own time limit (tau-ARGUS, passed to it), not by this one.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, function, arguments), daemon=True)
    process.start()
    send.close()
    outcome = None
    if receive.poll(seconds):
        with contextlib.suppress(EOFError):
            outcome = receive.recv()
    if process.is_alive():
        process.kill()
    process.join()
    receive.close()
    if outcome is None:
        return Outcome(engine, note=f"over the benchmark's limit of {seconds:.0f} s")
    return outcome


# --- determinism under load ----------------------------------------------------------------------


def _spin(stop_at: float) -> None:
    while time.monotonic() < stop_at:
        pass


@dataclass(frozen=True)
class Repeat:
    """The same table checked twice, the second time with busy processes beside it."""

    table: str
    same: bool
    secondaries: tuple[int, int]
    seconds: tuple[float, float]  # wall-clock, quiet and under load
    load: tuple[float, float]
    busy: int


def repeatable(name: str, table: Table, rules: Rules, *, busy: int = 2, seconds: float = 300) -> Repeat:
    """Check ``table`` quietly, then again with ``busy`` spinning processes; the patterns must be identical."""
    quiet_load = os.getloadavg()[0]
    started = time.monotonic()
    first = bounded(run_custodian, (table, rules), seconds, "custodian")
    quiet = time.monotonic() - started
    context = multiprocessing.get_context("fork")
    spinners = [context.Process(target=_spin, args=(time.monotonic() + seconds,), daemon=True) for _ in range(busy)]
    for spinner in spinners:
        spinner.start()
    try:
        started = time.monotonic()
        second = bounded(run_custodian, (table, rules), seconds, "custodian")
        loaded = time.monotonic() - started
        busy_load = os.getloadavg()[0]
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.join()
    same = first.ran and second.ran and first.hidden == second.hidden
    return Repeat(name, same, (first.secondaries, second.secondaries), (quiet, loaded), (quiet_load, busy_load), busy)


def kinds(only: str = "") -> list[str]:
    return [kind for kind in (FREQUENCY, MAGNITUDE) if not only or only == kind]


def ratio(mine: float | Decimal, theirs: float | Decimal) -> str:
    """``mine / theirs`` for the report ("-" when either is missing; "=" when both are 0)."""
    if not theirs:
        return "=" if not mine else "inf"
    return f"{float(mine) / float(theirs):.2f}"


def cell_summary(outcome: Outcome) -> dict[str, Any]:
    return {
        "engine": outcome.engine,
        "secondaries": outcome.secondaries,
        "value_hidden": outcome.value_hidden,
        "cpu_seconds": outcome.cpu_seconds,
        "passed": outcome.passed,
        "short": outcome.short,
        "short_range": outcome.short_range,
        "note": outcome.note,
    }
