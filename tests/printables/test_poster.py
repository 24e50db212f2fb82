"""Posters: exact page sizes, a code that decodes, the texts in the chosen languages, embedded
fonts, long text that stays inside the margins, and clear errors for bad input."""

from __future__ import annotations

import ctypes
import re
from dataclasses import replace

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from PIL import Image

from arservice.errors import InputError
from arservice.printables import (
    CALL_TO_ACTION,
    PosterContent,
    PosterFonts,
    poster_pdf,
    poster_png,
    qr_payload,
)
from arservice.printables.poster_layout import MARGIN
from arservice.printables.texts import SCAN_HINT
from tests.printables.conftest import (
    decode,
    open_png,
    page_size_mm,
    page_text,
    pdf_streams,
    png_bytes,
    render_pdf,
)

TITLES = {
    "fi": "Ulkokuntosali Käpylän urheilupuistoon",
    "sv": "Utegym till Åggelby idrottspark",
    "en": "An outdoor gym for Östersundom",
}
TEXTS = {
    "fi": "Leuanvetotangot ja penkki kumialustalla. Budjetti 45 000 €.",
    "sv": "Räckstänger och en bänk på gummiunderlag. Ystävyyskaupunki Łódź.",
    "en": "Pull-up bars and a bench. In Sámi: Aanaar – Anár, čđŋšŧž.",
}
SIZES_MM = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}
LANGUAGE_SETS = [("fi", "sv"), ("fi", "sv", "en")]


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces (no-break ones too) made single spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture(scope="module")
def content(payload: str, preview: bytes, logo: bytes) -> PosterContent:
    return PosterContent(
        title=TITLES,
        text=TEXTS,
        payload=payload,
        campaign="OmaStadi 2025 – Itäinen suurpiiri",
        preview=preview,
        city_logo=logo,
    )


@pytest.mark.parametrize("size", ["a4", "a3"])
def test_page_is_exactly_a4_or_a3(size: str, content: PosterContent, fonts: PosterFonts) -> None:
    pdf = poster_pdf(content, size, fonts=fonts)
    width, height = page_size_mm(pdf)
    assert (width, height) == pytest.approx(SIZES_MM[size], abs=1e-3)
    media = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert media is not None
    assert float(media[1]) * 25.4 / 72 == pytest.approx(SIZES_MM[size][0], abs=1e-3)


@pytest.mark.parametrize("size", ["a4", "a3"])
@pytest.mark.parametrize("langs", LANGUAGE_SETS, ids="-".join)
def test_poster_code_decodes_to_exactly_the_payload(
    size: str, langs: tuple[str, ...], content: PosterContent, fonts: PosterFonts
) -> None:
    image = render_pdf(poster_pdf(content, size, langs, fonts=fonts), dpi=100)
    assert decode(image) == [(content.payload, "M")]


@pytest.mark.parametrize("langs", LANGUAGE_SETS, ids="-".join)
def test_poster_has_the_texts_of_the_chosen_languages_only(
    langs: tuple[str, ...], content: PosterContent, fonts: PosterFonts
) -> None:
    text = flat(page_text(poster_pdf(content, "a4", langs, fonts=fonts)))
    for lang in ("fi", "sv", "en"):
        expected = lang in langs
        assert (flat(CALL_TO_ACTION[lang]) in text) is expected, lang
        assert (flat(SCAN_HINT[lang]) in text) is expected, lang
        assert (flat(TITLES[lang]) in text) is expected, lang
        assert (flat(TEXTS[lang]) in text) is expected, lang
    assert "ar.hel.fi/q/7K3M9QX" in text
    assert "OmaStadi 2025 – Itäinen suurpiiri" in text


def test_unicode_names_come_out_as_written(content: PosterContent, fonts: PosterFonts) -> None:
    text = flat(page_text(poster_pdf(content, "a4", ("fi", "sv", "en"), fonts=fonts)))
    for name in [
        "Käpylän",
        "Åggelby",
        "Östersundom",
        "Łódź",
        "Aanaar – Anár",
        "čđŋšŧž",
        "45 000 €",
    ]:
        assert name in text


