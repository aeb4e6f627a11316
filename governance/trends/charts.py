"""Line charts drawn on the server as SVG coordinates: no chart library, nothing loaded from outside.

The template draws the SVG (with a title and description) and the same figures
as a table, so the chart is a picture of the table, never the only way to read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.core.plurals import date_text
from governance.trends.snapshots import Series

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 600, 200, 40, 10, 10, 30


@dataclass(frozen=True)
class Chart:
    series: Series
    points: str  # the polyline's "x,y x,y ..."
    dots: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    maximum: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def description(self) -> str:
        known = [(day, value) for day, value in self.series.points if value is not None]
        if not known:
            return f"{self.series.label}: no figures recorded yet."
        (first_day, first), (last_day, last) = known[0], known[-1]
        return (
            f"{self.series.label}: {first} on {date_text(first_day)}, {last} on {date_text(last_day)}; "
            f"highest {max(v for _, v in known)}."
        )


def line_chart(series: Series, *, percent: bool = False) -> Chart:
    values = [v for _, v in series.points if v is not None]
    maximum = 100 if percent else max([*values, 1])
    count = len(series.points)
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(index: int) -> float:
        return round(PAD_LEFT + (inner_w * index / (count - 1) if count > 1 else inner_w / 2), 1)

    def y(value: int) -> float:
        return round(PAD_TOP + inner_h - inner_h * value / maximum, 1)

    dots = [(x(i), y(v), f"{day.day} {day:%b}: {v}") for i, (day, v) in enumerate(series.points) if v is not None]
    ticks = [(y(maximum * step // 4), maximum * step // 4) for step in range(5)]
    every = max(1, count // 6)
    labels = [(x(i), f"{day.day} {day:%b}") for i, (day, _) in enumerate(series.points) if i % every == 0]
    return Chart(
        series=series,
        points=" ".join(f"{px},{py}" for px, py, _ in dots),
        dots=dots,
        y_ticks=ticks,
        x_labels=labels,
        maximum=maximum,
    )


def charts_for(all_series: list[Series]) -> list[Chart]:
    return [line_chart(s, percent=s.measure == "training") for s in all_series]
