"""``/q/{code}``: the redirect, the friendly pages, and the scan it counts (over the real app).

Helpers here (``make_code``, ``stored_counts``, ``IPHONE``...) are shared by the other scan
tests in this folder.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import update

from arservice.i18n import LANGUAGES, translate
from arservice.printables import choose_qr, qr_payload, qr_png
from arservice.services.scans import Unavailable
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import Idea, IdeaStatus, Platform, QrCode
from arservice.web import create_app
from arservice.web.context import AppContext
from arservice.web.routes.shortlinks import TEXTS
from tests.web.conftest import TEST_SECRET, client_for

pytestmark = pytest.mark.anyio

BASE = "https://ar.example.org"
GYM = "kapylan-ulkokuntosali"
PLAYGROUND = "karhupuiston-leikkipaikka"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"
PREVIEWER = "WhatsApp/2.23.20.0"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=True, base_url=BASE)


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> FastAPI:
    return create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


def context_of(app: FastAPI) -> AppContext:
    context = app.state.context
    assert isinstance(context, AppContext)
    return context


def make_code(app: FastAPI, *, slug: str | None = None, **fields: Any) -> str:
    """A new code in the app's database (for the idea ``slug``, or ``target_url=``)."""
    with context_of(app).transaction() as session:
        if slug is not None:
            idea = repo.get_idea_by_slug(session, slug)
            assert idea is not None
            fields["target_idea_id"] = idea.id
        return repo.create_qr_code(session, **fields).code


def code_id(app: FastAPI, code: str) -> int:
    with context_of(app).reading() as session:
        found = repo.get_qr_code(session, code)
        assert found is not None
        return found.id


def stored_counts(app: FastAPI) -> dict[tuple[str, Platform], int]:
    """Flush the app's buffer, then the stored counts by (code, platform), all days summed."""
    context = context_of(app)
    context.flush_scans()
    with context.reading() as session:
        codes = {row.id: row.code for row in repo.list_qr_codes(session)}
        totals: dict[tuple[str, Platform], int] = {}
        for row in repo.scan_counts(session):
            key = (codes[row.code_id], row.platform)
            totals[key] = totals.get(key, 0) + row.count
        return totals


def set_idea_status(app: FastAPI, slug: str, status: IdeaStatus) -> None:
    with context_of(app).transaction() as session:
        session.execute(update(Idea).where(Idea.slug == slug).values(status=status))


async def test_an_idea_code_redirects_to_the_idea_page_and_counts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    code = make_code(app, slug=GYM)
    response = await client.get(f"/q/{code}", headers={"User-Agent": IPHONE})
    assert response.status_code == 302
    assert response.headers["location"] == f"{BASE}/i/{GYM}"
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers
    assert stored_counts(app) == {(code, Platform.IOS): 1}


async def test_a_language_code_sends_its_language(app: FastAPI, client: httpx.AsyncClient) -> None:
    code = make_code(app, slug=GYM, lang="sv")
    response = await client.get(f"/q/{code}")
    assert response.status_code == 302
    assert response.headers["location"] == f"{BASE}/i/{GYM}?lang=sv"


async def test_a_url_code_redirects_to_its_url(app: FastAPI, client: httpx.AsyncClient) -> None:
    url = "https://www.hel.fi/fi/osallistu/omastadi?tab=photos&x=1"
    code = make_code(app, target_url=url)
    response = await client.get(f"/q/{code}", headers={"User-Agent": ANDROID})
    assert (response.status_code, response.headers["location"]) == (302, url)
    assert response.headers["cache-control"] == "no-store"
    assert stored_counts(app) == {(code, Platform.ANDROID): 1}


