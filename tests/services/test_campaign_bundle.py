"""The campaign zip: every file there, every code decodes to exactly its short URL, the index,
the logo used, progress reported, and never a half-written zip."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
import resvg_py
from PIL import Image
from sqlalchemy.orm import Session

from arservice.errors import InputError
from arservice.services import campaign_bundle, campaigns, site_assets
from arservice.services.campaign_input import CampaignCreate
from arservice.store.blobs import MemoryBlobStore
from arservice.store.fonts import poster_fonts
from arservice.store.models import IdeaStatus
from tests.printables.conftest import decode, open_png, page_size_mm, page_text, render_pdf
from tests.services.test_campaigns import published_idea
from tests.services.test_site_assets import image_bytes

BASE_URL = "https://ar.hel.fi"


def make_campaign(session: Session, blobs: MemoryBlobStore, size: str = "a4") -> str:
    for slug in ("kapyla-gym", "myllypuro-court"):
        published_idea(session, blobs, slug)
    data = CampaignCreate(
        name={"fi": "OmaStadi 2025 – Itä"},
        languages=["fi", "sv", "en"],
        poster_size=size,
        ideas=["kapyla-gym", "myllypuro-court"],
    )
    return campaigns.create_campaign(session, data, actor_id=None).slug


def svg_image(data: bytes) -> Image.Image:
    png = bytes(
        resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), dpi=150, background="#ffffff")
    )
    return open_png(png).convert("RGB")


def decoded(name: str, data: bytes) -> list[str]:
    if name.endswith(".svg"):
        image = svg_image(data)
    elif name.endswith(".pdf"):
        image = render_pdf(data, dpi=150)
    else:
        image = open_png(data).convert("RGB")
    return [text for text, _level in decode(image)]


@pytest.mark.parametrize("with_logo", [False, True])
def test_every_code_and_poster_in_the_zip_decodes_to_its_short_url(
    session: Session, blobs: MemoryBlobStore, tmp_path: Path, with_logo: bool
) -> None:
    slug = make_campaign(session, blobs)
    if with_logo:
        site_assets.upload_logo(
            session, blobs, image_bytes((480, 200)), max_bytes=2_000_000, actor_id=None
        )
    plan = campaign_bundle.plan_bundle(session, blobs, slug)
    seen: list[tuple[int, int]] = []
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / plan.file_name
    campaign_bundle.write_bundle(
        plan,
        blobs,
        out,
        base_url=BASE_URL,
        fonts=poster_fonts(),
        progress=lambda *a: seen.append(a),
    )
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert [p.name for p in folder.iterdir()] == [out.name]  # no temporary file left
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
        assert len(names) == 2 * 5 + 1
        assert [row["file"] for row in index] == [n for n in names if n != "index.csv"]
        for row in index:
            data = archive.read(row["file"])
            assert row["short_url"] == f"{BASE_URL}/q/{row['code']}"
            assert decoded(row["file"], data) == [row["short_url"]], row["file"]
            if row["file"].endswith(".pdf") and row["kind"].startswith("poster"):
                assert page_size_mm(data) == pytest.approx((210, 297), abs=0.01)
                text = page_text(data)
                assert "OmaStadi 2025" in text
                assert "Utegym i Kottby" in text
    titles = {row["title"] for row in index}
    assert titles == {"Käpylän ulkokuntosali"}
    kinds = sorted({row["kind"] for row in index})
    assert kinds == ["code-pdf", "code-png", "code-svg", "poster-a4-pdf", "poster-preview-png"]


def test_an_a3_campaign_makes_a3_posters(
    session: Session, blobs: MemoryBlobStore, tmp_path: Path
) -> None:
    slug = make_campaign(session, blobs, "a3")
    plan = campaign_bundle.plan_bundle(session, blobs, slug)
    out = campaign_bundle.write_bundle(
        plan, blobs, tmp_path / "x.zip", base_url=BASE_URL, fonts=poster_fonts()
    )
    with zipfile.ZipFile(out) as archive:
        pdfs = [n for n in archive.namelist() if n.startswith("posters/") and n.endswith("-a3.pdf")]
        assert len(pdfs) == 2
        assert page_size_mm(archive.read(pdfs[0])) == pytest.approx((297, 420), abs=0.01)


def test_an_idea_unpublished_since_it_joined_stops_the_zip(
    session: Session, blobs: MemoryBlobStore
) -> None:
    slug = make_campaign(session, blobs)
    campaign = campaigns.get_campaign(session, slug)
    campaign.entries[1].idea.status = IdeaStatus.ARCHIVED
    with pytest.raises(InputError) as error:
        campaign_bundle.plan_bundle(session, blobs, slug)
    assert [item.loc for item in error.value.items] == ["ideas[1]"]


def test_a_failure_midway_leaves_no_zip_and_no_temporary_file(
    session: Session, blobs: MemoryBlobStore, tmp_path: Path
) -> None:
    slug = make_campaign(session, blobs)
    plan = campaign_bundle.plan_bundle(session, blobs, slug)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "campaign.zip"

    def stop(done: int, total: int) -> None:
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        campaign_bundle.write_bundle(
            plan, blobs, out, base_url=BASE_URL, fonts=poster_fonts(), progress=stop
        )
    assert list(folder.iterdir()) == []


def test_an_unwritable_place_is_a_clear_error(
    session: Session, blobs: MemoryBlobStore, tmp_path: Path
) -> None:
    slug = make_campaign(session, blobs)
    plan = campaign_bundle.plan_bundle(session, blobs, slug)
    with pytest.raises(InputError) as error:
        campaign_bundle.write_bundle(
            plan, blobs, tmp_path / "missing" / "c.zip", base_url=BASE_URL, fonts=poster_fonts()
        )
    assert error.value.items[0].message("en").startswith(f"cannot write {tmp_path}")


def test_index_cells_that_look_like_formulas_are_defused() -> None:
    text = campaign_bundle.index_csv([("a", "b", "c", "=HYPERLINK(1)", "X", "-1")]).decode(
        "utf-8-sig"
    )
    assert "'=HYPERLINK(1)" in text
    assert ",'-1" in text