def test_every_font_is_embedded(content: PosterContent, fonts: PosterFonts) -> None:
    pdf = poster_pdf(content, "a4", ("fi", "sv", "en"), fonts=fonts)
    objects = re.findall(rb"\d+ 0 obj\s*<<(.*?)>>\s*(?:endobj|stream)", pdf, re.S)
    descriptors = [o for o in objects if b"/Type /FontDescriptor" in o]
    assert len(descriptors) >= 2  # regular and bold, a subset per 128 glyphs
    assert all(b"/FontFile2" in d for d in descriptors)
    assert set(re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([\w-]+)", pdf)) == {
        b"NotoSans-Regular",
        b"NotoSans-Bold",
    }
    document = pdfium.PdfDocument(pdf)
    try:
        objects = list(document[0].get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT]))
        assert objects
        for item in objects:
            font = pdfium_raw.FPDFTextObj_GetFont(item.raw)
            assert pdfium_raw.FPDFFont_GetIsEmbedded(font) == 1
            name = ctypes.create_string_buffer(128)
            pdfium_raw.FPDFFont_GetBaseFontName(font, name, 128)
            assert name.value.startswith(b"NotoSans")
    finally:
        document.close()


def test_code_on_the_poster_is_k100_black(content: PosterContent, fonts: PosterFonts) -> None:
    pdf = poster_pdf(content, "a4", fonts=fonts)
    (page,) = [s for s in pdf_streams(pdf) if b" Tf" in s]
    runs = [chunk for chunk in page.split(b"\n") if chunk.count(b" re") > 20]
    assert len(runs) == 1  # the modules: one path
    before = page[: page.index(runs[0])]
    assert before.rstrip().endswith(b"0 0 0 1 k")


def test_long_title_shrinks_and_stays_inside_the_margins(
    content: PosterContent, fonts: PosterFonts
) -> None:
    title = ("Östersundomin ja Åggelbyn yhteinen ulkoliikuntapaikka kaikenikäisille " * 4)[:200]
    long = replace(
        content, title={**TITLES, "fi": title}, text={k: v * 8 for k, v in TEXTS.items()}
    )
    for size in ("a4", "a3"):
        pdf = poster_pdf(long, size, ("fi", "sv", "en"), fonts=fonts)
        assert_text_inside_margins(pdf, MARGIN * SIZES_MM[size][0] / 210)
        assert decode(render_pdf(pdf, dpi=100)) == [(content.payload, "M")]
        assert "…" in page_text(pdf)  # what did not fit is cut, visibly


def assert_text_inside_margins(pdf: bytes, margin_mm: float) -> None:
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        margin = margin_mm * 72 / 25.4 - 0.5  # half a point for the glyphs' side bearings
        textpage = page.get_textpage()
        for index in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(index)
            if right <= left:  # a space or a line break
                continue
            assert margin <= left, index
            assert right <= width - margin, index
            assert margin <= bottom, index
            assert top <= height - margin, index
    finally:
        document.close()


def test_a_word_longer_than_the_page_is_broken(content: PosterContent, fonts: PosterFonts) -> None:
    word = replace(content, title={**TITLES, "fi": "Ö" * 200})
    assert_text_inside_margins(poster_pdf(word, "a4", fonts=fonts), MARGIN)


def test_poster_without_preview_or_logo_is_fine(payload: str, fonts: PosterFonts) -> None:
    bare = PosterContent(title={"fi": "Koirapuisto", "sv": "Hundpark"}, payload=payload)
    pdf = poster_pdf(bare, "a4", fonts=fonts)
    assert decode(render_pdf(pdf, dpi=100)) == [(payload, "M")]
    assert "Hundpark" in page_text(pdf)


def test_same_content_gives_the_same_bytes(content: PosterContent, fonts: PosterFonts) -> None:
    assert poster_pdf(content, "a3", fonts=fonts) == poster_pdf(content, "a3", fonts=fonts)


