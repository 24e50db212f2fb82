"""The city logo: an admin uploads it once; posters and QR codes with a logo print it.

A logo is accepted only when Pillow decodes it as a PNG or JPEG (the bytes decide, never the
file name or the Content-Type), it is at most the size limit (``ARSERVICE_MAX_LOGO_BYTES``, and
never more than the printables take), and each side is
:data:`~arservice.printables.logo.MIN_LOGO_SIDE_PX`..:data:`~arservice.printables.logo.MAX_LOGO_SIDE_PX`
pixels. The sides are read from the file's header before any pixel is decoded, so a small file
that claims a huge picture (a decompression bomb) is refused without decoding it.

SVG is refused with its own message: drawing an SVG means running a renderer over a document
that may reference other files and fonts, and nothing here renders SVG for print; a PNG export
of the city's logo prints just as well.

The bytes go to the blob store (written atomically, named by their sha256) and are recorded as
the site asset ``logo``; removing the logo removes the record (the posters go back to none).
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image
from sqlalchemy.orm import Session

from arservice.errors import ErrorItem, InputError
from arservice.i18n import N_
from arservice.printables.images import load_image
from arservice.printables.logo import MAX_LOGO_BYTES, MAX_LOGO_SIDE_PX, MIN_LOGO_SIDE_PX
from arservice.store import repositories as repo
from arservice.store.blobs import BlobNotFoundError, BlobStore
from arservice.store.models import SiteAsset

LOGO = "logo"
LOC = "file"
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg"}

MSG_EMPTY = N_("the file is empty: choose the logo's PNG or JPEG file")
MSG_SVG = N_(
    "SVG logos are not accepted, as they cannot be printed safely here: export the logo as a "
    "PNG (with a transparent background) at least 1000 pixels wide and upload that"
)


def logo_limit(max_logo_bytes: int) -> int:
    """The size limit in force: the setting, capped by what the printables accept."""
    return min(max_logo_bytes, MAX_LOGO_BYTES)


def upload_logo(
    session: Session, blobs: BlobStore, data: bytes, *, max_bytes: int, actor_id: int | None
) -> SiteAsset:
    """Check ``data`` and make it the city logo; InputError at ``file`` when refused."""
    fmt = check_logo(data, logo_limit(max_bytes))
    sha256 = hashlib.sha256(data).hexdigest()
    key = f"site/logo-{sha256}.{EXTENSIONS[fmt]}"
    if blobs.size(key) != len(data):
        blobs.put(key, data)
    asset = repo.put_site_asset(
        session,
        LOGO,
        blob_key=key,
        sha256=sha256,
        content_type=CONTENT_TYPES[fmt],
        size=len(data),
        updated_by_id=actor_id,
    )
    repo.append_audit(
        session,
        "site.logo_upload",
        actor_id=actor_id,
        target_type="site_asset",
        target_id=LOGO,
        details={"sha256": sha256, "size": len(data), "content_type": asset.content_type},
    )
    return asset


def check_logo(data: bytes, max_bytes: int) -> str:
    """The format (``PNG`` or ``JPEG``) of an acceptable logo; InputError otherwise."""
    if not data:
        raise InputError([ErrorItem(LOC, MSG_EMPTY)])
    if looks_like_svg(data[:1024]):
        raise InputError([ErrorItem(LOC, MSG_SVG)])
    # Decodes every pixel (a truncated or corrupt file is refused), after the header checks.
    load_image(data, LOC, max_bytes=max_bytes, min_side=MIN_LOGO_SIDE_PX, max_side=MAX_LOGO_SIDE_PX)
    with Image.open(io.BytesIO(data), formats=tuple(CONTENT_TYPES)) as image:
        return str(image.format)


def looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg", b"<!--")) or b"<svg" in text


def logo_asset(session: Session) -> SiteAsset | None:
    return repo.get_site_asset(session, LOGO)


def logo_bytes(session: Session, blobs: BlobStore) -> bytes | None:
    """The uploaded logo, or None when there is none (or its blob is missing)."""
    asset = logo_asset(session)
    if asset is None:
        return None
    try:
        return blobs.get(asset.blob_key)
    except BlobNotFoundError:
        return None


def delete_logo(session: Session, *, actor_id: int | None) -> bool:
    """Remove the city logo; False when there was none. The blob stays (posters made with it
    may be reprinted from their own files)."""
    asset = logo_asset(session)
    if asset is None:
        return False
    details = {"sha256": asset.sha256}
    session.delete(asset)
    session.flush()
    repo.append_audit(
        session,
        "site.logo_delete",
        actor_id=actor_id,
        target_type="site_asset",
        target_id=LOGO,
        details=details,
    )
    return True
