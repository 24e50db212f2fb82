"""The campaign pages over HTTP (no browser): who may open them, and what they show.

A planner asking for a campaign page gets the 403 refusal page without its scripts (the server
decides, not the menu); comms and admins get the list with the published ideas to pick, and a
campaign's page with its codes, short addresses, the zip link and its scans chart for a period.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from arservice.settings import Settings
from arservice.store.models import Role
from tests.web.conftest import TEST_SECRET, Staff
from tests.web.test_admin_pages import page_login

pytestmark = pytest.mark.anyio

GYM, COURT = "kapylan-ulkokuntosali", "myllypuron-koripallokentta"
BASE_URL = "http://ar.hel.fi"
COMMS_PAGES = ["/admin/campaigns", "/admin/campaigns/omastadi-2025-ita"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The demo ideas are published, with their previews rendered: ideas a campaign may take."""
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=True, base_url=BASE_URL)


async def make_campaign(client: httpx.AsyncClient, who: Staff) -> dict[str, object]:
    body = {"name": {"fi": "OmaStadi 2025 Itä", "sv": "OmaStadi 2025 Öst"}, "ideas": [GYM, COURT]}
    response = await client.post("/api/v1/campaigns", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    made: dict[str, object] = response.json()
    return made


@pytest.mark.parametrize("path", COMMS_PAGES)
async def test_the_campaign_pages_need_a_login(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("path", COMMS_PAGES)
async def test_a_planner_is_refused_the_campaign_pages(
    client: httpx.AsyncClient, planner: Staff, comms: Staff, path: str
) -> None:
    await make_campaign(client, comms)
    await page_login(client, planner)
    response = await client.get(f"{path}?lang=en")
    assert response.status_code == 403
    assert "No access to this page" in response.text
    main = response.text.split('<main id="main">')[1].split("</main>")[0]
    assert "omastadi" not in main.lower()
    assert "campaign" not in main.lower().replace("/admin/campaigns", "")
    assert "campaign.js" not in response.text
    assert "campaign-new.js" not in response.text


@pytest.mark.parametrize("role", [Role.COMMS, Role.ADMIN])
async def test_comms_and_admins_see_the_list_with_published_ideas_to_pick(
    client: httpx.AsyncClient, staff: dict[Role, Staff], role: Role
) -> None:
    await make_campaign(client, staff[Role.COMMS])
    await page_login(client, staff[role])
    response = await client.get("/admin/campaigns?lang=en")
    assert response.status_code == 200, response.text[:500]
    page = response.text
    assert 'href="/admin/campaigns/omastadi-2025-ita?lang=en"' in page
    assert "campaign-new.js" in page
    assert f'data-idea="{GYM}"' in page
    assert f'data-idea="{COURT}"' in page
    picked = re.search(rf'<tr data-idea="{GYM}"[^>]*data-campaigns="([^"]*)"', page)
    assert picked is not None
    assert picked.group(1) == "omastadi-2025-ita"
    menu = page.split('<nav class="menu"')[1].split("</nav>")[0]
    assert 'href="/admin/campaigns?lang=en" aria-current="page"' in menu
    assert 'href="/admin/codes?lang=en"' in menu


async def test_a_campaign_page_shows_codes_short_urls_zip_and_chart(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    made = await make_campaign(client, comms)
    await page_login(client, comms)
    response = await client.get("/admin/campaigns/omastadi-2025-ita?lang=fi")
    assert response.status_code == 200, response.text[:500]
    page = response.text
    for entry in made["ideas"]:  # type: ignore[attr-defined]
        assert f'href="/admin/codes/{entry["code"]}?lang=fi"' in page
        assert f"<code data-short-url>{BASE_URL}/q/{entry['code']}</code>" in page
    assert 'href="/api/v1/campaigns/omastadi-2025-ita/bundle.zip"' in page
    chart = re.search(r'<img id="scans-chart" src="([^"]+)" alt="([^"]+)"', page)
    assert chart is not None
    assert chart.group(1).startswith("/api/v1/campaigns/omastadi-2025-ita/scans.svg?from=")
    assert "lang=fi" in chart.group(1)
    assert "0" in chart.group(2)
    assert "iOS" in chart.group(2)
    svg = await client.get(chart.group(1).replace("&amp;", "&"))
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    zipped = await client.get("/api/v1/campaigns/omastadi-2025-ita/bundle.zip")
    assert zipped.status_code == 200  # the session cookie authorizes the plain link
    assert f'data-idea="{GYM}"' not in page.split('id="add-ideas"')[1]  # already in it


async def test_a_chosen_period_is_shown_and_a_bad_one_is_told_beside_its_field(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    await make_campaign(client, comms)
    await page_login(client, comms)
    page = (
        await client.get("/admin/campaigns/omastadi-2025-ita?from=2025-06-01&to=2025-06-30")
    ).text
    assert "scans.svg?from=2025-06-01&amp;to=2025-06-30" in page
    assert "scans.csv?from=2025-06-01&amp;to=2025-06-30" in page
    bad = await client.get(
        "/admin/campaigns/omastadi-2025-ita?from=2025-07-01&to=2025-06-01&lang=en"
    )
    assert bad.status_code == 200
    assert re.search(r'id="period-from"[^>]*aria-invalid="true"', bad.text)
    assert "2025-07-01" in bad.text.split('id="error-period-from">')[1].split("</span>")[0]
    worse = await client.get("/admin/campaigns/omastadi-2025-ita?from=yesterday&lang=en")
    assert "yesterday" in worse.text.split('id="error-period-from">')[1].split("</span>")[0]


async def test_an_unknown_campaign_is_the_404_page(client: httpx.AsyncClient, comms: Staff) -> None:
    await page_login(client, comms)
    response = await client.get("/admin/campaigns/no-such-campaign")
    assert response.status_code == 404
    assert "campaign.js" not in response.text
