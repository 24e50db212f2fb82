"""A campaign's zip: every code and every poster, ready for the print shop.

    codes/001-kapylan-ulkokuntosali-7K3M9QX.svg   the code, vector (the smallest size for 1 m)
    codes/001-kapylan-ulkokuntosali-7K3M9QX.pdf   the same, vector PDF in K100 black
    codes/001-kapylan-ulkokuntosali-7K3M9QX.png   the same, 300 dpi
    posters/001-kapylan-ulkokuntosali-7K3M9QX-a4.pdf   the poster, A4 or A3 as the campaign says
    posters/001-kapylan-ulkokuntosali-7K3M9QX-a4.png   a 96 dpi preview of it
    index.csv                                     file -> idea, title, code, short address

Two steps, so no database session is held while posters are drawn: :func:`plan_bundle` reads
what the zip needs (in a read-only session) and checks each idea can still be printed;
:func:`write_bundle` draws and writes. The zip is written to a temporary file beside the
target and renamed into place only when complete, so there is never a half-written zip; each
file goes into the zip as soon as it is made, so memory stays that of one poster whatever the
campaign's size.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from arservice.errors import ErrorItem, InputError
from arservice.i18n import N_, pick_text
from arservice.printables import PosterContent, PosterFonts, poster_pdf, qr_payload
from arservice.printables.payload import printed_address
from arservice.printables.pdf import render_page
from arservice.services import site_assets
from arservice.services.campaign_files import QR_FORMATS, code_file
from arservice.services.campaigns import MSG_NO_PREVIEW, MSG_NOT_PUBLISHED, get_campaign
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.models import ArtifactKind, IdeaStatus, PosterSize

Progress = Callable[[int, int], None]
"""Called with (ideas done, ideas in all) before the first and after each idea."""
POSTER_PREVIEW_DPI = 96
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
"""Every entry's time: the same campaign makes the same zip, byte for byte."""
INDEX_NAME = "index.csv"
INDEX_COLUMNS = ("file", "kind", "idea", "title", "code", "short_url")

MSG_CANNOT_WRITE = N_("cannot write {path}: {reason}")


@dataclass(frozen=True)
class BundleItem:
    """One idea of the campaign, as its poster and code need it."""

    position: int
    idea: str
    title: dict[str, str]
    text: dict[str, str]
    code: str
    preview_key: str


@dataclass(frozen=True)
class BundlePlan:
    """What the zip holds, read from the database; drawing it needs no session."""

    slug: str
    name: str
    languages: tuple[str, ...]
    size: str
    items: tuple[BundleItem, ...]
    logo: bytes | None

    @property
    def file_name(self) -> str:
        return f"{self.slug}.zip"


def plan_bundle(session: Session, blobs: BlobStore, slug: str) -> BundlePlan:
    """The campaign ``slug``'s zip, planned; InputError when an idea can no longer be printed
    (unpublished, or its preview is gone since it joined)."""
    campaign = get_campaign(session, slug)
    languages = tuple(campaign.languages)
    items: list[BundleItem] = []
    problems: list[ErrorItem] = []
    for entry in campaign.entries:
        idea, loc = entry.idea, f"ideas[{entry.position}]"
        artifact = None
        if idea.png_sha256 is not None:
            artifact = repo.get_artifact(session, idea.png_sha256, ArtifactKind.PNG)
        if idea.status is not IdeaStatus.PUBLISHED:
            problems.append(ErrorItem(loc, MSG_NOT_PUBLISHED, {"slug": idea.slug}))
        elif artifact is None:
            problems.append(ErrorItem(loc, MSG_NO_PREVIEW, {"slug": idea.slug}))
        else:
            items.append(
                BundleItem(
                    position=entry.position + 1,
                    idea=idea.slug,
                    title={lang: idea.title[lang] for lang in languages if lang in idea.title},
                    text={lang: idea.summary[lang] for lang in languages if lang in idea.summary},
                    code=entry.code.code,
                    preview_key=artifact.blob_key,
                )
            )
    if problems:
        raise InputError(problems)
    return BundlePlan(
        slug=campaign.slug,
        name=pick_text(campaign.name, languages[0] if languages else None),
        languages=languages,
        size=PosterSize(campaign.poster_size).value,
        items=tuple(items),
        logo=site_assets.logo_bytes(session, blobs),
    )


def write_bundle(
    plan: BundlePlan,
    blobs: BlobStore,
    out: Path,
    *,
    base_url: str,
    fonts: PosterFonts,
    progress: Progress | None = None,
) -> Path:
    """Draw every code and poster of ``plan`` into the zip ``out`` (atomically); ``out``."""
    total = len(plan.items)
    if progress is not None:
        progress(0, total)
    try:
        fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise _write_error(out, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            rows: list[tuple[str, ...]] = []
            for done, item in enumerate(plan.items, start=1):
                for name, kind, data in item_files(plan, item, blobs, base_url, fonts):
                    _add(archive, name, data)
                    rows.append(index_row(plan, item, name, kind, base_url))
                if progress is not None:
                    progress(done, total)
            _add(archive, INDEX_NAME, index_csv(rows))
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _write_error(out, exc) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out


def item_files(
    plan: BundlePlan, item: BundleItem, blobs: BlobStore, base_url: str, fonts: PosterFonts
) -> list[tuple[str, str, bytes]]:
    """(name in the zip, kind, bytes) of one idea's codes and poster."""
    payload = qr_payload(base_url, item.code)
    stem = f"{item.position:03d}-{item.idea}-{item.code}"
    files = [
        (f"codes/{stem}.{fmt}", f"code-{fmt}", code_file(payload, fmt, logo=plan.logo))
        for fmt in QR_FORMATS
    ]
    content = PosterContent(
        title=item.title,
        text=item.text,
        payload=payload,
        campaign=plan.name,
        preview=blobs.get(item.preview_key),
        city_logo=plan.logo,
    )
    pdf = poster_pdf(content, plan.size, plan.languages, fonts=fonts)
    buffer = io.BytesIO()
    image = render_page(pdf, POSTER_PREVIEW_DPI)  # the same page, not drawn a second time
    image.save(buffer, format="PNG", dpi=(POSTER_PREVIEW_DPI, POSTER_PREVIEW_DPI))
    files.append((f"posters/{stem}-{plan.size}.pdf", f"poster-{plan.size}-pdf", pdf))
    files.append((f"posters/{stem}-{plan.size}.png", "poster-preview-png", buffer.getvalue()))
    return files


def index_row(
    plan: BundlePlan, item: BundleItem, name: str, kind: str, base_url: str
) -> tuple[str, ...]:
    title = pick_text(item.title, plan.languages[0] if plan.languages else None)
    address = qr_payload(base_url, item.code)
    return (name, kind, item.idea, title, item.code, address)


def index_csv(rows: list[tuple[str, ...]]) -> bytes:
    """The index as CSV in UTF-8 with a byte order mark (so spreadsheets show ä and ö right);
    a cell that starts like a formula gets a leading apostrophe (no formula runs on opening)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(INDEX_COLUMNS)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def short_address(base_url: str, code: str) -> str:
    """The address printed under a code: ``ar.hel.fi/q/7K3M9QX``."""
    return printed_address(qr_payload(base_url, code))


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.external_attr = 0o644 << 16
    # PDFs and PNGs are compressed already: storing them saves the time for nothing
    packed = name.endswith((".svg", ".csv"))
    info.compress_type = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
    archive.writestr(info, data)


def _write_error(out: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc)
    return InputError([ErrorItem("out", MSG_CANNOT_WRITE, {"path": str(out), "reason": reason})])
