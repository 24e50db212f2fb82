"""The gallery filtered by campaign and district (and kind), over HTTP: a GET form that works
without JavaScript, the filter shown, a clear "no idea matches" with a way back, the language
kept, bad filter values answered by a clear page (never a 500), and drafts never shown.

The data: the four demo ideas (two in Keskinen, one in Itäinen, one in Eteläinen) and campaigns
made here with the repository functions, as the campaigns service would make them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from arservice.i18n import translate
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import IdeaStatus, PosterSize, Role
from arservice.web import create_app
from arservice.web.page_texts import TEXTS
from tests.web.conftest import TEST_SECRET, Staff, add_staff, client_for
from tests.web.test_ideas import IDEA
from tests.web.test_pages import Page, page

pytestmark = pytest.mark.anyio

GYM = "kapylan-ulkokuntosali"
PLAYGROUND = "karhupuiston-leikkipaikka"
COURT = "myllypuron-koripallokentta"
REST = "kaivopuiston-levahdyspaikka"
SPRING = {"fi": "OmaStadi 2023, kevään kyltit", "sv": "OmaStadi 2023, vårens skyltar"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=True)


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> FastAPI:
    return create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


def t(lang: str, key: str, **values: object) -> str:
    return translate(lang, TEXTS[key], **values)


def campaign(app: FastAPI, slug: str, name: dict[str, str], ideas: Sequence[str]) -> None:
    """A campaign of ``ideas`` (slugs), each with its printed code, in the app's database."""
    with app.state.context.transaction() as session:
        made = repo.create_campaign(
            session,
            name=name,
            languages=list(name),
            poster_size=PosterSize.A4,
            created_by_id=None,
            slug=slug,
        )
        for idea_slug in ideas:
            idea = repo.get_idea_by_slug(session, idea_slug)
            assert idea is not None
            code = repo.create_qr_code(session, target_idea_id=idea.id)
            repo.add_campaign_entry(session, made, idea, code)


def set_status(app: FastAPI, slug: str, status: IdeaStatus) -> None:
    with app.state.context.transaction() as session:
        idea = repo.get_idea_by_slug(session, slug)
        assert idea is not None
        idea.status = status


def shown(html: Page) -> list[str]:
    """The slugs of the idea cards, in order."""
    return [
        attrs["href"].split("?")[0].removeprefix("/i/")
        for attrs in html.all("a")
        if attrs["href"].startswith("/i/")
    ]


def words(html: Page) -> str:
    """The page's text as read: no space before a colon (a ``<span lang>`` splits the text)."""
    return html.text.replace(" :", ":")


def clear_link(html: Page) -> str:
    """Where "show all ideas" leads."""
    return html.one("a", **{"class": "clear"})["href"]


def options(html: Page, name: str) -> list[str]:
    """The keys the ``<select name=name>`` offers (its "all" option aside), in order."""
    found: list[str] = []
    inside = False
    for tag, attrs in html.elements:
        if tag == "select":
            inside = attrs.get("name") == name
        elif tag == "option":
            if inside and attrs["value"]:
                found.append(attrs["value"])
        else:
            inside = False
    return found


# --- district ------------------------------------------------------------------------------------


async def test_the_gallery_filters_by_district_and_says_what_it_shows(
    client: httpx.AsyncClient,
) -> None:
    response, html = await page(client, "/?district=keskinen&lang=en")
    assert response.status_code == 200
    assert sorted(shown(html)) == sorted([GYM, PLAYGROUND])
    assert html.one("option", value="keskinen")["selected"] == ""
    assert t("en", "filter_shown", shown=2, total=4) in html.text
    assert "District: Central" in words(html)  # the current filter, in words
    assert clear_link(html) == "/?lang=en"  # the way back to every idea keeps the language


async def test_the_district_filter_offers_the_districts_of_published_ideas_only(
    app: FastAPI, client: httpx.AsyncClient, planner: Staff
) -> None:
    north = {"fi": "Pohjoinen", "sv": "Norra", "en": "Northern"}
    draft = {**IDEA, "slug": "luonnos", "title": {"fi": "Luonnos"}, "district": north}
    assert (await client.post("/api/v1/ideas", json=draft, headers=planner.headers)).is_success
    set_status(app, COURT, IdeaStatus.ARCHIVED)  # the only idea in Itäinen
    _, html = await page(client, "/?lang=fi")
    assert options(html, "district") == ["etelainen", "keskinen"]  # by name in Finnish
    _, swedish = await page(client, "/?lang=sv")
    assert options(swedish, "district") == ["keskinen", "etelainen"]  # Mellersta, Södra
    assert "Pohjoinen" not in html.text


@pytest.mark.parametrize("district", ["pohjoinen", "itainen"])
async def test_drafts_and_archived_ideas_never_appear_whatever_the_filter(
    app: FastAPI, client: httpx.AsyncClient, planner: Staff, district: str
) -> None:
    north = {"fi": "Pohjoinen", "sv": "Norra"}
    draft = {**IDEA, "slug": "luonnos", "title": {"fi": "Luonnos"}, "district": north}
    assert (await client.post("/api/v1/ideas", json=draft, headers=planner.headers)).is_success
    set_status(app, COURT, IdeaStatus.ARCHIVED)
    campaign(app, "kaikki", {"fi": "Kaikki"}, ["luonnos", COURT, GYM])
    for query in (
        f"district={district}",
        "campaign=kaikki",
        f"campaign=kaikki&district={district}",
    ):
        response, html = await page(client, f"/?{query}&lang=fi", **planner.headers)
        assert response.status_code == 200
        assert "luonnos" not in shown(html)
        assert COURT not in shown(html)
        assert "Luonnos" not in response.text


