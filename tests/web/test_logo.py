"""The city logo routes: admin uploads and removes, staff read, bad files refused."""

from __future__ import annotations

import httpx
import pytest

from arservice.store.models import Role
from tests.services.test_site_assets import image_bytes
from tests.web.conftest import Staff, log_in

pytestmark = pytest.mark.anyio

URL = "/api/v1/site/logo"


async def test_admin_uploads_staff_read_admin_removes(
    client: httpx.AsyncClient, staff: dict[Role, Staff]
) -> None:
    admin, planner = staff[Role.ADMIN], staff[Role.PLANNER]
    assert (await client.get(URL, headers=planner.headers)).status_code == 404
    logo = image_bytes((300, 120), "JPEG", "RGB")
    csrf = await log_in(client, admin)
    put = await client.put(URL, files={"file": ("logo.txt", logo, "text/plain")}, headers=csrf)
    assert put.status_code == 200, put.text
    assert (put.json()["content_type"], put.json()["size"]) == ("image/jpeg", len(logo))
    got = await client.get(URL, headers=planner.headers)
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, logo, "image/jpeg")
    assert (await client.delete(URL, headers=csrf)).status_code == 204
    assert (await client.get(URL, headers=planner.headers)).status_code == 404


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG logos are not accepted"),
        (b"hello", "the image must be a PNG or JPEG file"),
        (image_bytes((8, 8)), "the image must be 16 to 4096 pixels"),
        (b"", "the file is empty"),
    ],
)
async def test_bad_logos_are_refused_with_a_clear_message(
    client: httpx.AsyncClient, admin: Staff, data: bytes, start: str
) -> None:
    response = await client.put(
        URL,
        files={"file": ("logo.png", data, "image/png")},
        headers={**admin.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 422
    item = response.json()["error"]["items"][0] if response.json()["error"]["items"] else None
    message = item["message"] if item else response.json()["error"]["message"]
    assert message.startswith(start)


async def test_a_logo_over_the_limit_is_refused(client: httpx.AsyncClient, admin: Staff) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024)
    response = await client.put(
        URL, files={"file": ("l.png", big)}, headers={**admin.headers, "Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "at most 2097152 bytes" in response.text


async def test_only_admins_change_the_logo(
    client: httpx.AsyncClient, staff: dict[Role, Staff]
) -> None:
    files = {"file": ("l.png", image_bytes((64, 64)))}
    for role in (Role.COMMS, Role.PLANNER):
        assert (await client.put(URL, files=files, headers=staff[role].headers)).status_code == 403
        assert (await client.delete(URL, headers=staff[role].headers)).status_code == 403
    assert (await client.put(URL, files=files)).status_code == 401
    assert (await client.get(URL)).status_code == 401
