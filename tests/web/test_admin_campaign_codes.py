"""The code pages over HTTP: refused to planners, the list with a new-code form, and a code's
page with its short address, target, state, files and scans chart."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import Staff
from tests.web.test_admin_campaigns import BASE_URL, GYM, make_campaign, settings
from tests.web.test_admin_pages import page_login

pytestmark = pytest.mark.anyio
__all__ = ["settings"]  # the demo ideas' settings, as for the campaign pages


async def a_code(client: httpx.AsyncClient, comms: Staff) -> str:
    made = await make_campaign(client, comms)
    code: str = made["ideas"][0]["code"]  # type: ignore[index]
    return code


@pytest.mark.parametrize("path", ["/admin/codes", "/admin/codes/{code}"])
async def test_a_planner_is_refused_the_code_pages(
    client: httpx.AsyncClient, planner: Staff, comms: Staff, path: str
) -> None:
    code = await a_code(client, comms)
    await page_login(client, planner)
    response = await client.get(path.format(code=code))
    assert response.status_code == 403
    assert "code.js" not in response.text
    assert code not in response.text.split("</main>")[0]


async def test_the_code_list_shows_every_code_and_a_new_code_form(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    code = await a_code(client, comms)
    own = await client.post(
        "/api/v1/codes", json={"target_url": "https://www.hel.fi/"}, headers=comms.headers
    )
    await page_login(client, comms)
    page = (await client.get("/admin/codes?lang=en")).text
    assert f'href="/admin/codes/{code}?lang=en"' in page
    assert f'href="/admin/codes/{own.json()["code"]}?lang=en"' in page
    assert "<code>https://www.hel.fi/</code>" in page
    assert 'href="/admin/campaigns/omastadi-2025-ita?lang=en">OmaStadi 2025 Itä</a>' in page
    assert 'id="new-code"' in page
    assert f'<option value="{GYM}"' in page


async def test_a_code_page_shows_its_target_state_files_and_chart(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    code = await a_code(client, comms)
    await page_login(client, comms)
    page = (await client.get(f"/admin/codes/{code.lower()}?lang=sv")).text
    assert f'<code id="short-url">{BASE_URL}/q/{code}</code>' in page
    assert f'<span id="code-target">{GYM}</span>' in page
    assert f'<option value="{GYM}" selected>' in page
    assert 'data-active="true"' in page
    assert f'href="/api/v1/codes/{code}/qr.pdf"' in page
    chart = re.search(r'<img id="scans-chart" src="([^"]+)" alt="([^"]+)"', page)
    assert chart is not None
    assert chart.group(1).startswith(f"/api/v1/codes/{code}/scans.svg?from=")
    png = await client.get(f"/api/v1/codes/{code}/qr.png")
    assert png.status_code == 200


async def test_a_code_page_follows_a_retarget_and_a_switch_off(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    code = await a_code(client, comms)
    change = {"target_url": "https://example.org/photos", "active": False, "lang": "sv"}
    patched = await client.patch(f"/api/v1/codes/{code}", json=change, headers=comms.headers)
    assert patched.status_code == 200
    await page_login(client, comms)
    page = (await client.get(f"/admin/codes/{code}?lang=en")).text
    assert '<span id="code-target">https://example.org/photos</span>' in page
    assert 'value="https://example.org/photos"' in page
    assert re.search(r'id="edit-kind-url" value="url" data-kind checked', page)
    assert '<option value="sv" selected>' in page
    assert 'data-active="false"' in page
    assert "Switch on" in page


async def test_an_unknown_code_is_the_404_page(client: httpx.AsyncClient, comms: Staff) -> None:
    await page_login(client, comms)
    response = await client.get("/admin/codes/ZZZZZZZ")
    assert response.status_code == 404
    assert "code.js" not in response.text
