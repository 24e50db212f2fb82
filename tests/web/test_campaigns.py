"""Campaign routes over the real app: create, read, edit, ideas in and out, the zip, roles."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from arservice.settings import Settings
from arservice.store.models import Role
from tests.services.test_campaign_bundle import decoded
from tests.web.conftest import TEST_SECRET, Staff, log_in

pytestmark = pytest.mark.anyio

URL = "/api/v1/campaigns"
GYM, PLAYGROUND, COURT = (
    "kapylan-ulkokuntosali",
    "karhupuiston-leikkipaikka",
    "myllypuron-koripallokentta",
)
BASE_URL = "http://ar.hel.fi"  # http: the login cookie of these tests is not Secure


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The demo ideas are published, with their previews rendered: real ideas to print."""
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=True, base_url=BASE_URL)


async def create(client: httpx.AsyncClient, who: Staff, **body: object) -> httpx.Response:
    payload = {
        "name": {"fi": "OmaStadi 2025 Itä", "sv": "OmaStadi 2025 Öst"},
        "ideas": [GYM, COURT],
    }
    return await client.post(URL, json={**payload, **body}, headers=who.headers)


async def test_comms_creates_a_campaign_with_a_code_per_idea(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    response = await create(client, comms, languages=["fi", "sv", "en"], poster_size="a3")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["slug"] == "omastadi-2025-ita"
    assert (body["languages"], body["poster_size"]) == (["fi", "sv", "en"], "a3")
    assert [i["idea"] for i in body["ideas"]] == [GYM, COURT]
    for item in body["ideas"]:
        assert item["short_url"] == f"{BASE_URL}/q/{item['code']}"
    assert body["bundle_url"] == f"{URL}/omastadi-2025-ita/bundle.zip"
    listed = (await client.get(URL, headers=comms.headers)).json()["campaigns"]
    assert [c["slug"] for c in listed] == ["omastadi-2025-ita"]
    one = await client.get(f"{URL}/omastadi-2025-ita", headers=comms.headers)
    assert one.json() == body


@pytest.mark.parametrize(
    ("body", "locs"),
    [
        ({"ideas": []}, ["ideas"]),
        ({"ideas": ["no-such-idea"]}, ["ideas[0]"]),
        ({"ideas": [GYM, GYM]}, ["ideas[1]"]),
        ({"languages": ["fi", "de"]}, ["languages[1]"]),
        ({"languages": []}, ["languages"]),
        ({"poster_size": "a5"}, ["poster_size"]),
        ({"name": {}}, ["name"]),
        ({"name": {"fi": "x" * 201}}, ["name.fi"]),
    ],
)
async def test_bad_input_is_a_localized_error_with_its_place(
    client: httpx.AsyncClient, comms: Staff, body: dict[str, object], locs: list[str]
) -> None:
    response = await create(client, comms, **body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "input_invalid"
    assert [item["loc"] for item in error["items"]] == locs


async def test_unknown_fields_and_wrong_types_are_refused(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    response = await create(client, comms, colour="red")
    assert response.status_code == 422
    response = await create(client, comms, ideas="kapylan-ulkokuntosali")
    assert response.status_code == 422


async def test_an_unpublished_idea_cannot_join(
    client: httpx.AsyncClient, comms: Staff, planner: Staff
) -> None:
    archived = await client.post(f"/api/v1/ideas/{GYM}/archive", headers=planner.headers)
    assert archived.status_code == 200
    response = await client.post(
        URL,
        params={"lang": "en"},
        json={"name": {"fi": "X"}, "ideas": [GYM]},
        headers=comms.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["items"][0]["loc"] == "ideas[0]"
    assert "not published" in response.json()["error"]["items"][0]["message"]


async def test_a_taken_name_is_a_conflict(client: httpx.AsyncClient, comms: Staff) -> None:
    assert (await create(client, comms)).status_code == 201
    again = await create(client, comms)
    assert again.status_code == 409
    assert again.json()["error"]["items"][0]["loc"] == "name.fi"


async def test_patch_and_ideas_in_and_out_over_a_login_session(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    slug = (await create(client, comms)).json()["slug"]
    csrf = await log_in(client, comms)
    patched = await client.patch(
        f"{URL}/{slug}", json={"poster_size": "a3", "languages": ["sv"]}, headers=csrf
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["poster_size"], patched.json()["languages"]) == ("a3", ["sv"])
    no_csrf = await client.patch(f"{URL}/{slug}", json={"poster_size": "a4"})
    assert no_csrf.status_code == 403
    added = await client.post(f"{URL}/{slug}/ideas", json={"ideas": [PLAYGROUND]}, headers=csrf)
    assert [i["idea"] for i in added.json()["ideas"]] == [GYM, COURT, PLAYGROUND]
    removed = await client.delete(f"{URL}/{slug}/ideas/{GYM}", headers=csrf)
    assert [i["idea"] for i in removed.json()["ideas"]] == [COURT, PLAYGROUND]
    again = await client.delete(f"{URL}/{slug}/ideas/{GYM}", headers=csrf)
    assert again.status_code == 404
    assert (await client.get(f"{URL}/nope", headers=comms.headers)).status_code == 404


async def test_the_zip_holds_every_code_and_poster_and_each_decodes(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    created = (await create(client, comms, languages=["fi", "sv"])).json()
    response = await client.get(created["bundle_url"], headers=comms.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == 'attachment; filename="omastadi-2025-ita.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
        assert len(rows) == 2 * 5
        urls = {item["code"]: item["short_url"] for item in created["ideas"]}
        for row in rows:
            assert row["short_url"] == urls[row["code"]]
            assert decoded(row["file"], archive.read(row["file"])) == [row["short_url"]], row[
                "file"
            ]
    assert {row["title"] for row in rows} == {
        "Käpylän ulkokuntosali",
        "Myllypuron 3x3-koripallokenttä",
    }


@pytest.mark.parametrize("role", [Role.PLANNER])
async def test_planners_and_the_public_may_not_touch_campaigns(
    client: httpx.AsyncClient, staff: dict[Role, Staff], role: Role
) -> None:
    slug = (await create(client, staff[Role.ADMIN])).json()["slug"]
    who = staff[role]
    for method, path in [
        ("GET", URL),
        ("POST", URL),
        ("GET", f"{URL}/{slug}"),
        ("PATCH", f"{URL}/{slug}"),
        ("POST", f"{URL}/{slug}/ideas"),
        ("DELETE", f"{URL}/{slug}/ideas/{GYM}"),
        ("GET", f"{URL}/{slug}/bundle.zip"),
    ]:
        forbidden = await client.request(method, path, json={}, headers=who.headers)
        assert forbidden.status_code == 403, (method, path)
        anonymous = await client.request(method, path, json={})
        assert anonymous.status_code == 401, (method, path)


async def test_the_app_fixture_seeds_demo_ideas(app: FastAPI) -> None:
    assert app.state.context.settings.demo_ideas
