"""QR files: each decodes to exactly its payload, keeps its quiet zone, and refuses bad input."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import resvg_py
from PIL import Image

from arservice.errors import InputError
from arservice.printables import choose_qr, encode_qr, qr_pdf, qr_png, qr_svg
from arservice.printables.codewords import worst_block_load
from arservice.printables.logo import MAX_BLOCK_LOAD, MAX_LOGO_BYTES, place_logo
from arservice.printables.spec import LOGO_MAX_AREA, QrSpec
from tests.printables.conftest import (
    LOGO_RED,
    decode,
    open_png,
    page_size_mm,
    pdf_streams,
    png_bytes,
    render_pdf,
)

SIZE_MM = 170.0  # at 1 m: 132 mm for the plain code, 164 mm with a logo (version 4)


def svg_image(svg: bytes, dpi: float = 150) -> Image.Image:
    """The SVG rasterized by resvg (an independent renderer)."""
    png = resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), dpi=dpi, background="#ffffff")
    return open_png(bytes(png)).convert("RGB")


def render(kind: str, payload: str, spec: QrSpec, logo: bytes | None) -> Image.Image:
    if kind == "png":
        return open_png(qr_png(payload, spec, SIZE_MM, 150, logo=logo)).convert("RGB")
    if kind == "svg":
        return svg_image(qr_svg(payload, spec, size_mm=SIZE_MM, logo=logo))
    return render_pdf(qr_pdf(payload, spec, SIZE_MM, logo=logo))


@pytest.mark.parametrize("kind", ["png", "svg", "pdf"])
@pytest.mark.parametrize("with_logo", [False, True], ids=["plain", "logo"])
def test_code_decodes_to_exactly_its_payload(
    kind: str, with_logo: bool, payload: str, logo: bytes
) -> None:
    spec = choose_qr(1.0, logo=with_logo)
    found = decode(render(kind, payload, spec, logo if with_logo else None))
    assert [text for text, _ in found] == [payload]
    assert found[0][1] == ("H" if with_logo else "M")


@pytest.mark.parametrize("kind", ["png", "svg", "pdf"])
def test_quiet_zone_of_four_modules_is_white(kind: str, payload: str) -> None:
    spec = choose_qr(1.0)
    image = np.asarray(render(kind, payload, spec, None).convert("L"))
    modules = encode_qr(payload, "M").modules + 8
    quiet = int(image.shape[0] * 4 / modules) - 1  # a pixel less for anti-aliased edges
    for strip in (image[:quiet], image[-quiet:], image[:, :quiet], image[:, -quiet:]):
        assert strip.min() >= 250
    # and the symbol starts right after it: the finder pattern's dark corner
    edge = round(image.shape[0] * 4 / modules) + 2
    assert image[edge, edge] < 64  # pdfium shows K100 as a near-black grey


def test_pdf_draws_modules_in_pure_k100_black(payload: str) -> None:
    pdf = qr_pdf(payload, choose_qr(1.0), SIZE_MM)
    (content,) = [s for s in pdf_streams(pdf) if b" re" in s]
    ops = re.findall(rb"([\d. ]+) (k|rg|g|K|RG|G|cs|scn|sc)\b", content)
    assert ops == [(b"0 0 0 0", b"k"), (b"0 0 0 1", b"k")]  # paper white, then the modules
    before_fill = content.rsplit(b"0 0 0 1 k", 1)[1]
    assert before_fill.count(b" re") > 50
    assert before_fill.rstrip().endswith(b"Q")


def test_pdf_page_is_exactly_the_size_asked(payload: str) -> None:
    width, height = page_size_mm(qr_pdf(payload, choose_qr(1.0), 150.0))
    assert width == pytest.approx(150.0, abs=1e-3)
    assert height == pytest.approx(150.0, abs=1e-3)


def test_pdf_has_no_font(payload: str) -> None:
    assert b"/BaseFont" not in qr_pdf(payload, choose_qr(1.0), 150.0)


def test_png_has_the_pixels_and_dpi_of_its_print_size(payload: str) -> None:
    image = open_png(qr_png(payload, choose_qr(1.0), 254.0, 300))
    assert image.size == (3000, 3000)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)  # stored per metre


def test_svg_is_as_wide_as_asked_in_millimetres(payload: str) -> None:
    svg = qr_svg(payload, choose_qr(1.0), size_mm=140)
    assert b'width="140mm" height="140mm"' in svg


def test_svg_defaults_to_the_smallest_size_for_its_distance(payload: str) -> None:
    spec = choose_qr(1.0)
    size = spec.min_size_mm(encode_qr(payload, "M").modules)
    assert f'width="{size:g}mm"'.encode() in qr_svg(payload, spec)


@pytest.mark.parametrize("kind", ["svg", "pdf", "png"])
def test_same_arguments_give_the_same_bytes(kind: str, payload: str, logo: bytes) -> None:
    spec = choose_qr(1.0, logo=True)

    def make() -> bytes:
        if kind == "svg":
            return qr_svg(payload, spec, logo=logo)
        if kind == "pdf":
            return qr_pdf(payload, spec, SIZE_MM, logo=logo)
        return qr_png(payload, spec, SIZE_MM, 150, logo=logo)

    assert make() == make()


# -- the logo -------------------------------------------------------------------------------------
def test_logo_covers_at_most_15_percent_and_forces_level_h(payload: str, logo: bytes) -> None:
    spec = choose_qr(1.0, logo=True)
    assert spec.level == "H"
    image = np.asarray(open_png(qr_png(payload, spec, SIZE_MM, 150, logo=logo)).convert("RGB"))
    modules = encode_qr(payload, "H").modules
    symbol_px = image.shape[0] * modules / (modules + 8)
    red = np.abs(image.astype(int) - LOGO_RED).max(axis=2) < 40
    assert 0.03 < red.sum() / symbol_px**2 <= LOGO_MAX_AREA
    assert decode(Image.fromarray(image))[0][1] == "H"


def test_logo_forces_level_h_even_with_a_plain_spec(payload: str, logo: bytes) -> None:
    image = open_png(qr_png(payload, choose_qr(1.0), SIZE_MM, 150, logo=logo))
    assert decode(image.convert("RGB")) == [(payload, "H")]


@pytest.mark.parametrize("version", [1, 2, 3, 4, 7, 10, 13, 18, 20, 32, 40])
@pytest.mark.parametrize("aspect", [0.25, 0.6, 1.0, 2.4, 4.0, 9.0])
def test_logo_pad_stays_under_the_limits_and_clear_of_the_finders(
    version: int, aspect: float
) -> None:
    modules = 17 + 4 * version
    place = place_logo(version, "H", aspect)
    assert place.area_share(modules) <= LOGO_MAX_AREA
    covered = [
        (y, x)
        for y in range(place.pad_y, place.pad_y + place.pad_height)
        for x in range(place.pad_x, place.pad_x + place.pad_width)
    ]
    assert worst_block_load(version, "H", covered) <= MAX_BLOCK_LOAD
    assert place.pad_x >= 9
    assert place.pad_y >= 9
    assert place.pad_x + place.pad_width <= modules - 9
    assert place.pad_x * 2 + place.pad_width == modules  # centred on whole modules
    assert place.pad_y * 2 + place.pad_height == modules
    assert place.logo_width <= place.pad_width
    assert place.logo_height <= place.pad_height


@pytest.mark.parametrize("length", [0, 30, 60, 90, 120, 150, 180, 210, 236])
def test_logo_codes_of_longer_payloads_still_decode(length: int, logo: bytes) -> None:
    """Versions 4 to 14: 13 is where a pad priced by area alone made the code unreadable."""
    payload = "https://a.fi/" + ("7K3M9QXABC" * 30)[:length]
    spec = choose_qr(0.2, logo=True)
    image = open_png(qr_png(payload, spec, 300, 200, logo=logo)).convert("RGB")
    assert decode(image) == [(payload, "H")]


# -- bad input ------------------------------------------------------------------------------------
def gif_logo() -> bytes:
    return png_bytes(Image.new("RGB", (64, 64), (255, 0, 0)), "GIF")


@pytest.mark.parametrize(
    ("make_logo", "expected"),
    [
        (lambda: b"not an image at all", "PNG or JPEG"),
        (gif_logo, "PNG or JPEG"),
        (lambda: png_bytes(Image.new("RGB", (64, 64)))[:60], "PNG or JPEG"),
        (lambda: b"\x89PNG" + bytes(MAX_LOGO_BYTES), "at most"),
        (lambda: png_bytes(Image.new("1", (5000, 20))), "5000 x 20"),
        (lambda: png_bytes(Image.new("RGB", (8, 8))), "8 x 8"),
    ],
    ids=["not-image", "gif", "truncated", "too-many-bytes", "too-many-pixels", "too-small"],
)
def test_bad_logo_is_refused_at_its_place(make_logo: object, expected: str, payload: str) -> None:
    assert callable(make_logo)
    with pytest.raises(InputError) as caught:
        qr_svg(payload, choose_qr(1.0, logo=True), logo=make_logo())
    item = caught.value.items[0]
    assert item.loc == "logo"
    assert expected in item.message("en")


def test_huge_picture_in_a_small_file_is_refused_before_decoding(payload: str) -> None:
    big = png_bytes(Image.new("1", (20000, 20000)))
    assert len(big) < MAX_LOGO_BYTES
    with pytest.raises(InputError) as caught:
        qr_png(payload, choose_qr(1.0, logo=True), SIZE_MM, 150, logo=big)
    assert caught.value.items[0].loc == "logo"


def test_payload_too_long_for_the_size_is_refused(payload: str) -> None:
    long = payload + "/" + "X" * 60
    spec = choose_qr(1.0)
    with pytest.raises(InputError) as caught:
        qr_pdf(long, spec, 140)
    item = caught.value.items[0]
    assert item.loc == "size_mm"
    assert "shorter address" in item.message("en")
    needed = spec.min_size_mm(encode_qr(long, "M").modules)
    assert qr_pdf(long, spec, needed)  # exactly the minimum is enough


@pytest.mark.parametrize("size", [5.0, 2500.0, float("nan")])
def test_size_out_of_range_is_refused(size: float, payload: str) -> None:
    with pytest.raises(InputError) as caught:
        qr_pdf(payload, choose_qr(0.2), size)
    assert caught.value.items[0].loc == "size_mm"


@pytest.mark.parametrize(
    ("size", "dpi", "expected"),
    [
        (100.0, 50, "between"),
        (100.0, 2400, "between"),
        (1500.0, 600, "pixels wide"),
        (27.0, 72, "under"),
    ],
)
def test_resolution_out_of_range_is_refused(
    size: float, dpi: int, expected: str, payload: str
) -> None:
    with pytest.raises(InputError) as caught:
        qr_png(payload, choose_qr(0.2), size, dpi)
    item = caught.value.items[0]
    assert item.loc == "dpi"
    assert expected in item.message("en")


@pytest.mark.parametrize("distance", [0.0, 0.1, 60.0, float("inf")])
def test_distance_out_of_range_is_refused(distance: float) -> None:
    with pytest.raises(InputError) as caught:
        choose_qr(distance)
    assert caught.value.items[0].loc == "distance_m"


def test_ten_to_one_rule_sizes_a_short_link_code() -> None:
    spec = choose_qr(1.5)
    assert spec.level == "M"
    assert spec.quiet_zone == 4
    assert spec.min_symbol_mm(25) == pytest.approx(150.0)  # a version 2 symbol: 1.5 m / 10
    assert spec.min_size_mm(25) == pytest.approx(150.0 * 33 / 25)


def test_png_image_from_bytes_is_what_a_reader_sees(payload: str) -> None:
    """The PNG is a real PNG with the dpi stored, readable by any tool."""
    data = qr_png(payload, choose_qr(1.0), SIZE_MM, 150)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(data)).format == "PNG"
