"""The residents' pages over HTTP (no browser): languages, headers, 404s, social tags, assets.

The demo ideas (four published ideas in fi / sv / en) are the data; the real-browser checks are
in ``tests/browser``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from arservice.i18n import translate
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import Role
from arservice.web import create_app
from arservice.web.page_texts import TEXTS
from tests.web.conftest import TEST_SECRET, Staff, add_staff, client_for, log_in
from tests.web.test_ideas import IDEA

pytestmark = pytest.mark.anyio

BASE = "https://ar.example.org"
GYM = "kapylan-ulkokuntosali"
NBSP = "\u00a0"
OUR_BYTES_LIMIT = 30 * 1024


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


class Page(HTMLParser):
    """The elements of an HTML page as (tag, attributes), and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"[ \t\r\n]+", " ", " ".join(self.texts))  # no-break spaces stay

    def all(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and all(attrs.get(k.replace("_", "-")) == v for k, v in wanted.items())
        ]

    def one(self, tag: str, **wanted: str) -> dict[str, str]:
        found = self.all(tag, **wanted)
        assert len(found) == 1, f"{len(found)} <{tag}> with {wanted}"
        return found[0]

    def meta(self, key: str) -> str:
        found = self.all("meta", property=key) or self.all("meta", name=key)
        assert len(found) == 1, key
        return found[0]["content"]


def set_artifacts(app: FastAPI, slug: str, *, usdz: str | None, png: str | None) -> None:
    """Give the idea these USDZ and PNG hashes (None: not made), straight in the database."""
    with app.state.context.transaction() as session:
        idea = repo.get_idea_by_slug(session, slug)
        assert idea is not None
        idea.usdz_sha256, idea.png_sha256 = usdz, png


async def page(client: httpx.AsyncClient, url: str, **headers: str) -> tuple[httpx.Response, Page]:
    response = await client.get(url, headers=headers)
    return response, Page(response.text)


def t(lang: str, key: str, **values: Any) -> str:
    return translate(lang, TEXTS[key], **values)


def csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
    }


# --- the idea page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "budget"),
    [
        ("fi", "Käpylän ulkokuntosali", f"150{NBSP}000{NBSP}€"),
        ("sv", "Utegym i Kottby", f"150{NBSP}000{NBSP}€"),
        ("en", "Käpylä outdoor gym", "€150,000"),
    ],
)
async def test_the_idea_page_speaks_the_language_asked_for(
    client: httpx.AsyncClient, lang: str, title: str, budget: str
) -> None:
    response, html = await page(client, f"/i/{GYM}?lang={lang}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-language"] == lang
    assert html.one("html")["lang"] == lang
    assert title in html.text
    assert budget in html.text
    assert t(lang, "view_in_ar") in html.text
    assert t(lang, "stage_building") in html.text  # the gym is being built
    current = html.one("a", aria_current="true")
    assert current["hreflang"] == lang
    assert current["href"] == f"?lang={lang}"


@pytest.mark.parametrize(
    ("header", "lang"),
    [("sv-FI,sv;q=0.9", "sv"), ("en-GB,en;q=0.8", "en"), ("de-DE", "fi"), ("", "fi")],
)
async def test_accept_language_chooses_when_lang_is_not_given(
    client: httpx.AsyncClient, header: str, lang: str
) -> None:
    response, html = await page(client, f"/i/{GYM}", **{"Accept-Language": header})
    assert html.one("html")["lang"] == lang
    assert "Accept-Language" in response.headers["vary"]


async def test_lang_in_the_query_wins_over_accept_language(client: httpx.AsyncClient) -> None:
    _, html = await page(client, f"/i/{GYM}?lang=sv", **{"Accept-Language": "en"})
    assert html.one("html")["lang"] == "sv"


