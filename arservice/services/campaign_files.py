"""One code as a file: SVG, PDF or PNG, sized for a scanning distance, with or without the logo.

Used by ``/api/v1/codes/{code}/qr.{svg,pdf,png}`` and by the campaign zip. The size defaults to
the smallest that scans from ``distance_m`` by the 10:1 rule (see
:mod:`arservice.printables.spec`); a larger size is fine, a smaller one is refused with the
size it needs. With the logo the code is level H (a third of the symbol may be lost), so the
logo in the middle costs nothing in reading.
"""

from __future__ import annotations

import math
from typing import Literal

from arservice.errors import ArServiceError, ErrorItem
from arservice.printables import choose_qr, encode_qr, qr_pdf, qr_png, qr_svg
from arservice.printables.qr import MIN_SIZE_MM

QrFormat = Literal["svg", "pdf", "png"]
QR_FORMATS: tuple[QrFormat, ...] = ("svg", "pdf", "png")
MEDIA_TYPES = {"svg": "image/svg+xml", "pdf": "application/pdf", "png": "image/png"}
DEFAULT_DISTANCE_M = 1.0
"""A sign read by someone standing in front of it: a code about 13 cm wide."""
DEFAULT_DPI = 300
PLACES = {"distance_m": "distance", "size_mm": "size"}
"""The printables' argument names, as the API and the docs call them."""


def smallest_size_mm(payload: str, distance_m: float, *, logo: bool) -> float:
    """The smallest printed side (quiet zone included), whole millimetres, for ``distance_m``."""
    spec = choose_qr(distance_m, logo)
    modules = encode_qr(payload, spec.level).modules
    return float(max(MIN_SIZE_MM, math.ceil(spec.min_size_mm(modules))))


def code_file(
    payload: str,
    fmt: QrFormat,
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
    size_mm: float | None = None,
    dpi: int = DEFAULT_DPI,
    logo: bytes | None = None,
) -> bytes:
    """The code for ``payload`` as ``fmt``; errors placed at ``distance``, ``size``, ``dpi``."""
    try:
        spec = choose_qr(distance_m, logo is not None)
        size = size_mm or smallest_size_mm(payload, distance_m, logo=logo is not None)
        if fmt == "svg":
            return qr_svg(payload, spec, size_mm=size, logo=logo)
        if fmt == "pdf":
            return qr_pdf(payload, spec, size, logo=logo)
        return qr_png(payload, spec, size, dpi, logo=logo)
    except ArServiceError as error:
        raise type(error)(_placed(item) for item in error.items) from None


def _placed(item: ErrorItem) -> ErrorItem:
    if item.loc not in PLACES:
        return item
    return ErrorItem(PLACES[item.loc], item.msgid, item.params, item.texts)