# --- campaign ------------------------------------------------------------------------------------


async def test_the_gallery_filters_by_campaign(app: FastAPI, client: httpx.AsyncClient) -> None:
    campaign(app, "kevat-2024", SPRING, [GYM, COURT])
    response, html = await page(client, "/?campaign=kevat-2024&lang=sv")
    assert response.status_code == 200
    assert sorted(shown(html)) == sorted([GYM, COURT])
    assert html.one("option", value="kevat-2024")["selected"] == ""
    assert f"{t('sv', 'filter_campaign')}: {SPRING['sv']}" in words(html)
    english = html.one("a", hreflang="en")["href"]
    assert english == "?campaign=kevat-2024&lang=en"  # the switch keeps the filter


async def test_the_campaign_filter_offers_campaigns_with_a_published_idea(
    app: FastAPI, client: httpx.AsyncClient, planner: Staff
) -> None:
    draft = {**IDEA, "slug": "luonnos", "title": {"fi": "Luonnos"}}
    assert (await client.post("/api/v1/ideas", json=draft, headers=planner.headers)).is_success
    campaign(app, "vain-luonnoksia", {"fi": "Vain luonnoksia"}, ["luonnos"])
    campaign(app, "tyhja", {"fi": "Tyhjä"}, [])
    _, html = await page(client, "/?lang=fi")
    assert not html.all("select", name="campaign")  # no campaign has a published idea
    campaign(app, "kevat-2024", SPRING, [REST, "luonnos"])
    _, html = await page(client, "/?lang=fi")
    assert options(html, "campaign") == ["kevat-2024"]
    assert SPRING["fi"] in html.text
    assert "Vain luonnoksia" not in html.text


async def test_campaign_and_district_together_can_match_nothing_and_say_so(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    campaign(app, "kevat-2024", SPRING, [GYM])
    response, html = await page(client, "/?campaign=kevat-2024&district=etelainen&lang=en")
    assert response.status_code == 200
    assert shown(html) == []
    assert t("en", "gallery_no_match") in html.text
    assert t("en", "filter_shown", shown=0, total=4) in html.text
    assert clear_link(html) == "/?lang=en"
    _, both = await page(client, "/?campaign=kevat-2024&district=keskinen&lang=en")
    assert shown(both) == [GYM]


# --- the form ------------------------------------------------------------------------------------


async def test_the_form_is_a_plain_get_form_with_labels_and_a_button(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    campaign(app, "kevat-2024", SPRING, [GYM])
    _, html = await page(client, "/?lang=sv")
    form = html.one("form")
    assert form["method"] == "get"
    assert form["action"] == ""
    for name in ("campaign", "district", "kind"):
        select = html.one("select", name=name)
        assert [a for a in html.all("label") if a.get("for") == select["id"]]
    assert html.one("button", type="submit")
    assert html.one("input", name="lang")["value"] == "sv"  # the language survives submitting
    _, plain = await page(client, "/", **{"Accept-Language": "sv"})
    assert not plain.all("input", name="lang")  # not asked for: not pinned


async def test_an_unknown_but_well_formed_key_matches_nothing_and_is_shown(
    client: httpx.AsyncClient,
) -> None:
    response, html = await page(client, "/?district=lansi-pasila&lang=en")
    assert response.status_code == 200
    assert shown(html) == []
    assert t("en", "gallery_no_match") in html.text
    assert html.one("option", value="lansi-pasila")["selected"] == ""
    assert "District: lansi-pasila" in words(html)


@pytest.mark.parametrize(
    "query",
    [
        "district=%C3%B6stra",  # östra: not a key
        "district=Keskinen",  # capitals
        "campaign=" + "a" * 101,
        "campaign=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "kind=rest%20area",
        "district=keskinen%00",
        "campaign=..%2F..%2Fetc",
    ],
)
async def test_a_malformed_filter_is_a_clear_page_not_an_error(
    client: httpx.AsyncClient, query: str
) -> None:
    response, html = await page(client, f"/?{query}&lang=en")
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert t("en", "filter_invalid") in html.text
    field = query.split("=", 1)[0]
    assert f"{t('en', 'filter_' + field)}: must be a choice of the form" in words(html)
    assert "<script>" not in response.text
    assert shown(html) == []
    assert clear_link(html) == "/?lang=en"  # a way back
    assert html.one("form")  # and the form, to choose again


async def test_other_query_parameters_are_ignored(client: httpx.AsyncClient) -> None:
    response, html = await page(client, "/?utm_source=qr&fbclid=%C3%B6%3C&lang=en")
    assert response.status_code == 200
    assert len(shown(html)) == 4


async def test_head_of_a_filtered_gallery(client: httpx.AsyncClient) -> None:
    response = await client.head("/?district=keskinen")
    assert response.status_code == 200
    assert response.headers["content-security-policy"]


async def test_a_filtered_gallery_sets_no_cookie_and_may_not_be_framed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    staff = add_staff(app, Role.PLANNER)
    response = await client.get("/?district=keskinen", headers=staff.headers)
    assert "set-cookie" not in response.headers
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
