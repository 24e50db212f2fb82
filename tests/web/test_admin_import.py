"""The import page over HTTP: planners and admins open it, comms get the 403 page; the rules in
force are in its text field, marked as the shipped ones until a planner saves their own."""

from __future__ import annotations

import html

import httpx
import pytest

from arservice.store.models import Role
from tests.web.conftest import Staff
from tests.web.test_admin_pages import page_login

pytestmark = pytest.mark.anyio


async def test_import_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/import")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%2Fimport"


async def test_comms_are_refused_the_import_page(client: httpx.AsyncClient, comms: Staff) -> None:
    await page_login(client, comms)
    response = await client.get("/admin/import?lang=fi")
    assert response.status_code == 403
    assert "import.js" not in response.text
    assert 'id="decidim-form"' not in response.text


@pytest.mark.parametrize("role", [Role.PLANNER, Role.ADMIN])
async def test_planners_and_admins_get_the_forms_and_the_shipped_rules(
    client: httpx.AsyncClient, staff: dict[Role, Staff], role: Role
) -> None:
    await page_login(client, staff[role])
    page = (await client.get("/admin/import?lang=en")).text
    for form in ("decidim-form", "csv-form", "rules-form"):
        assert f'id="{form}"' in page
    assert "import.js" in page
    assert 'id="rules-default"' in page
    shipped = (await client.get("/api/v1/imports/rules")).json()["source"]
    textarea = page.split('data-loc="source" rows="18"')[1].split("</textarea>")[0]
    assert html.unescape(textarea.split(">", 1)[1]) == shipped
    menu = page.split('<nav class="menu"')[1].split("</nav>")[0]
    assert 'href="/admin/import?lang=en" aria-current="page"' in menu


async def test_saved_rules_are_shown_and_not_marked_as_shipped(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    source = (
        "format: arservice/import-rules@1\nrules:\n"
        "  - name: Gyms & more\n    keywords: [kuntosali]\n    template: outdoor-gym\n"
    )
    saved = await client.put(
        "/api/v1/imports/rules", json={"source": source}, headers=planner.headers
    )
    assert saved.status_code == 200, saved.text
    await page_login(client, planner)
    page = (await client.get("/admin/import")).text
    assert 'id="rules-default"' not in page
    assert "Gyms &amp; more" in page
