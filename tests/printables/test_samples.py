"""Sample posters with a real preview render, in each size and language set, kept to be looked at.

The PNGs are written to a temporary directory whose path the session prints; a poster is a
public product of the city, so someone should look at them after a layout change.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from arservice.parametric import build_scene
from arservice.printables import (
    PosterContent,
    PosterFonts,
    poster_pdf,
    poster_png,
    preview_pixels,
    qr_payload,
)
from arservice.render import render_preview
from arservice.store.builtin import builtin_template, material_library
from tests.printables.conftest import FONTS, decode, render_pdf

TITLES = {
    "fi": "Ulkokuntosali Käpylän urheilupuistoon",
    "sv": "Utegym till Åggelby idrottspark",
    "en": "An outdoor gym for Käpylä sports park",
}
TEXTS = {
    "fi": "Leuanvetotangot, dippitelineet ja penkki kolmelle asemalle kumialustalla. "
    "Rakennetaan vuonna 2026. Budjetti 45 000 €.",
    "sv": "Räckstänger, dipställningar och en bänk för tre stationer på gummiunderlag. "
    "Byggs år 2026. Budget 45 000 €.",
    "en": "Pull-up bars, dip stations and a bench for three stations on a rubber surface. "
    "Built in 2026. Budget €45,000.",
}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    path = tmp_path_factory.mktemp("posters")
    capture: Any = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nsample posters: {path}")
    return path


@pytest.fixture(scope="module")
def city_logo() -> bytes:
    """A made-up bilingual city logo (no real city's mark)."""
    image = Image.new("RGBA", (640, 260), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONTS / "NotoSans-Bold.ttf"), 96)
    draw.text((8, 0), "Kaupunki", font=font, fill=(0, 0, 191, 255))
    draw.text((8, 120), "Stad", font=font, fill=(0, 0, 191, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("size", ["a4", "a3"])
@pytest.mark.parametrize("langs", [("fi", "sv"), ("fi", "sv", "en")], ids="-".join)
def test_sample_poster_with_a_real_render_decodes(
    size: str, langs: tuple[str, ...], fonts: PosterFonts, city_logo: bytes, sample_dir: Path
) -> None:
    width, height = preview_pixels(size, dpi=100)  # type: ignore[arg-type]
    scene = build_scene(builtin_template("outdoor-gym"), {}, library=material_library())
    content = PosterContent(
        title=TITLES,
        text=TEXTS,
        payload=qr_payload("https://ar.hel.fi", "7K3M9QX"),
        campaign="OmaStadi 2025 – Itäinen suurpiiri / Östra stordistriktet",
        preview=render_preview(scene, width=width, height=height),
        city_logo=city_logo,
    )
    name = f"poster-{size}-{'-'.join(langs)}"
    pdf = poster_pdf(content, size, langs, fonts=fonts)
    (sample_dir / f"{name}.pdf").write_bytes(pdf)
    png = poster_png(content, size, langs, fonts=fonts, dpi=100)
    (sample_dir / f"{name}.png").write_bytes(png)
    assert decode(render_pdf(pdf, dpi=100)) == [(content.payload, "M")]
