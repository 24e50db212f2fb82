"""Scan statistics over HTTP: per code and per campaign, JSON, CSV and SVG, who may see them,
and each kind of bad period."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from arservice.store import repositories as repo
from arservice.store.models import Platform, Role
from tests.web.conftest import Staff
from tests.web.test_shortlinks import GYM, PLAYGROUND, app, client, context_of, make_code, settings

__all__ = ["app", "client", "settings"]  # the fixtures, with the demo ideas
pytestmark = pytest.mark.anyio

D1, D2, D3 = date(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 3)
PERIOD = {"from": "2025-06-01", "to": "2025-06-03"}


def seed(app: FastAPI) -> tuple[str, str, str]:
    """Two codes in a campaign and one outside it, with known counts on known days."""
    gym, playground = make_code(app, slug=GYM), make_code(app, slug=PLAYGROUND)
    outside = make_code(app, target_url="https://example.org/")
    with context_of(app).transaction() as session:
        ids = {c.code: c.id for c in repo.list_qr_codes(session)}
        campaign = repo.create_campaign(
            session, name={"fi": "Itä 2025"}, languages=["fi"], poster_size="a4",
            created_by_id=None, slug="ita-2025",
        )  # fmt: skip
        for code, slug in ((gym, GYM), (playground, PLAYGROUND)):
            idea = repo.get_idea_by_slug(session, slug)
            row = repo.get_qr_code(session, code)
            assert idea is not None
            assert row is not None
            repo.add_campaign_entry(session, campaign, idea, row)
        repo.add_scan_counts(
            session,
            {
                (ids[gym], D1, Platform.IOS): 3,
                (ids[gym], D1, Platform.BOT): 2,
                (ids[gym], D3, Platform.ANDROID): 4,
                (ids[playground], D1, Platform.IOS): 1,
                (ids[playground], D2, Platform.OTHER): 5,
                (ids[outside], D1, Platform.IOS): 100,
                (ids[gym], date(2025, 5, 31), Platform.IOS): 50,  # outside the period
            },
        )
    return gym, playground, outside


async def test_a_codes_scans_by_day_and_platform(
    app: FastAPI, client: httpx.AsyncClient, comms: Staff
) -> None:
    gym, _, _ = seed(app)
    response = await client.get(
        f"/api/v1/codes/{gym.lower()}/scans", params=PERIOD, headers=comms.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["name"], body["from"], body["to"]) == (
        "code", gym, "2025-06-01", "2025-06-03",
    )  # fmt: skip
    assert body["days"] == [
        {"date": "2025-06-01", "ios": 3, "android": 0, "other": 0, "people": 3, "bot": 2},
        {"date": "2025-06-02", "ios": 0, "android": 0, "other": 0, "people": 0, "bot": 0},
        {"date": "2025-06-03", "ios": 0, "android": 4, "other": 0, "people": 4, "bot": 0},
    ]
    assert body["totals"] == {"ios": 3, "android": 4, "other": 0, "people": 7, "bot": 2}
    assert response.headers["cache-control"] == "no-store"


async def test_a_campaigns_scans_add_up_its_codes_only(
    app: FastAPI, client: httpx.AsyncClient, comms: Staff
) -> None:
    gym, playground, _ = seed(app)
    response = await client.get(
        "/api/v1/campaigns/ita-2025/scans", params=PERIOD, headers=comms.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [d["people"] for d in body["days"]] == [4, 5, 4]
    assert body["totals"] == {"ios": 4, "android": 4, "other": 5, "people": 13, "bot": 2}
    assert [(c["code"], c["idea"], c["totals"]["people"]) for c in body["codes"]] == [
        (gym, GYM, 7),
        (playground, PLAYGROUND, 6),
    ]


async def test_the_csv_has_a_row_per_day_and_a_column_per_platform(
    app: FastAPI, client: httpx.AsyncClient, comms: Staff
) -> None:
    seed(app)
    response = await client.get(
        "/api/v1/campaigns/ita-2025/scans.csv", params=PERIOD, headers=comms.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="scans-campaign-ita-2025-2025-06-01-2025-06-03.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows == [
        ["date", "ios", "android", "other", "people", "bot"],
        ["2025-06-01", "4", "0", "0", "4", "2"],
        ["2025-06-02", "0", "0", "5", "5", "0"],
        ["2025-06-03", "0", "4", "0", "4", "0"],
    ]


async def test_the_chart_is_an_svg_in_the_readers_language(
    app: FastAPI, client: httpx.AsyncClient, comms: Staff
) -> None:
    gym, _, _ = seed(app)
    response = await client.get(
        f"/api/v1/codes/{gym}/scans.svg", params={**PERIOD, "lang": "sv"}, headers=comms.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml; charset=utf-8"
    assert response.headers["content-language"] == "sv"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    root = ET.fromstring(response.content)
    ns = "{http://www.w3.org/2000/svg}"
    assert gym in root.findtext(f"{ns}title", "")
    bars = [r for r in root.iter(f"{ns}rect") if r.get("data-count")]
    assert sorted(int(r.get("data-count", "0")) for r in bars) == [2, 3, 4]


@pytest.mark.parametrize("suffix", ["", ".csv", ".svg"])
@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"from": "1.6.2025"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2025-06-03", "to": "2025-06-01"}, "from"),
        ({"from": "2024-01-01", "to": "2025-06-01"}, "to"),
    ],
)
async def test_a_bad_period_is_a_clear_error(
    app: FastAPI,
    client: httpx.AsyncClient,
    comms: Staff,
    suffix: str,
    params: dict[str, str],
    loc: str,
) -> None:
    gym = make_code(app, slug=GYM)
    response = await client.get(
        f"/api/v1/codes/{gym}/scans{suffix}", params={**params, "lang": "en"}, headers=comms.headers
    )
    assert response.status_code == 422
    (item,) = response.json()["error"]["items"]
    assert item["loc"] == loc
    assert item["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/codes/ZZZZZZZ/scans",
        "/api/v1/codes/not-a-code!/scans.csv",
        "/api/v1/campaigns/no-such-campaign/scans.svg",
    ],
)
async def test_an_unknown_code_or_campaign_is_404_in_the_error_shape(
    client: httpx.AsyncClient, comms: Staff, path: str
) -> None:
    response = await client.get(path, headers=comms.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_only_comms_and_admins_see_scan_statistics(
    app: FastAPI, client: httpx.AsyncClient, staff: dict[Role, Staff]
) -> None:
    gym = make_code(app, slug=GYM)
    path = f"/api/v1/codes/{gym}/scans"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=staff[Role.PLANNER].headers)).status_code == 403
    for role in (Role.COMMS, Role.ADMIN):
        assert (await client.get(path, headers=staff[role].headers)).status_code == 200
