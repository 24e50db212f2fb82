"""The import API through the real app: planners import from the local Decidim API and from
CSV files, with dry runs, the report with links, clear errors, and the rules file."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from arservice.services.pb_import_sources import Reader
from arservice.web.routes.imports import source_reader
from tests.support.decidim_server import DecidimServer, running_decidim
from tests.web.conftest import Staff
from tests.web.test_error_shape import assert_error_shape

pytestmark = pytest.mark.anyio


@pytest.fixture
def decidim(app: FastAPI) -> Iterator[DecidimServer]:
    """The local Decidim; the app may read it although it is on 127.0.0.1."""
    app.dependency_overrides[source_reader] = lambda: Reader(
        allow_private=True, sleep=lambda seconds: None
    )
    with running_decidim() as server:
        yield server
        assert server.rejected == []


def body(server: DecidimServer, **extra: object) -> dict[str, object]:
    return {"api": server.api, "component": "10", "accountability": "12", **extra}


async def test_a_planner_imports_winners_with_a_report(
    client: httpx.AsyncClient, planner: Staff, decidim: DecidimServer
) -> None:
    response = await client.post(
        "/api/v1/imports/decidim?lang=fi",
        json=body(decidim, winners_only=True),
        headers=planner.headers,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["counts"] == {"created": 4, "updated": 0, "unchanged": 0, "skipped": 4}
    assert report["unmapped"] == ["lukupiiri-kirjastoon"]
    gym = next(item for item in report["items"] if item["project_id"] == "101")
    assert gym["template"] == "outdoor-gym"
    assert gym["links"]["page"] == "http://127.0.0.1:8000/i/ulkokuntosali-kontulaan"
    assert gym["links"]["iframe"].startswith(
        '<iframe src="http://127.0.0.1:8000/embed/ulkokuntosali-kontulaan" '
        'title="Ulkokuntosali Kontulaan"'
    )
    idea = await client.get("/api/v1/ideas/ulkokuntosali-kontulaan", headers=planner.headers)
    assert idea.json()["status"] == "draft"
    assert idea.json()["pb"]["budget_eur"] == 85_000


async def test_a_dry_run_writes_nothing(
    client: httpx.AsyncClient, planner: Staff, decidim: DecidimServer
) -> None:
    response = await client.post(
        "/api/v1/imports/decidim", json=body(decidim, dry_run=True), headers=planner.headers
    )
    assert response.json()["counts"]["created"] == 8
    listed = await client.get("/api/v1/ideas", headers=planner.headers)
    assert listed.json()["ideas"] == []


async def test_a_failing_source_is_a_clear_error_and_imports_nothing(
    client: httpx.AsyncClient, planner: Staff, decidim: DecidimServer
) -> None:
    decidim.faults = ["", "", "", "", *["500"] * 5]
    response = await client.post(
        "/api/v1/imports/decidim?lang=en", json=body(decidim), headers=planner.headers
    )
    assert response.status_code == 502  # the platform failed us, not the caller's request
    error = assert_error_shape(response)
    assert error["code"] == "pb_source_failed"
    assert "still answered HTTP 500 after 5 attempts" in error["message"]
    listed = await client.get("/api/v1/ideas", headers=planner.headers)
    assert listed.json()["ideas"] == []


async def test_a_component_that_is_not_a_budget_is_named(
    client: httpx.AsyncClient, planner: Staff, decidim: DecidimServer
) -> None:
    response = await client.post(
        "/api/v1/imports/decidim?lang=en",
        json={"api": decidim.api, "component": "11"},
        headers=planner.headers,
    )
    assert (
        "component 11 is a Proposals component, not Budgets" in response.json()["error"]["message"]
    )


async def test_a_private_address_is_refused_by_default(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    for lang, words in [
        ("en", "is an address of a private or local network"),
        ("fi", "on yksityisen tai paikallisen verkon osoite"),
    ]:
        response = await client.post(
            f"/api/v1/imports/decidim?lang={lang}",
            json={"api": "http://127.0.0.1:9/api", "component": "10"},
            headers=planner.headers,
        )
        error = assert_error_shape(response)
        assert words in error["items"][0]["message"] + error["message"]


async def test_a_component_id_must_be_digits(client: httpx.AsyncClient, planner: Staff) -> None:
    response = await client.post(
        "/api/v1/imports/decidim",
        json={"api": "https://example.org", "component": "ten"},
        headers=planner.headers,
    )
    assert response.status_code == 422


async def test_comms_and_the_public_may_not_import(client: httpx.AsyncClient, comms: Staff) -> None:
    payload = {"api": "https://example.org", "component": "10"}
    anonymous = await client.post("/api/v1/imports/decidim", json=payload)
    assert anonymous.status_code == 401
    forbidden = await client.post("/api/v1/imports/decidim", json=payload, headers=comms.headers)
    assert forbidden.status_code == 403
    rules = await client.put("/api/v1/imports/rules", json={"source": ""}, headers=comms.headers)
    assert rules.status_code == 403


CSV = b"project_id,title_fi,budget_eur,selected\nk-1,Leikkipaikka Malmille,60000,yes\n"


async def test_a_csv_file_is_imported_and_a_dry_run_changes_nothing(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    files = {"file": ("winners.csv", CSV, "text/csv")}
    dry = await client.post(
        "/api/v1/imports/csv?dry_run=true", files=files, headers=planner.headers
    )
    assert dry.json()["counts"]["created"] == 1
    assert dry.json()["dry_run"] is True
    real = await client.post("/api/v1/imports/csv", files=files, headers=planner.headers)
    assert real.json()["items"][0]["template"] == "playground"
    again = await client.post("/api/v1/imports/csv", files=files, headers=planner.headers)
    assert again.json()["counts"]["unchanged"] == 1


async def test_bad_csv_rows_are_reported_with_their_lines(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    data = b"project_id,title_fi,budget_eur\na,Hyva,lots\nb,,1\n"
    response = await client.post(
        "/api/v1/imports/csv", files={"file": ("x.csv", data, "text/csv")}, headers=planner.headers
    )
    assert response.status_code == 422
    items = assert_error_shape(response)["items"]
    assert [item["loc"] for item in items] == ["line 2.budget_eur", "line 3"]


async def test_rules_are_read_saved_and_checked(client: httpx.AsyncClient, planner: Staff) -> None:
    shipped = await client.get("/api/v1/imports/rules", headers=planner.headers)
    assert shipped.json()["default"] is True
    assert shipped.json()["rules"][0]["template"] == "outdoor-gym"
    source = (
        "format: arservice/import-rules@1\nrules:\n  - {keywords: [koira], template: dog-park}\n"
    )
    saved = await client.put(
        "/api/v1/imports/rules", json={"source": source}, headers=planner.headers
    )
    assert saved.status_code == 200, saved.text
    read = await client.get("/api/v1/imports/rules", headers=planner.headers)
    assert (read.json()["source"], read.json()["default"]) == (source, False)
    bad = await client.put(
        "/api/v1/imports/rules",
        json={"source": source.replace("dog-park", "no-such")},
        headers=planner.headers,
    )
    assert bad.status_code == 422
    assert assert_error_shape(bad)["items"][0]["loc"] == "rules[0].template"