def test_png_preview_is_the_page_at_its_dpi(content: PosterContent, fonts: PosterFonts) -> None:
    image = open_png(poster_png(content, "a4", fonts=fonts, dpi=96))
    assert image.size == (794, 1123)
    assert decode(image.convert("RGB")) == [(content.payload, "M")]


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("langs", "loc"),
    [
        (("fi", "sv", "de"), "langs[2]"),
        (("fi", "fi"), "langs[1]"),
        ((), "langs"),
    ],
)
def test_bad_language_is_refused_at_its_place(
    langs: tuple[str, ...], loc: str, content: PosterContent, fonts: PosterFonts
) -> None:
    with pytest.raises(InputError) as caught:
        poster_pdf(content, "a4", langs, fonts=fonts)
    assert [item.loc for item in caught.value.items] == [loc]


def test_unknown_size_is_refused(content: PosterContent, fonts: PosterFonts) -> None:
    with pytest.raises(InputError) as caught:
        poster_pdf(content, "a5", fonts=fonts)
    assert caught.value.items[0].loc == "size"


def test_missing_title_in_a_chosen_language_is_refused(
    content: PosterContent, fonts: PosterFonts
) -> None:
    only_fi = replace(content, title={"fi": "Ulkokuntosali"})
    with pytest.raises(InputError) as caught:
        poster_pdf(only_fi, "a4", ("fi", "sv", "en"), fonts=fonts)
    assert [item.loc for item in caught.value.items] == ["title.sv", "title.en"]


def test_address_too_long_for_the_posters_code_is_refused(
    content: PosterContent, fonts: PosterFonts
) -> None:
    long = replace(
        content, payload=qr_payload("https://osallistuva-budjetointi.example.org", "7K3M9QX")
    )
    with pytest.raises(InputError) as caught:
        poster_pdf(long, "a4", fonts=fonts)
    item = caught.value.items[0]
    assert item.loc == "payload"
    assert "0.8 m" in item.message("en")


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"preview": b"GIF89a not really"}, "preview"),
        ({"city_logo": png_bytes(Image.new("1", (6000, 10)))}, "city_logo"),
        ({"accent": "blue"}, "accent"),
        ({"campaign": "x" * 201}, "campaign"),
    ],
    ids=["preview-not-image", "logo-too-large", "accent", "campaign-too-long"],
)
def test_bad_content_is_refused_at_its_place(
    change: dict[str, object], loc: str, content: PosterContent, fonts: PosterFonts
) -> None:
    with pytest.raises(InputError) as caught:
        poster_pdf(replace(content, **change), "a4", fonts=fonts)  # type: ignore[arg-type]
    assert caught.value.items[0].loc == loc


def test_font_that_is_not_truetype_is_refused(content: PosterContent, fonts: PosterFonts) -> None:
    with pytest.raises(InputError) as caught:
        poster_pdf(content, "a4", fonts=replace(fonts, regular=b"not a font"))
    assert caught.value.items[0].loc == "fonts.regular"


@pytest.mark.parametrize("dpi", [10, 600])
def test_preview_dpi_out_of_range_is_refused(
    dpi: int, content: PosterContent, fonts: PosterFonts
) -> None:
    with pytest.raises(InputError) as caught:
        poster_png(content, "a4", fonts=fonts, dpi=dpi)
    assert caught.value.items[0].loc == "dpi"


def test_picture_box_fill_takes_the_renders_corner_colour(
    content: PosterContent, fonts: PosterFonts
) -> None:
    """A square render in the wide box: the sides are the render's background, not white."""
    square = png_bytes(Image.new("RGB", (400, 400), (236, 236, 232)))
    image = np.asarray(render_pdf(poster_pdf(replace(content, preview=square), "a4", fonts=fonts)))
    row = image[int(image.shape[0] * 0.2)]  # through the picture box
    side = row[int(image.shape[1] * 0.1)]
    assert np.abs(side.astype(int) - (236, 236, 232)).max() <= 3
