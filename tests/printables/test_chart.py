"""The scan chart: valid, self-contained SVG whose bars are as tall as their counts (measured in
pixels after rasterizing it with resvg)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import resvg_py
from PIL import Image

from arservice.printables.chart import (
    COLOURS,
    HEIGHT,
    WIDTH,
    ChartData,
    ChartSeries,
    chart_geometry,
    nice_max,
    scan_chart_svg,
)

NS = "{http://www.w3.org/2000/svg}"
DAYS = [date(2025, 6, 1) + timedelta(days=k) for k in range(7)]
IOS = [3, 0, 7, 1, 0, 2, 10]
ANDROID = [1, 0, 2, 0, 0, 5, 4]
BOTS = [0, 4, 0, 0, 0, 1, 0]


def data(**changes: object) -> ChartData:
    values: dict[str, object] = {
        "days": DAYS,
        "series": [
            ChartSeries("iOS", IOS),
            ChartSeries("Android", ANDROID),
            ChartSeries("bots", BOTS),
        ],
        "title": "Scans of code 7K3M9QX <&>",
        "description": "Scans per day, stacked by platform",
    }
    values.update(changes)
    return ChartData(**values)  # type: ignore[arg-type]


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))  # type: ignore[return-value]


def test_the_chart_is_valid_self_contained_svg_with_a_title_and_a_description() -> None:
    svg = scan_chart_svg(data())
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.findtext(f"{NS}title") == "Scans of code 7K3M9QX <&>"
    assert root.findtext(f"{NS}desc") == "Scans per day, stacked by platform"
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    tags = {element.tag.removeprefix(NS) for element in root.iter()}
    assert not tags & {"script", "style", "image", "a", "foreignObject", "use"}
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", ""), "nothing loaded"
    assert "@font-face" not in svg
    legend = [t.text for t in root.iter(f"{NS}text")]
    assert {"iOS", "Android", "bots"} <= set(legend)


def test_bars_are_as_tall_as_their_counts_in_pixels() -> None:
    chart = data()
    geometry = chart_geometry(chart)
    assert geometry.y_max == 20  # the tallest day is 14
    png = resvg_py.svg_to_bytes(svg_string=scan_chart_svg(chart), background="#ffffff")
    image = Image.open(io.BytesIO(bytes(png))).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    slot = geometry.plot_width / len(DAYS)
    for k in range(len(DAYS)):
        x = round(geometry.plot_left + (k + 0.5) * slot)
        column = [image.getpixel((x, y)) for y in range(HEIGHT)]
        for index, counts in enumerate((IOS, ANDROID, BOTS)):
            painted = sum(1 for pixel in column if pixel == rgb(COLOURS[index]))
            expected = geometry.height_of(counts[k])
            # the top and bottom edge pixels may be anti-aliased blends: up to 2 px uncounted
            assert expected - 2 <= painted <= expected + 0.5, (k, index, painted, expected)
            if counts[k] == 0:
                assert painted == 0


def test_an_empty_period_draws_no_bars() -> None:
    zeros = [0] * len(DAYS)
    chart = data(series=[ChartSeries("iOS", zeros)])
    root = ET.fromstring(scan_chart_svg(chart))
    assert not [r for r in root.iter(f"{NS}rect") if r.get("data-count")]
    assert chart_geometry(chart).y_max == 1


def test_a_year_of_days_keeps_the_day_labels_readable() -> None:
    days = [date(2025, 1, 1) + timedelta(days=k) for k in range(366)]
    chart = data(days=days, series=[ChartSeries("iOS", [k % 5 for k in range(366)])])
    root = ET.fromstring(scan_chart_svg(chart))
    labels = [t for t in root.iter(f"{NS}text") if (t.text or "").count("-") == 1]
    assert 6 <= len(labels) <= 12


@pytest.mark.parametrize(
    ("value", "nice"), [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (14, 20), (51, 100), (200, 200)]
)
def test_the_axis_ends_at_a_round_number(value: int, nice: int) -> None:
    assert nice_max(value) == nice


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="one count per day"):
        scan_chart_svg(data(series=[ChartSeries("iOS", [1, 2])]))


def test_the_colours_differ_for_colour_blind_readers() -> None:
    """Deuteranopia simulated (Viénot et al. 1999, on linear sRGB): the four colours the chart
    uses stay apart (no two closer than a clear step in the simulated space)."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def deuteranope(colour: str) -> tuple[float, float, float]:
        r, g, b = (linear(v) for v in rgb(colour))
        return (
            0.29275 * r + 0.70725 * g,
            0.29275 * r + 0.70725 * g,
            -0.02234 * r + 0.02234 * g + b,
        )

    simulated = [deuteranope(c) for c in COLOURS[:4]]
    for i in range(4):
        for j in range(i + 1, 4):
            distance = sum((a - b) ** 2 for a, b in zip(simulated[i], simulated[j], strict=True))
            assert distance**0.5 > 0.08, (COLOURS[i], COLOURS[j])
