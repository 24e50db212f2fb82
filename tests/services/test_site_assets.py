"""The city logo: decoded to be accepted, size and side limits, SVG refused, stored and removed."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from arservice.errors import InputError
from arservice.services import site_assets
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore

LIMIT = 2 * 1024 * 1024


def image_bytes(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, {"RGB": (200, 16, 46), "L": 90}.get(mode, (200, 16, 46, 255))).save(
        buffer, format=fmt
    )
    return buffer.getvalue()


def refused(session: Session, blobs: MemoryBlobStore, data: bytes, limit: int = LIMIT) -> str:
    with pytest.raises(InputError) as error:
        site_assets.upload_logo(session, blobs, data, max_bytes=limit, actor_id=None)
    assert [item.loc for item in error.value.items] == ["file"]
    return error.value.items[0].message("en")


@pytest.mark.parametrize(
    ("fmt", "mode", "content_type"), [("PNG", "RGBA", "image/png"), ("JPEG", "RGB", "image/jpeg")]
)
def test_png_and_jpeg_are_stored_and_recorded(
    session: Session, blobs: MemoryBlobStore, fmt: str, mode: str, content_type: str
) -> None:
    data = image_bytes((480, 200), fmt, mode)
    asset = site_assets.upload_logo(session, blobs, data, max_bytes=LIMIT, actor_id=None)
    assert (asset.content_type, asset.size) == (content_type, len(data))
    assert site_assets.logo_bytes(session, blobs) == data
    assert repo.list_audit(session, action="site.logo_upload")[0].details["sha256"] == asset.sha256
    assert site_assets.delete_logo(session, actor_id=None)
    assert site_assets.logo_bytes(session, blobs) is None
    assert not site_assets.delete_logo(session, actor_id=None)


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(
    session: Session, blobs: MemoryBlobStore
) -> None:
    assert refused(session, blobs, b"GIF89a not really") == "the image must be a PNG or JPEG file"
    assert (
        refused(session, blobs, image_bytes((64, 64), "GIF", "RGB"))
        == "the image must be a PNG or JPEG file"
    )
    assert refused(session, blobs, b"").startswith("the file is empty")


def test_a_truncated_png_is_refused(session: Session, blobs: MemoryBlobStore) -> None:
    data = image_bytes((400, 400), "PNG", "RGB")
    assert refused(session, blobs, data[: len(data) // 2]) == "the image must be a PNG or JPEG file"


def test_svg_is_refused_with_its_own_message(session: Session, blobs: MemoryBlobStore) -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    assert refused(session, blobs, svg).startswith("SVG logos are not accepted")
    assert refused(session, blobs, b"\n  <svg></svg>").startswith("SVG logos are not accepted")


def test_too_large_file_and_sides_are_refused(session: Session, blobs: MemoryBlobStore) -> None:
    data = image_bytes((480, 200))
    assert refused(session, blobs, data, limit=len(data) - 1).startswith("the image may be at most")
    assert refused(session, blobs, image_bytes((8, 300))).startswith(
        "the image must be 16 to 4096 pixels"
    )
    assert refused(session, blobs, image_bytes((5000, 20), mode="L")).startswith(
        "the image must be 16 to 4096"
    )


def test_the_setting_cannot_raise_the_limit_past_what_posters_take() -> None:
    assert site_assets.logo_limit(50 * 1024 * 1024) == LIMIT
    assert site_assets.logo_limit(1000) == 1000


def test_a_decompression_bomb_is_refused_without_decoding_it(
    session: Session, blobs: MemoryBlobStore
) -> None:
    """A 60 000 x 60 000 PNG header over a few hundred bytes of zeros: refused by its header."""
    width = height = 60_000

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        )

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    rows = zlib.compress(b"\x00" * 10_000)
    data = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )
    message = refused(session, blobs, data)
    assert "4096" in message
