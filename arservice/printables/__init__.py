"""Printables: QR codes (SVG, PDF, PNG) and print-ready posters (A4/A3 PDF, PNG preview).

Pure functions: values and bytes in, bytes out. No file, network, database or clock; fonts,
logos and the preview render are passed in as bytes by the caller (the store layer reads the
shipped fonts from ``assets/fonts/``).

    payload = qr_payload("https://ar.hel.fi", "7k3m9qx")     # https://ar.hel.fi/q/7K3M9QX
    spec = choose_qr(distance_m=1.5, logo=False)            # level M, module >= 6 mm
    svg = qr_svg(payload, spec)                             # smallest size for 1.5 m
    pdf = qr_pdf(payload, spec, size_mm=200)                # vector, K100 black
    png = qr_png(payload, spec, size_mm=200, dpi=300)
    poster = poster_pdf(PosterContent(title={...}, payload=payload), "a4", ["fi", "sv"],
                        fonts=PosterFonts(regular=..., bold=...))

Errors are :class:`~arservice.errors.InputError` with the place of the bad value.
"""

from arservice.printables.encode import QrMatrix, encode_qr
from arservice.printables.fonts import PosterFonts
from arservice.printables.payload import normalize_code, printed_address, qr_payload
from arservice.printables.poster import PosterContent, poster_pdf, poster_png
from arservice.printables.poster_layout import DESIGN_DISTANCE_M, PageSize, preview_pixels
from arservice.printables.qr import qr_pdf, qr_png, qr_svg
from arservice.printables.spec import QrSpec, choose_qr
from arservice.printables.texts import CALL_TO_ACTION, POSTER_LANGUAGES

__all__ = [
    "CALL_TO_ACTION",
    "DESIGN_DISTANCE_M",
    "POSTER_LANGUAGES",
    "PageSize",
    "PosterContent",
    "PosterFonts",
    "QrMatrix",
    "QrSpec",
    "choose_qr",
    "encode_qr",
    "normalize_code",
    "poster_pdf",
    "poster_png",
    "preview_pixels",
    "printed_address",
    "qr_payload",
    "qr_pdf",
    "qr_png",
    "qr_svg",
]
