"""Code routes over the real app: create, retarget, QR files decoded, bad queries, roles."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.models import Role
from tests.services.test_campaign_bundle import decoded
from tests.services.test_site_assets import image_bytes
from tests.web.conftest import TEST_SECRET, Staff

pytestmark = pytest.mark.anyio

URL = "/api/v1/codes"
GYM = "kapylan-ulkokuntosali"
BASE_URL = "http://ar.hel.fi"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=True, base_url=BASE_URL)


async def new_code(client: httpx.AsyncClient, who: Staff, **body: object) -> dict[str, object]:
    response = await client.post(URL, json=body or {"target_idea": GYM}, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_a_code_retargeted_to_a_url_redirects_there_next(
    client: httpx.AsyncClient, app: FastAPI, comms: Staff
) -> None:
    code = await new_code(client, comms, target_idea=GYM, lang="sv", label="Porten")
    assert code["target"] == {"idea": GYM}
    assert code["short_url"] == f"{BASE_URL}/q/{code['code']}"
    photos = "https://www.hel.fi/fi/kuvat?kohde=kapyla"
    patched = await client.patch(
        f"{URL}/{str(code['code']).lower()}", json={"target_url": photos}, headers=comms.headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["target"] == {"url": photos}
    with app.state.context.reading() as session:
        redirect = repo.lookup_redirect(session, str(code["code"]))
    assert redirect is not None
    assert (redirect.target_url, redirect.idea_slug, redirect.lang) == (photos, None, "sv")
    off = await client.patch(f"{URL}/{code['code']}", json={"active": False}, headers=comms.headers)
    assert off.json()["active"] is False
    listed = (await client.get(URL, headers=comms.headers)).json()["codes"]
    assert [c["code"] for c in listed] == [code["code"]]
    assert listed[0]["campaign"] is None


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"target_url": "ftp://hel.fi/"}, "target_url"),
        ({"target_url": "https://a:b@hel.fi/"}, "target_url"),
        ({"target_url": "https://hel.fi/" + "x" * 2000}, "target_url"),
        ({"target_idea": "nope"}, "target_idea"),
        ({"target_url": "https://hel.fi", "lang": "de"}, "lang"),
        ({"target_url": "https://hel.fi", "target_idea": GYM}, ""),
    ],
)
async def test_bad_targets_are_refused(
    client: httpx.AsyncClient, comms: Staff, body: dict[str, object], loc: str
) -> None:
    response = await client.post(URL, json=body, headers=comms.headers, params={"lang": "en"})
    assert response.status_code == 422
    error = response.json()["error"]
    if loc:
        assert [item["loc"] for item in error["items"]] == [loc]
    else:
        assert "exactly one target" in error["message"]


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
async def test_each_qr_file_decodes_to_exactly_the_short_url(
    client: httpx.AsyncClient, comms: Staff, admin: Staff, fmt: str
) -> None:
    code = await new_code(client, comms)
    url = f"{URL}/{code['code']}/qr.{fmt}"
    plain = await client.get(url, headers=comms.headers)
    assert plain.status_code == 200, plain.text
    assert plain.headers["content-disposition"] == f'inline; filename="{code["code"]}.{fmt}"'
    assert decoded(f"x.{fmt}", plain.content) == [code["short_url"]]
    logo = image_bytes((480, 200))
    uploaded = await client.put(
        "/api/v1/site/logo", files={"file": ("l.png", logo)}, headers=admin.headers
    )
    assert uploaded.status_code == 200, uploaded.text
    query = {"logo": "true", "distance": "2", "dpi": "200"}
    with_logo = await client.get(url, params=query, headers=comms.headers)
    assert with_logo.status_code == 200, with_logo.text
    assert with_logo.content != plain.content
    assert decoded(f"x.{fmt}", with_logo.content) == [code["short_url"]]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"distance": "0.01"}, "distance"),
        ({"distance": "nan"}, "distance"),
        ({"size": "20"}, "size"),
        ({"size": "5000"}, "size"),
        ({"dpi": "10"}, "dpi"),
        ({"dpi": "1200", "size": "1000"}, "dpi"),
        ({"logo": "true"}, "logo"),
    ],
)
async def test_bad_qr_queries_are_refused_at_their_place(
    client: httpx.AsyncClient, comms: Staff, query: dict[str, str], loc: str
) -> None:
    code = await new_code(client, comms)
    response = await client.get(f"{URL}/{code['code']}/qr.png", params=query, headers=comms.headers)
    assert response.status_code == 422, response.text
    assert [item["loc"] for item in response.json()["error"]["items"]] == [loc]


async def test_unknown_codes_and_formats(client: httpx.AsyncClient, comms: Staff) -> None:
    assert (await client.get(f"{URL}/ZZZZZZZ", headers=comms.headers)).status_code == 404
    assert (await client.get(f"{URL}/ZZZZZZZ/qr.svg", headers=comms.headers)).status_code == 404
    code = await new_code(client, comms)
    gif = await client.get(f"{URL}/{code['code']}/qr.gif", headers=comms.headers)
    assert gif.status_code in (404, 422)
    typed = await client.get(
        f"{URL}/{code['code']}/qr.svg", params={"dpi": "many"}, headers=comms.headers
    )
    assert typed.status_code == 422


async def test_planners_and_the_public_may_not_touch_codes(
    client: httpx.AsyncClient, staff: dict[Role, Staff]
) -> None:
    code = (await new_code(client, staff[Role.ADMIN]))["code"]
    for method, path in [
        ("GET", URL),
        ("POST", URL),
        ("GET", f"{URL}/{code}"),
        ("PATCH", f"{URL}/{code}"),
        ("GET", f"{URL}/{code}/qr.svg"),
    ]:
        forbidden = await client.request(method, path, json={}, headers=staff[Role.PLANNER].headers)
        assert forbidden.status_code == 403, (method, path)
        assert (await client.request(method, path, json={})).status_code == 401, (method, path)