async def test_the_viewer_has_what_ar_on_phones_needs(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    set_artifacts(app, GYM, usdz=None, png=None)
    _, html = await page(client, f"/i/{GYM}?lang=en")
    viewer = html.one("model-viewer")
    assert re.fullmatch(rf"{BASE}/a/[0-9a-f]{{64}}\.glb", viewer["src"])
    assert viewer["ar-modes"] == "webxr scene-viewer quick-look"
    assert viewer["ar-placement"] == "floor"
    assert viewer["ar-scale"] == "fixed"
    assert viewer["environment-image"] == "neutral"
    for flag in ("ar", "camera-controls", "shadow-intensity"):
        assert flag in viewer
    assert "ios-src" not in viewer  # no USDZ: the page does without (model-viewer makes one)
    assert "poster" not in viewer
    assert html.all("div", slot="poster")
    assert html.one("button", slot="ar-button")
    assert html.one("button", slot="exit-webxr-ar-button")
    assert html.one("div", slot="progress-bar")["aria-label"] == t("en", "loading")


async def test_the_text_alternative_is_the_template_description_with_the_values(
    client: httpx.AsyncClient,
) -> None:
    _, english = await page(client, f"/i/{GYM}?lang=en")
    _, finnish = await page(client, f"/i/{GYM}?lang=fi")
    assert "4 " in english.one("model-viewer")["alt"]
    assert "2.3" in english.one("model-viewer")["alt"]
    assert "2,3" in finnish.one("model-viewer")["alt"]  # a decimal comma in Finnish
    assert "lang" not in finnish.one("model-viewer")


async def test_usdz_and_png_appear_once_the_idea_has_them(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    usdz, png = "a" * 64, "b" * 64
    set_artifacts(app, GYM, usdz=usdz, png=png)
    _, html = await page(client, f"/i/{GYM}?lang=en")
    viewer = html.one("model-viewer")
    assert viewer["ios-src"] == f"{BASE}/a/{usdz}.usdz"
    assert viewer["poster"] == f"{BASE}/a/{png}.png"
    assert html.one("img", src=f"{BASE}/a/{png}.png")["alt"] == ""
    assert html.meta("og:image") == f"{BASE}/a/{png}.png"
    assert html.meta("twitter:card") == "summary_large_image"
    assert html.meta("og:image:alt") == viewer["alt"]


async def test_the_on_site_card_says_where_to_stand_and_which_way_to_face(
    client: httpx.AsyncClient,
) -> None:
    _, html = await page(client, f"/i/{GYM}?lang=en")  # the gym's front faces 135°, south-east
    stand = t("en", "stand_south_east", degrees=315)
    assert "face north-west (315°)" in stand
    assert stand in html.text
    assert t("en", "onsite_no_ar") in html.text
    assert t("en", "no_ar") in html.text  # shown by the script when AR cannot start


async def test_open_graph_tags_name_absolute_urls(app: FastAPI, client: httpx.AsyncClient) -> None:
    set_artifacts(app, GYM, usdz=None, png=None)
    _, html = await page(client, f"/i/{GYM}?lang=sv")
    assert html.meta("og:title") == "Utegym i Kottby"
    assert html.meta("og:url") == f"{BASE}/i/{GYM}?lang=sv"
    assert html.meta("og:locale") == "sv_FI"
    assert html.meta("og:description").startswith("Ett nytt utegym")
    assert html.meta("twitter:card") == "summary"  # no preview picture
    assert not html.all("meta", property="og:image")
    assert html.one("link", rel="canonical")["href"] == f"{BASE}/i/{GYM}"


async def test_a_text_missing_in_the_language_says_which_language_it_is_in(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    body = {**IDEA, "slug": "only-english", "title": {"en": "Only in English"}, "summary": {}}
    assert (await client.post("/api/v1/ideas", json=body, headers=planner.headers)).is_success
    published = await client.post("/api/v1/ideas/only-english/publish", headers=planner.headers)
    assert published.status_code == 200
    _, html = await page(client, "/i/only-english?lang=fi")
    assert html.one("h1")["lang"] == "en"


# --- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", f"/i/{GYM}", f"/embed/{GYM}", "/i/no-such-idea"])
async def test_every_page_has_the_security_headers_and_no_cookie(
    client: httpx.AsyncClient, url: str
) -> None:
    response = await client.get(url)
    policy = csp(response)
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/]+=*'", policy["style-src"])
    assert policy["connect-src"] == f"'self' {BASE} blob:"
    assert policy["img-src"] == f"'self' {BASE} blob:"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "xr-spatial-tracking=(self)" in response.headers["permissions-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    assert "set-cookie" not in response.headers


async def test_a_staff_session_gets_no_cookie_from_a_page(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await log_in(client, add_staff(app, Role.PLANNER))
    response = await client.get(f"/i/{GYM}")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("url", ["/", f"/i/{GYM}"])
async def test_pages_may_not_be_framed(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert csp(response)["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"


async def test_the_embed_page_may_be_framed_by_ourselves_only_until_sites_are_named(
    client: httpx.AsyncClient,
) -> None:
    response, html = await page(client, f"/embed/{GYM}?lang=sv")
    assert response.status_code == 200
    assert csp(response)["frame-ancestors"] == "'self'"
    assert "x-frame-options" not in response.headers
    assert "cross-origin-opener-policy" not in response.headers
    assert html.all("model-viewer")
    assert not html.all("header")
    assert not html.all("footer")
    assert html.one("a", target="_blank")["href"] == f"{BASE}/i/{GYM}?lang=sv"


@pytest.mark.parametrize("url", ["/", f"/i/{GYM}", f"/embed/{GYM}"])
async def test_pages_are_cached_briefly_and_vary_by_language(
    client: httpx.AsyncClient, url: str
) -> None:
    response = await client.get(url)
    assert response.headers["cache-control"] == "public, max-age=60"
    assert set(response.headers["vary"].replace(" ", "").split(",")) == {
        "Accept-Language",
        "Accept-Encoding",
    }


async def test_pages_answer_head(client: httpx.AsyncClient) -> None:
    response = await client.head(f"/i/{GYM}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"]


# --- not found ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/i", "/embed"])
async def test_an_unknown_idea_is_a_friendly_page_in_the_readers_language(
    client: httpx.AsyncClient, prefix: str
) -> None:
    response, html = await page(client, f"{prefix}/no-such-idea?lang=sv")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert html.one("html")["lang"] == "sv"
    assert t("sv", "not_found_title") in html.text


async def test_drafts_and_archived_ideas_are_never_shown(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    draft = {**IDEA, "slug": "a-draft", "title": {"fi": "Luonnos"}}
    assert (await client.post("/api/v1/ideas", json=draft, headers=planner.headers)).is_success
    archived = await client.post(f"/api/v1/ideas/{GYM}/archive", headers=planner.headers)
    assert archived.status_code == 200
    for slug in ("a-draft", GYM):
        for prefix in ("/i", "/embed"):
            response = await client.get(f"{prefix}/{slug}", headers=planner.headers)
            assert response.status_code == 404, (prefix, slug)
            assert "Luonnos" not in response.text
    gallery = (await client.get("/")).text
    assert "Luonnos" not in gallery
    assert f"/i/{GYM}" not in gallery


# --- the gallery --------------------------------------------------------------------------------


async def test_the_gallery_lists_every_published_idea(client: httpx.AsyncClient) -> None:
    response, html = await page(client, "/?lang=en")
    assert response.status_code == 200
    links = {attrs["href"] for attrs in html.all("a") if attrs["href"].startswith("/i/")}
    assert links == {
        "/i/kapylan-ulkokuntosali?lang=en",
        "/i/karhupuiston-leikkipaikka?lang=en",
        "/i/myllypuron-koripallokentta?lang=en",
        "/i/kaivopuiston-levahdyspaikka?lang=en",
    }
    assert "€45,000" in html.text


async def test_the_gallery_filters_by_kind_of_idea(client: httpx.AsyncClient) -> None:
    _, html = await page(client, "/?kind=playground&lang=fi")
    links = [attrs["href"] for attrs in html.all("a") if attrs["href"].startswith("/i/")]
    assert links == ["/i/karhupuiston-leikkipaikka?lang=fi"]
    assert html.one("option", value="playground")["selected"] == ""
    assert html.one("input", name="lang")["value"] == "fi"
    swedish = html.one("a", hreflang="sv")["href"]
    assert swedish == "?kind=playground&lang=sv"  # the switch keeps the filter


async def test_an_unknown_kind_shows_no_idea_and_a_way_back(client: httpx.AsyncClient) -> None:
    _, html = await page(client, "/?kind=rocket&lang=en")
    assert not [a for a in html.all("a") if a["href"].startswith("/i/")]
    assert t("en", "gallery_no_match") in html.text
    assert html.one("a", **{"class": "clear"})["href"] == "/?lang=en"


# --- weight -----------------------------------------------------------------------------------


async def test_our_html_css_and_js_stay_under_30_kb_compressed(client: httpx.AsyncClient) -> None:
    """The idea page, viewer.js, viewer.css and the icon, as sent (gzip); model-viewer aside."""
    _, html = await page(client, f"/i/{GYM}")
    ours = [html.one("script", defer="")["src"]]
    ours += [link["href"] for link in html.all("link") if link["rel"] in {"stylesheet", "icon"}]
    total = 0
    for url in [f"/i/{GYM}", *ours]:
        response = await client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip", url
        total += response.num_bytes_downloaded
    assert total < OUR_BYTES_LIMIT, total
