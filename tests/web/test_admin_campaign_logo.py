"""The city logo's page over HTTP: admins only (comms and planners get the 403 page), the
preview of the logo in use with its figures, and the upload form when there is none."""

from __future__ import annotations

import httpx
import pytest

from arservice.store.models import Role
from tests.services.test_site_assets import image_bytes
from tests.web.conftest import Staff
from tests.web.test_admin_pages import page_login

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("role", [Role.COMMS, Role.PLANNER])
async def test_only_admins_open_the_logo_page(
    client: httpx.AsyncClient, staff: dict[Role, Staff], role: Role
) -> None:
    await page_login(client, staff[role])
    response = await client.get("/admin/logo?lang=en")
    assert response.status_code == 403
    assert "logo.js" not in response.text
    menu = (await client.get("/admin?lang=en")).text.split('<nav class="menu"')[1]
    assert "/admin/logo" not in menu.split("</nav>")[0]


async def test_without_a_logo_the_page_says_so_and_offers_the_upload(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    await page_login(client, admin)
    page = (await client.get("/admin/logo?lang=en")).text
    assert 'id="logo-none"' in page
    assert 'id="logo-preview"' not in page
    assert 'accept="image/png,image/jpeg"' in page
    assert "at most 2 MB" in page
    assert 'href="/admin/logo?lang=en" aria-current="page"' in page


async def test_the_logo_in_use_is_previewed_with_its_figures(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    data = image_bytes((400, 200))
    files = {"file": ("city.png", data, "image/png")}
    uploaded = await client.put("/api/v1/site/logo", files=files, headers=admin.headers)
    assert uploaded.status_code == 200, uploaded.text
    await page_login(client, admin)
    page = (await client.get("/admin/logo?lang=en")).text
    src = page.split('<img id="logo-preview" src="')[1].split('"')[0]
    assert src == f"/api/v1/site/logo?v={uploaded.json()['sha256'][:16]}"
    assert (await client.get(src)).content == data  # the session's own GET
    assert "PNG, " in page
    assert 'id="logo-remove"' in page