async def test_codes_are_read_case_insensitively_with_crockford_aliases(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    code = make_code(app, slug=GYM, code="A0B1C1D")
    for typed in ("A0B1C1D", "a0b1c1d", "aob1c1d", "AOBIC1D", "a0-b1c-ld", "A0BLCID"):
        response = await client.get(f"/q/{typed}", headers={"User-Agent": DESKTOP})
        assert response.status_code == 302, typed
        assert response.headers["location"] == f"{BASE}/i/{GYM}", typed
    assert stored_counts(app) == {(code, Platform.OTHER): 6}


async def test_retargeting_takes_effect_on_the_next_scan(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    code = make_code(app, slug=GYM)
    assert (await client.get(f"/q/{code}")).headers["location"] == f"{BASE}/i/{GYM}"
    with context_of(app).transaction() as session:
        playground = repo.get_idea_by_slug(session, PLAYGROUND)
        assert playground is not None
        session.execute(
            update(QrCode).where(QrCode.code == code).values(target_idea_id=playground.id)
        )
    assert (await client.get(f"/q/{code}")).headers["location"] == f"{BASE}/i/{PLAYGROUND}"
    photos = "https://photos.example.org/gym-built"
    with context_of(app).transaction() as session:
        session.execute(
            update(QrCode).where(QrCode.code == code).values(target_idea_id=None, target_url=photos)
        )
    assert (await client.get(f"/q/{code}")).headers["location"] == photos


async def test_head_answers_like_get_but_is_not_counted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    code = make_code(app, slug=GYM)
    response = await client.head(f"/q/{code}", headers={"User-Agent": IPHONE})
    assert response.status_code == 302
    assert response.headers["location"] == f"{BASE}/i/{GYM}"
    assert response.content == b""
    assert (await client.head("/q/ZZZZZZZ")).status_code == 404
    assert stored_counts(app) == {}


async def test_each_scan_counts_for_its_own_code_and_platform_bots_apart(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    gym, url = make_code(app, slug=GYM), make_code(app, target_url="https://example.org/")
    scans = [(gym, IPHONE)] * 3 + [(gym, ANDROID)] * 2 + [(gym, PREVIEWER), (url, "curl/8.5")]
    scans += [(url, DESKTOP)]
    for code, agent in scans:
        assert (await client.get(f"/q/{code}", headers={"User-Agent": agent})).status_code == 302
    assert stored_counts(app) == {
        (gym, Platform.IOS): 3,
        (gym, Platform.ANDROID): 2,
        (gym, Platform.BOT): 1,
        (url, Platform.BOT): 1,
        (url, Platform.OTHER): 1,
    }


async def test_scans_are_counted_on_the_utc_day(app: FastAPI, client: httpx.AsyncClient) -> None:
    before = datetime.now(UTC).date()
    code = make_code(app, slug=GYM)
    await client.get(f"/q/{code}")
    after = datetime.now(UTC).date()
    context_of(app).flush_scans()
    with context_of(app).reading() as session:
        (row,) = repo.scan_counts(session)
    assert (row.code_id, row.platform, row.count) == (code_id(app, code), Platform.BOT, 1)
    assert before <= row.day <= after


# --- the friendly pages ------------------------------------------------------------------------


async def _assert_friendly_page(
    client: httpx.AsyncClient, path: str, reason: Unavailable, *, hidden: str = "", code: str = ""
) -> None:
    for lang in LANGUAGES:
        response = await client.get(path, params={"lang": lang})
        assert response.status_code == 404, (path, lang)
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-language"] == lang
        assert response.headers["cache-control"] == "no-store"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in response.headers
        assert "location" not in response.headers
        page = response.text
        assert f'<html lang="{lang}">' in page
        title, text = (translate(lang, msgid, code=code) for msgid in TEXTS[reason])
        assert title in page, (reason, lang)
        assert text in page, (reason, lang)
        assert f'data-reason="{reason}"' in page
        if hidden:
            assert hidden not in page, "the page never names what it must not reveal"
    by_header = await client.get(path, headers={"Accept-Language": "sv-FI,sv;q=0.9,en;q=0.5"})
    assert by_header.headers["content-language"] == "sv"


async def test_an_unknown_code_gets_the_friendly_page(client: httpx.AsyncClient) -> None:
    await _assert_friendly_page(client, "/q/zzzzzzz", Unavailable.UNKNOWN, code="ZZZZZZZ")


@pytest.mark.parametrize(
    "path",
    ["/q/", "/q/AB", "/q/7K3M9QU", "/q/%C3%A4%C3%A4kk%C3%B6s", "/q/ABC/DEF", "/q/" + "A" * 5000],
)
async def test_a_malformed_code_gets_the_friendly_page(
    client: httpx.AsyncClient, path: str
) -> None:
    await _assert_friendly_page(client, path, Unavailable.MALFORMED)


async def test_a_deactivated_code_gets_the_friendly_page_and_is_still_counted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    code = make_code(app, slug=GYM)
    with context_of(app).transaction() as session:
        session.execute(update(QrCode).where(QrCode.code == code).values(active=False))
    await _assert_friendly_page(client, f"/q/{code}", Unavailable.INACTIVE, hidden=GYM)
    assert stored_counts(app) == {(code, Platform.BOT): 4}, "the sign is still being scanned"


@pytest.mark.parametrize("status", [IdeaStatus.DRAFT, IdeaStatus.ARCHIVED])
async def test_a_code_of_an_unpublished_idea_never_names_it(
    app: FastAPI, client: httpx.AsyncClient, status: IdeaStatus
) -> None:
    code = make_code(app, slug=GYM, lang="fi")
    set_idea_status(app, GYM, status)
    await _assert_friendly_page(client, f"/q/{code}", Unavailable.NOT_PUBLISHED, hidden=GYM)
    set_idea_status(app, GYM, IdeaStatus.PUBLISHED)
    assert (await client.get(f"/q/{code}")).headers["location"] == f"{BASE}/i/{GYM}?lang=fi"


async def test_the_redirect_and_the_page_stay_out_of_the_openapi_schema(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith("/q/")]


# --- a printed code, end to end ----------------------------------------------------------------


async def test_a_printed_qr_code_decodes_to_the_short_url_that_redirects_and_counts(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    code = make_code(app, slug=GYM, lang="sv")
    other = make_code(app, slug=PLAYGROUND)
    payload = qr_payload(settings.base_url, code.lower())
    png = qr_png(payload, choose_qr(1.0), size_mm=150, dpi=100)
    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert [barcode.text for barcode in found] == [f"{BASE}/q/{code}"]
    scanned = httpx.URL(found[0].text)
    response = await client.get(scanned.path, headers={"User-Agent": ANDROID})
    assert response.status_code == 302
    assert response.headers["location"] == f"{BASE}/i/{GYM}?lang=sv"
    assert stored_counts(app) == {(code, Platform.ANDROID): 1}
    assert code_id(app, other) != code_id(app, code)


@pytest.mark.sqlite_only(
    "on PostgreSQL the change reaches the other process as a notification, which the test must "
    "wait for: tests/web/test_redirect_notify.py"
)
async def test_retargeting_from_another_process_takes_effect_on_the_next_scan(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    """Two apps on one database, each with its engine and its cache of targets, stand for two
    server processes: a code read (and cached) by one and retargeted through the other goes
    to the new target at the next scan."""
    code = make_code(app, slug=GYM)
    for _ in range(3):  # read, then served from memory
        assert (await client.get(f"/q/{code}")).headers["location"] == f"{BASE}/i/{GYM}"
    other = create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))
    photos = "https://photos.example.org/built"
    with context_of(other).transaction() as session:
        session.execute(
            update(QrCode).where(QrCode.code == code).values(target_idea_id=None, target_url=photos)
        )
    assert (await client.get(f"/q/{code}")).headers["location"] == photos
    with context_of(other).transaction() as session:
        session.execute(update(QrCode).where(QrCode.code == code).values(active=False))
    assert (await client.get(f"/q/{code}")).status_code == 404
    new = make_code(other, target_url="https://example.org/new")
    assert (await client.get(f"/q/{new}")).headers["location"] == "https://example.org/new"
    context_of(other).engine.dispose()
