"""The built-in templates over the API: what a form needs to offer their parameters."""

from __future__ import annotations

import httpx
import pytest

from arservice.store.builtin import builtin_template_paths

pytestmark = pytest.mark.anyio


async def test_every_built_in_template_is_listed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/templates")
    assert response.status_code == 200
    templates = response.json()["templates"]
    assert [t["id"] for t in templates] == list(builtin_template_paths())
    for template in templates:
        assert set(template["title"]) >= {"fi", "sv", "en"}
        assert template["version"] >= 1
        assert template["params"]


async def test_a_template_shows_its_parameters(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/templates/outdoor-gym")
    assert response.status_code == 200
    template = response.json()
    assert template["title"]["fi"] == "Ulkokuntosali"
    stations = template["params"]["stations"]
    assert stations["type"] == "integer"
    assert (stations["min"], stations["max"], stations["default"]) == (3, 10, 4)
    assert set(stations["label"]) == {"fi", "sv", "en"}
    assert template["params"]["bench"]["default"] is True
    assert template["params"]["layout"]["options"] == ["row", "ring"]


async def test_a_templates_model_url_gives_its_model(client: httpx.AsyncClient) -> None:
    template = (await client.get("/api/v1/templates/rest-area")).json()
    response = await client.get(template["model_url"], follow_redirects=True)
    assert response.status_code == 200
    assert response.content.startswith(b"glTF")


async def test_the_openapi_document_lists_the_endpoints(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {
        "/healthz",
        "/readyz",
        "/metrics",
        "/a/{sha256}.{ext}",
        "/api/v1/templates",
        "/api/v1/templates/{template_id}",
        "/api/v1/templates/{template_id}/model.glb",
    } <= set(paths)
