"""Templates over the API, for staff: every stored template with its parameters and versions,
each version's source, and a preview model built from any values."""

from __future__ import annotations

import httpx
import pytest

from arservice.store.builtin import builtin_template_paths
from tests.web.conftest import Staff
from tests.web.test_error_shape import assert_error_shape

pytestmark = pytest.mark.anyio

ENDPOINTS = [
    ("GET", "/api/v1/templates"),
    ("GET", "/api/v1/templates/outdoor-gym"),
    ("GET", "/api/v1/templates/outdoor-gym?version=1"),
    ("GET", "/api/v1/templates/outdoor-gym/versions"),
    ("GET", "/api/v1/templates/outdoor-gym/versions/1/source"),
    ("GET", "/api/v1/templates/outdoor-gym/model.glb"),
    ("GET", "/api/v1/templates/outdoor-gym/model.glb?stations=5"),
    ("GET", "/api/v1/templates/no-such-template"),
    ("POST", "/api/v1/templates"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
async def test_templates_are_for_staff_only(
    client: httpx.AsyncClient, method: str, url: str
) -> None:
    response = await client.request(method, url)
    assert response.status_code == 401
    assert assert_error_shape(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
async def test_a_bad_token_is_refused_everywhere(
    client: httpx.AsyncClient, method: str, url: str
) -> None:
    response = await client.request(method, url, headers={"Authorization": "Bearer ars_nope"})
    assert response.status_code == 401


async def test_every_stored_template_is_listed(client: httpx.AsyncClient, comms: Staff) -> None:
    response = await client.get("/api/v1/templates", headers=comms.headers)
    assert response.status_code == 200
    templates = response.json()["templates"]
    assert [t["id"] for t in templates] == list(builtin_template_paths())
    for template in templates:
        assert set(template["title"]) >= {"fi", "sv", "en"}
        assert template["version"] >= 1
        assert template["versions"] == [template["version"]]
        assert template["builtin"] is True
        assert template["assets"] == []
        assert template["params"]
        assert template["model_url"] == (
            f"/api/v1/templates/{template['id']}/model.glb?version={template['version']}"
        )
        # Every group a parameter names has a heading in fi, sv and en, and so has every
        # option of a choice that the template labels.
        assert {p["group"] for p in template["params"].values() if "group" in p} <= set(
            template["groups"]
        )
        for heading in template["groups"].values():
            assert set(heading) == {"fi", "sv", "en"}
        for param in template["params"].values():
            for option, label in param["option_labels"].items():
                assert option in param["options"]
                assert set(label) == {"fi", "sv", "en"}


async def test_a_template_gives_its_group_headings_and_option_labels(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await client.get("/api/v1/templates/outdoor-gym", headers=planner.headers)
    assert response.status_code == 200
    template = response.json()
    assert list(template["groups"]) == ["layout", "equipment", "surface", "extras"]
    assert template["groups"]["layout"] == {"fi": "Sijoittelu", "sv": "Placering", "en": "Layout"}
    layout = template["params"]["layout"]
    assert layout["option_labels"]["row"] == {"fi": "Rivi", "sv": "Rad", "en": "Row"}
    assert template["params"]["stations"]["option_labels"] == {}  # not a choice


async def test_a_template_shows_its_parameters(client: httpx.AsyncClient, comms: Staff) -> None:
    response = await client.get("/api/v1/templates/outdoor-gym", headers=comms.headers)
    assert response.status_code == 200
    template = response.json()
    assert template["title"]["fi"] == "Ulkokuntosali"
    stations = template["params"]["stations"]
    assert stations["type"] == "integer"
    assert (stations["min"], stations["max"], stations["default"]) == (3, 10, 4)
    assert set(stations["label"]) == {"fi", "sv", "en"}
    assert template["params"]["bench"]["default"] is True
    assert template["params"]["layout"]["options"] == ["row", "ring"]
    pinned = await client.get(
        f"/api/v1/templates/outdoor-gym?version={template['version']}", headers=comms.headers
    )
    assert pinned.json() == template


async def test_an_unknown_template_or_version_is_named(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    response = await client.get("/api/v1/templates/outdoor-gim?lang=en", headers=comms.headers)
    assert response.status_code == 404
    message = assert_error_shape(response)["message"]
    assert message == "there is no template 'outdoor-gim'; did you mean 'outdoor-gym'?"
    for url in (
        "/api/v1/templates/outdoor-gym?version=99",
        "/api/v1/templates/outdoor-gym/versions/99/source",
        "/api/v1/templates/outdoor-gym/model.glb?version=99",
    ):
        response = await client.get(
            url + ("&" if "?" in url else "?") + "lang=en", headers=comms.headers
        )
        assert response.status_code == 404, url
        [item] = assert_error_shape(response)["items"]
        assert item == {
            "loc": "version",
            "message": "template 'outdoor-gym' has no version 99; its versions are 1",
        }
    response = await client.get("/api/v1/templates/nope/versions", headers=comms.headers)
    assert response.status_code == 404
    for bad in ("0", "x", "99999999999999999999"):
        response = await client.get(
            f"/api/v1/templates/outdoor-gym?version={bad}", headers=comms.headers
        )
        assert response.status_code == 422, bad
        assert assert_error_shape(response)["code"] == "request_invalid"


async def test_versions_and_their_source(client: httpx.AsyncClient, comms: Staff) -> None:
    response = await client.get("/api/v1/templates/rest-area/versions", headers=comms.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "rest-area"
    [version] = body["versions"]
    assert version["version"] == 1
    assert version["author_id"] is None  # shipped with arservice
    assert version["assets"] == []
    assert version["created_at"].endswith("+00:00")
    source = await client.get(version["source_url"], headers=comms.headers)
    assert source.status_code == 200
    assert source.headers["content-type"] == "application/yaml; charset=utf-8"
    assert source.headers["x-content-type-options"] == "nosniff"
    assert source.text == builtin_template_paths()["rest-area"].read_text(encoding="utf-8")


async def test_a_templates_model_url_gives_its_model(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    template = (await client.get("/api/v1/templates/rest-area", headers=comms.headers)).json()
    response = await client.get(template["model_url"], headers=comms.headers)
    assert response.status_code == 303
    assert response.headers["cache-control"] == "private, max-age=300"
    newest = await client.get("/api/v1/templates/rest-area/model.glb", headers=comms.headers)
    assert newest.headers["location"] == response.headers["location"]
    assert newest.headers["cache-control"] == "private, no-cache"
    model = await client.get(response.headers["location"])  # the artifact itself is public
    assert model.status_code == 200
    assert model.content.startswith(b"glTF")


async def test_version_and_lang_are_not_parameters(client: httpx.AsyncClient, comms: Staff) -> None:
    url = "/api/v1/templates/outdoor-gym/model.glb?version=1&lang=en&stations=99"
    response = await client.get(url, headers=comms.headers)
    assert response.status_code == 422
    assert assert_error_shape(response)["items"] == [
        {"loc": "stations", "message": "must be at most 10 (got '99')"}
    ]


async def test_the_openapi_document_lists_the_endpoints(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {
        "/api/v1/templates",
        "/api/v1/templates/{template_id}",
        "/api/v1/templates/{template_id}/versions",
        "/api/v1/templates/{template_id}/versions/{version}/source",
        "/api/v1/templates/{template_id}/model.glb",
    } <= set(paths)
    upload = paths["/api/v1/templates"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["source"]
    assert set(schema["properties"]) == {"source", "assets"}
