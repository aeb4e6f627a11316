"""Line charts drawn on the server as SVG coordinates: no chart library, nothing loaded from outside.

The template draws the SVG (with a title and description) and the same figures
as a table, so the chart is a picture of the table, never the only way to read it.

The vertical scale fits the figures (and the target, where one is set) with a
little room either side, so a move from 66% to 71% is seen as a move, not as a
flat line near the top of a scale from 0 to 100.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from governance.core.plurals import date_text
from governance.trends.snapshots import Series

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 600, 200, 40, 10, 10, 30
TICKS = 4  # spaces between the labelled lines of the scale


@dataclass(frozen=True)
class Chart:
    series: Series
    points: str  # the polyline's "x,y x,y ..."
    dots: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    maximum: int
    minimum: int = 0
    unit: str = ""  # "%" for shares
    target: int | None = None
    target_y: float | None = None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def known(self) -> list[tuple[datetime.date, int]]:
        return [(day, value) for day, value in self.series.points if value is not None]

    @property
    def has_data(self) -> bool:
        return bool(self.known)

    @property
    def latest(self) -> tuple[datetime.date, int] | None:
        """The newest figure recorded, shown beside the chart's title."""
        known = self.known
        return known[-1] if known else None

    @property
    def latest_text(self) -> str:
        latest = self.latest
        if latest is None:
            return "No data yet"
        day, value = latest
        return f"Latest: {value}{self.unit} on {day.day} {day:%B %Y}"

    @property
    def description(self) -> str:
        known = self.known
        if not known:
            return f"{self.series.label}: no data yet."
        (first_day, first), (last_day, last) = known[0], known[-1]
        text = (
            f"{self.series.label}: {first} on {date_text(first_day)}, {last} on {date_text(last_day)}; "
            f"highest {max(v for _, v in known)}."
        )
        if self.target is not None:
            text += f" The target is {self.target}{self.unit}."
        return text


def _nice_step(span: float) -> int:
    """A step of 1, 2 or 5 times a power of ten that splits ``span`` into about ``TICKS`` parts."""
    raw = max(span / TICKS, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def scale(values: list[int], *, percent: bool, target: int | None = None) -> tuple[int, int, int]:
    """``(lowest, highest, step)`` of the vertical scale: the figures and the target, with room around them.

    Counts start at 0 (a count of 3 drawn from 2 would look like nothing); shares zoom in on
    where the figures are, never past 0% or 100%.
    """
    marks = [*values, *([target] if target is not None else [])]
    if not marks:
        return 0, 100 if percent else 4, 25 if percent else 1
    low, high = min(marks), max(marks)
    if not percent:
        low = 0
    step = _nice_step(max(high - low, 4))
    bottom = max(0, math.floor((low - step / 2) / step) * step) if percent else 0
    top = math.ceil((high + step / 2) / step) * step
    if percent:
        top = min(100, top)
        bottom = min(bottom, top - step)
    return bottom, max(top, bottom + step), step


def line_chart(series: Series, *, percent: bool = False, target: int | None = None) -> Chart:
    values = [v for _, v in series.points if v is not None]
    bottom, top, step = scale(values, percent=percent, target=target)
    count = len(series.points)
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(index: int) -> float:
        return round(PAD_LEFT + (inner_w * index / (count - 1) if count > 1 else inner_w / 2), 1)

    def y(value: float) -> float:
        return round(PAD_TOP + inner_h - inner_h * (value - bottom) / (top - bottom), 1)

    unit = "%" if percent else ""
    dots = [(x(i), y(v), f"{day.day} {day:%b}: {v}{unit}") for i, (day, v) in enumerate(series.points) if v is not None]
    ticks = [(y(value), value) for value in range(bottom, top + 1, step)]
    every = max(1, count // 6)
    labels = [(x(i), f"{day.day} {day:%b}") for i, (day, _) in enumerate(series.points) if i % every == 0]
    return Chart(
        series=series,
        points=" ".join(f"{px},{py}" for px, py, _ in dots),
        dots=dots,
        y_ticks=ticks,
        x_labels=labels,
        maximum=top,
        minimum=bottom,
        unit=unit,
        target=target,
        target_y=y(target) if target is not None else None,
    )


def targets() -> dict[str, int]:
    """The measures that have a target: training compliance (a setting); the counts' target is none at all."""
    return {"training": settings.TRAINING_COMPLIANCE_TARGET}


def charts_for(all_series: list[Series]) -> list[Chart]:
    goals = targets()
    return [line_chart(s, percent=s.measure == "training", target=goals.get(s.measure)) for s in all_series]


#: How long drawn charts are kept: their figures change once a day, with the next snapshot.
CHARTS_KEPT_SECONDS = 24 * 60 * 60
CHARTS_TEMPLATE = "includes/trend_charts.html"


#: What draws the charts, from the project's folder: their template, this module and their tags.
DRAWING_FILES = (
    "templates/includes/trend_charts.html",
    "governance/trends/charts.py",
    "governance/templatetags/compliance_tags.py",
)


@lru_cache(maxsize=1)
def _drawing() -> str:
    """A digest of ``DRAWING_FILES``, read once a process."""
    base = Path(settings.BASE_DIR)
    return hashlib.sha256(b"".join((base / name).read_bytes() for name in DRAWING_FILES)).hexdigest()


def charts_html(all_series: list[Series]) -> SafeString:
    """The charts of ``all_series`` as ``includes/trend_charts.html`` draws them, kept in the cache.

    The same series are drawn on every view of the SIRO's report, the compliance dashboard and an
    area's page until the next daily snapshot, and drawing them (four charts of thirty days, their
    tables and scales) was a tenth of the report's time.
    The key is the figures themselves, with the targets, the language and the number format: any
    changed figure is drawn afresh, and two instances sharing the cache draw the same. The drawing's own
    code is in the key too (``_drawing``): after a release that draws them differently, no instance
    serves a picture the old code drew."""
    content = (
        _drawing(),
        targets(),
        get_language(),
        settings.USE_THOUSAND_SEPARATOR,
        [(series.measure, series.label, series.points) for series in all_series],
    )
    key = "trends:charts:" + hashlib.sha256(repr(content).encode()).hexdigest()
    drawn = cache.get(key)
    if drawn is None:
        drawn = render_to_string(CHARTS_TEMPLATE, {"charts": charts_for(all_series)})
        cache.set(key, drawn, CHARTS_KEPT_SECONDS)
    return mark_safe(drawn)  # noqa: S308 - drawn by the template, which escapes every value
