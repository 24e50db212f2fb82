"""The stage and the district of an idea through the API (create, edit, the JSON an idea returns)
and on the residents' pages (the idea page, the embed page, the gallery cards)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from arservice.i18n import translate
from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.web import create_app
from arservice.web.page_texts import TEXTS
from tests.web.conftest import TEST_SECRET, Staff, client_for
from tests.web.test_error_shape import assert_error_shape
from tests.web.test_ideas import IDEA, URL, publish
from tests.web.test_pages import page

pytestmark = pytest.mark.anyio

EASTERN = {"fi": "Itäinen", "sv": "Östra", "en": "Eastern"}


def t(lang: str, key: str) -> str:
    return translate(lang, TEXTS[key])


async def post(client: httpx.AsyncClient, who: Staff, **fields: Any) -> httpx.Response:
    return await client.post(URL, json={**IDEA, **fields}, headers=who.headers)


# --- the API -------------------------------------------------------------------------------------


async def test_an_idea_is_created_with_a_stage_and_a_district(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await post(client, planner, slug="kori", stage="building", district=EASTERN)
    assert response.status_code == 201, response.text
    assert response.json()["stage"] == "building"
    assert response.json()["district"] == EASTERN
    again = (await client.get(f"{URL}/kori", headers=planner.headers)).json()
    assert (again["stage"], again["district"]) == ("building", EASTERN)


async def test_without_them_an_idea_is_a_winner_in_no_district(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    created = (await post(client, planner)).json()
    assert created["stage"] == "winner"
    assert created["district"] == {}


async def test_an_edit_changes_the_stage_and_the_district_of_a_published_idea(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    await post(client, planner, slug="kori")
    assert (await publish(client, planner, "kori")).status_code == 200
    response = await client.patch(
        f"{URL}/kori", json={"stage": "built", "district": EASTERN}, headers=planner.headers
    )
    assert response.status_code == 200, response.text
    public = (await client.get(f"{URL}/kori")).json()  # the public sees the change at once
    assert (public["stage"], public["district"], public["status"]) == (
        "built",
        EASTERN,
        "published",
    )


@pytest.mark.parametrize("stage", ["done", "BUILT", "", 3, None])
async def test_an_unknown_stage_is_a_clear_error_at_its_place(
    client: httpx.AsyncClient, planner: Staff, stage: Any
) -> None:
    await post(client, planner, slug="kori")
    response = await client.patch(
        f"{URL}/kori", params={"lang": "en"}, json={"stage": stage}, headers=planner.headers
    )
    assert response.status_code == 422
    error = assert_error_shape(response)
    assert [item["loc"] for item in error["items"]] in (["stage"], ["body.stage"])
    if isinstance(stage, str) or stage is None:  # ours, not pydantic's type error
        assert error["code"] == "input_invalid"
        assert "winner" in error["items"][0]["message"]
        assert "built" in error["items"][0]["message"]
    after = (await client.get(f"{URL}/kori", headers=planner.headers)).json()
    assert after["stage"] == "winner"


@pytest.mark.parametrize(
    ("district", "loc"),
    [
        ({"xx": "Itä"}, "district.xx"),
        ({"fi": ""}, "district.fi"),
        ({"fi": "I" * 101}, "district.fi"),
        ({"sv": "Ö\x07stra"}, "district.sv"),
    ],
)
async def test_a_bad_district_is_refused_at_its_place(
    client: httpx.AsyncClient, planner: Staff, district: dict[str, str], loc: str
) -> None:
    response = await post(client, planner, district=district)
    assert response.status_code == 422
    error = assert_error_shape(response)
    assert error["code"] == "input_invalid"
    assert [item["loc"] for item in error["items"]] == [loc]


async def test_a_district_that_is_not_a_language_map_is_refused(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await post(client, planner, district="Itäinen")
    assert response.status_code == 422
    assert_error_shape(response)


# --- the pages -----------------------------------------------------------------------------------

GYM = "kapylan-ulkokuntosali"  # a demo idea: being built, in Keskinen / Mellersta / Central
REST = "kaivopuiston-levahdyspaikka"  # built, in Eteläinen / Södra / Southern


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=True)


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> FastAPI:
    return create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))


@pytest.fixture
async def demo(app: FastAPI) -> Any:
    async with client_for(app) as client:
        yield client


@pytest.mark.parametrize(
    ("lang", "district"), [("fi", "Keskinen"), ("sv", "Mellersta"), ("en", "Central")]
)
async def test_the_idea_page_shows_the_stage_and_the_district_in_the_readers_language(
    demo: httpx.AsyncClient, lang: str, district: str
) -> None:
    response, html = await page(demo, f"/i/{GYM}?lang={lang}")
    assert response.status_code == 200
    assert f"{t(lang, 'status')} {t(lang, 'stage_building')}" in html.text
    assert f"{t(lang, 'district')} {district}" in html.text


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_the_embed_page_shows_the_stage_and_the_district(
    demo: httpx.AsyncClient, lang: str
) -> None:
    _, html = await page(demo, f"/embed/{REST}?lang={lang}")
    assert t(lang, "stage_built") in html.text
    assert {"fi": "Eteläinen", "sv": "Södra", "en": "Southern"}[lang] in html.text


async def test_each_gallery_card_says_its_stage_and_district(demo: httpx.AsyncClient) -> None:
    response = await demo.get("/?lang=en")
    cards = {
        slug: response.text.split(f'href="/i/{slug}?lang=en"', 1)[1].split("</li>", 1)[0]
        for slug in (GYM, REST, "myllypuron-koripallokentta")
    }
    assert "Being built" in cards[GYM]
    assert "Central" in cards[GYM]
    assert "Built" in cards[REST]
    assert "Southern" in cards[REST]
    assert "Winning idea" in cards["myllypuron-koripallokentta"]
    assert "Eastern" in cards["myllypuron-koripallokentta"]


async def test_an_idea_in_no_district_shows_none(
    app: FastAPI, demo: httpx.AsyncClient, planner: Staff
) -> None:
    response = await demo.patch(f"{URL}/{GYM}", json={"district": {}}, headers=planner.headers)
    assert response.status_code == 200
    _, html = await page(demo, f"/i/{GYM}?lang=en")
    assert t("en", "district") not in html.text
    assert "Central" not in html.text
