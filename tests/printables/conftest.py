"""Fixtures for the printables: the shipped fonts, a logo, a preview picture, and decoders."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from arservice.printables import PosterFonts, qr_payload

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "assets" / "fonts"
PAYLOAD = "https://ar.hel.fi/q/7K3M9QX"
LOGO_RED = (200, 16, 46)


@pytest.fixture(scope="session")
def fonts() -> PosterFonts:
    return PosterFonts(
        regular=(FONTS / "NotoSans-Regular.ttf").read_bytes(),
        bold=(FONTS / "NotoSans-Bold.ttf").read_bytes(),
    )


@pytest.fixture(scope="session")
def payload() -> str:
    made = qr_payload("https://ar.hel.fi", "7k3m9qx")
    assert made == PAYLOAD
    return made


def png_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def logo() -> bytes:
    """A wide two-colour logo with a transparent background."""
    image = Image.new("RGBA", (480, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 479, 199), radius=40, fill=(*LOGO_RED, 255))
    draw.ellipse((300, 40, 420, 160), fill=(255, 255, 255, 255))
    return png_bytes(image)


@pytest.fixture(scope="session")
def preview() -> bytes:
    """A stand-in for a preview render: a light ground with a dark shape on it."""
    image = Image.new("RGB", (900, 390), (236, 236, 232))
    draw = ImageDraw.Draw(image)
    draw.polygon([(150, 300), (750, 300), (650, 180), (250, 180)], fill=(40, 44, 52))
    draw.rectangle((420, 60, 440, 240), fill=(26, 77, 140))
    return png_bytes(image)


def decode(image: Image.Image) -> list[tuple[str, str]]:
    """Every QR code zxing-cpp finds: (text, error-correction level)."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [(code.text, code.ec_level) for code in found]


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def render_pdf(pdf: bytes, dpi: float = 150) -> Image.Image:
    """The first page rendered by pdfium."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image: Image.Image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
    return image


def page_size_mm(pdf: bytes) -> tuple[float, float]:
    document = pdfium.PdfDocument(pdf)
    try:
        assert len(document) == 1
        width, height = document[0].get_size()
    finally:
        document.close()
    return width * 25.4 / 72, height * 25.4 / 72


def page_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        text: str = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    return text


def pdf_streams(pdf: bytes) -> list[bytes]:
    """Every stream of ``pdf``, inflated when it is Flate-compressed."""
    streams = []
    for match in re.finditer(rb"\d+ 0 obj(.*?)endobj", pdf, re.S):
        head, marker, rest = match.group(1).partition(b"stream")
        if not marker:
            continue
        length = int(re.findall(rb"/Length (\d+)", head)[0])
        body = rest.lstrip(b"\r\n")[:length]
        streams.append(zlib.decompress(body) if b"/FlateDecode" in head else body)
    return streams
