"""A static SVG bar chart of scans per day, stacked by platform family (for the staff UI).

    svg = scan_chart_svg(ChartData(
        days=[date(2025, 6, 1), ...],
        series=[ChartSeries("iOS", [3, 0, ...]), ChartSeries("Android", [...]), ...],
        title="Scans of 7K3M9QX", description="Scans per day from 1 June to 30 June 2025 ..."))

A pure function: values in, SVG text out; every word (title, description, series names, the
axis label) comes from the caller, already in the reader's language. The SVG is self-contained:
no script, no stylesheet, no font or image loaded from anywhere (text asks for the generic
``sans-serif``), so it can be shown in an ``<img>`` under the strictest CSP, or downloaded.

Accessibility: ``role="img"`` with ``<title>`` and ``<desc>`` named by ``aria-labelledby``;
every bar has a ``<title>`` (the day, the platform and the count) as a tooltip. Colours are the
Okabe–Ito palette, chosen to stay distinct with the common colour-vision deficiencies, in a
fixed order from the bottom of each bar, and the legend repeats that order (colour is never
the only carrier: each part's tooltip and ``aria-label`` name its platform and count).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
"""Okabe & Ito (2008): blue, orange, bluish green, reddish purple, sky blue, vermilion."""
WIDTH = 760
HEIGHT = 380
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 44, 84
"""The plot area's margins: room for the y labels, the title, the day labels and the legend."""
MAX_DAY_LABELS = 12
TEXT = "#1a1a1a"
GRID = "#d0d0d0"


@dataclass(frozen=True)
class ChartSeries:
    name: str
    counts: Sequence[int]


@dataclass(frozen=True)
class ChartData:
    days: Sequence[date]
    series: Sequence[ChartSeries]
    """Stacked from the bottom in this order; each has one count per day."""
    title: str
    description: str
    axis_label: str = "scans"


@dataclass(frozen=True)
class Geometry:
    """Where the plot area is and how a count becomes a height (the tests measure bars)."""

    plot_left: float
    plot_top: float
    plot_width: float
    plot_height: float
    y_max: int

    def height_of(self, count: int) -> float:
        return self.plot_height * count / self.y_max

    @property
    def baseline(self) -> float:
        return self.plot_top + self.plot_height


def nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def chart_geometry(data: ChartData) -> Geometry:
    totals = [sum(s.counts[k] for s in data.series) for k in range(len(data.days))]
    return Geometry(
        plot_left=LEFT,
        plot_top=TOP,
        plot_width=WIDTH - LEFT - RIGHT,
        plot_height=HEIGHT - TOP - BOTTOM,
        y_max=nice_max(max(totals, default=0)),
    )


def scan_chart_svg(data: ChartData) -> str:
    """The chart as an SVG document (UTF-8 text)."""
    if any(len(s.counts) != len(data.days) for s in data.series):
        raise ValueError("every series needs one count per day")
    if len(data.series) > len(COLOURS):
        raise ValueError(f"at most {len(COLOURS)} series")
    geometry = chart_geometry(data)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(data.title)}</title>',
        f'<desc id="chart-desc">{escape(data.description)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" font-size="16" font-weight="bold" fill="{TEXT}">'
        f"{escape(data.title)}</text>",
        *_y_axis(geometry, data.axis_label),
        *_bars(data, geometry),
        *_x_labels(data.days, geometry),
        *_legend(data.series),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _y_axis(geometry: Geometry, label: str) -> list[str]:
    parts = []
    steps = min(geometry.y_max, 5)  # y_max is 1, 2, 5, 10, 20, ...: whole-number gridlines
    for k in range(steps + 1):
        value = geometry.y_max * k / steps
        y = geometry.baseline - geometry.height_of(1) * value
        text = f"{value:g}"
        parts.append(
            f'<line x1="{geometry.plot_left}" x2="{geometry.plot_left + geometry.plot_width}" '
            f'y1="{y:.2f}" y2="{y:.2f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{geometry.plot_left - 8}" y="{y + 4:.2f}" text-anchor="end" '
            f'fill="{TEXT}">{text}</text>'
        )
    middle = geometry.plot_top + geometry.plot_height / 2
    parts.append(
        f'<text x="16" y="{middle:.2f}" text-anchor="middle" fill="{TEXT}" '
        f'transform="rotate(-90 16 {middle:.2f})">{escape(label)}</text>'
    )
    return parts


def _bars(data: ChartData, geometry: Geometry) -> list[str]:
    parts = []
    slot = geometry.plot_width / max(len(data.days), 1)
    width = max(slot * 0.7, 1.0)
    for k, day in enumerate(data.days):
        x = geometry.plot_left + k * slot + (slot - width) / 2
        bottom = geometry.baseline
        for index, series in enumerate(data.series):
            count = series.counts[k]
            if count <= 0:
                continue
            height = geometry.height_of(count)
            label = quoteattr(f"{day.isoformat()}: {series.name} {count}")
            parts.append(
                f'<rect x="{x:.2f}" y="{bottom - height:.2f}" width="{width:.2f}" '
                f'height="{height:.2f}" fill="{COLOURS[index]}" data-series="{index}" '
                f'data-day={quoteattr(day.isoformat())} data-count="{count}" '
                f"aria-label={label}><title>{escape(label[1:-1])}</title></rect>"
            )
            bottom -= height
    return parts


def _x_labels(days: Sequence[date], geometry: Geometry) -> list[str]:
    if not days:
        return []
    every = math.ceil(len(days) / MAX_DAY_LABELS)
    slot = geometry.plot_width / len(days)
    parts = []
    for k in range(0, len(days), every):
        x = geometry.plot_left + (k + 0.5) * slot
        parts.append(
            f'<text x="{x:.2f}" y="{geometry.baseline + 16:.2f}" text-anchor="middle" '
            f'fill="{TEXT}">{days[k].isoformat()[5:]}</text>'
        )
    parts.append(
        f'<line x1="{geometry.plot_left}" x2="{geometry.plot_left + geometry.plot_width}" '
        f'y1="{geometry.baseline}" y2="{geometry.baseline}" stroke="{TEXT}" stroke-width="1"/>'
    )
    return parts


def _legend(series: Sequence[ChartSeries]) -> list[str]:
    parts = []
    x, y = float(LEFT), float(HEIGHT - 24)
    for index, item in enumerate(series):
        parts.append(
            f'<rect x="{x:.2f}" y="{y - 10:.2f}" width="12" height="12" fill="{COLOURS[index]}"/>'
        )
        parts.append(f'<text x="{x + 18:.2f}" y="{y:.2f}" fill="{TEXT}">{escape(item.name)}</text>')
        x += 18 + 8 * len(item.name) + 24
    return parts
