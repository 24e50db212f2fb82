"""Every error the service answers has one shape, in the request's language, and no internals.

{"error": {"code": str, "message": str, "items": [{"loc": str, "message": str}, ...]}}
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from arservice.settings import Settings
from arservice.store.models import Role
from arservice.web import create_app
from arservice.web.context import ReadinessCheck
from tests.web.conftest import add_staff, client_for

pytestmark = pytest.mark.anyio

GYM = "/api/v1/templates/outdoor-gym/model.glb"
SHA = "ab" * 32
SECRET_TEXT = "database password is hunter2"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A staff member's client: the template endpoints are for staff only."""
    async with staff_client(app) as client:
        yield client


def staff_client(app: FastAPI) -> httpx.AsyncClient:
    client = client_for(app)
    client.headers.update(add_staff(app, Role.COMMS).headers)
    return client


def assert_error_shape(response: httpx.Response) -> dict[str, Any]:
    """The body is exactly the error shape; returns the ``error`` object."""
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "items"}
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["items"], list)
    for item in error["items"]:
        assert set(item) in ({"loc", "message"}, {"loc", "message", "line"})
        assert isinstance(item.get("line", 1), int)
        assert item.get("line", 1) >= 1
        assert isinstance(item["loc"], str)
        assert isinstance(item["message"], str)
        assert item["message"]
    return dict(error)


def with_test_routes(app: FastAPI) -> FastAPI:
    """Test-only routes: one that fails unexpectedly, one with a typed query parameter."""

    @app.get("/test/boom")
    def boom() -> None:
        raise RuntimeError(SECRET_TEXT)

    @app.get("/test/typed")
    def typed(count: int) -> dict[str, int]:
        return {"count": count}

    app.state.readiness_checks.append(ReadinessCheck("database", _unreachable))
    return app


def _unreachable() -> None:
    raise ConnectionError(SECRET_TEXT)


CASES = [
    pytest.param("GET", "/no/such/page", 404, "not_found", id="unknown-path"),
    pytest.param("POST", "/healthz", 405, "method_not_allowed", id="method-not-allowed"),
    pytest.param("DELETE", f"/a/{SHA}.glb", 405, "method_not_allowed", id="delete-artifact"),
    pytest.param("GET", f"{GYM}?stations=99", 422, "parameters_invalid", id="out-of-range"),
    pytest.param("GET", f"{GYM}?stations=many", 422, "parameters_invalid", id="wrong-type"),
    pytest.param("GET", f"{GYM}?statoins=4", 422, "parameters_invalid", id="unknown-param"),
    pytest.param("GET", f"{GYM}?bench=1&bench=0", 422, "parameters_invalid", id="twice"),
    pytest.param("GET", "/api/v1/templates/no-such-thing", 404, "not_found", id="no-template"),
    pytest.param("GET", "/api/v1/templates/nope/model.glb", 404, "not_found", id="no-template-2"),
    pytest.param("GET", f"/a/{SHA}.glb", 404, "not_found", id="artifact-not-built"),
    pytest.param("GET", f"/a/{SHA.upper()}.glb", 404, "not_found", id="sha-uppercase"),
    pytest.param("GET", f"/a/{SHA[:-1]}.glb", 404, "not_found", id="sha-too-short"),
    pytest.param("GET", f"/a/{SHA}0.glb", 404, "not_found", id="sha-too-long"),
    pytest.param("GET", f"/a/{SHA}.obj", 404, "not_found", id="unknown-extension"),
    pytest.param("GET", f"/a/{SHA}.glb.glb", 404, "not_found", id="double-extension"),
    pytest.param("GET", "/a/..%2f..%2fetc%2fpasswd.glb", 404, "not_found", id="traversal-2f"),
    pytest.param("GET", "/a/..%252f..%252fetc%252fpasswd.glb", 404, "not_found", id="trav-252f"),
    pytest.param("GET", "/a/%2e%2e.glb", 404, "not_found", id="traversal-dots"),
    pytest.param("GET", "/a/..%5c..%5cwin.ini.glb", 404, "not_found", id="traversal-backslash"),
    pytest.param("GET", "/a/.glb", 404, "not_found", id="empty-sha"),
    pytest.param("GET", "/test/typed?count=x", 422, "request_invalid", id="request-validation"),
    pytest.param("GET", "/test/typed", 422, "request_invalid", id="request-missing"),
    pytest.param("GET", "/readyz", 503, "not_ready", id="not-ready"),
    pytest.param("GET", "/test/boom", 500, "internal_error", id="unexpected"),
]


@pytest.mark.parametrize(("method", "url", "status", "code"), CASES)
async def test_every_error_has_the_one_shape(
    app: FastAPI, method: str, url: str, status: int, code: str
) -> None:
    async with staff_client(with_test_routes(app)) as client:
        response = await client.request(method, url)
    assert response.status_code == status
    error = assert_error_shape(response)
    assert error["code"] == code
    assert SECRET_TEXT not in response.text
    assert "Traceback" not in response.text


async def test_a_bad_parameter_value_names_the_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{GYM}?stations=99&lang=en")
    error = assert_error_shape(response)
    assert error["items"] == [{"loc": "stations", "message": "must be at most 10 (got '99')"}]


async def test_an_unknown_parameter_suggests_the_nearest_one(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{GYM}?statoins=4&lang=en")
    error = assert_error_shape(response)
    assert error["items"] == [
        {"loc": "statoins", "message": "unknown parameter 'statoins'; did you mean 'stations'?"}
    ]


async def test_every_bad_parameter_is_reported_at_once(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{GYM}?stations=0&surface=lava&bench=maybe")
    locs = [item["loc"] for item in assert_error_shape(response)["items"]]
    assert locs == ["stations", "surface", "bench"]


async def test_an_unknown_template_suggests_the_nearest_one(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/templates/outdoor-gim?lang=en")
    assert response.status_code == 404
    message = assert_error_shape(response)["message"]
    assert message == "there is no template 'outdoor-gim'; did you mean 'outdoor-gym'?"


async def test_request_validation_names_the_field(app: FastAPI) -> None:
    async with client_for(with_test_routes(app)) as client:
        response = await client.get("/test/typed?count=x")
    [item] = assert_error_shape(response)["items"]
    assert item["loc"] == "count"


async def test_method_not_allowed_says_which_methods_are(client: httpx.AsyncClient) -> None:
    response = await client.post("/healthz?lang=en")
    assert response.headers["allow"] == "GET"
    assert assert_error_shape(response)["message"] == (
        "this address does not take POST; it takes GET"
    )


async def test_method_not_allowed_lists_every_method_of_the_path(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete(f"/a/{SHA}.glb")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


async def test_an_unexpected_error_is_logged_not_shown(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="arservice"):
        async with client_for(with_test_routes(app)) as client:
            response = await client.get("/test/boom?lang=en")
    error = assert_error_shape(response)
    assert error["items"] == []
    reference = error["message"].rsplit(" ", 1)[-1]
    assert error["message"] == (
        f"something went wrong on our side; it has been logged as {reference}"
    )
    for forbidden in ("RuntimeError", "boom", "test_error_shape", 'File "', "line "):
        assert forbidden not in response.text
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.exc_info is not None
    assert SECRET_TEXT in str(record.exc_info[1])
    async with client_for(app) as client:
        metrics = (await client.get("/metrics")).text
    assert 'route="/test/boom",status="500"' in metrics


async def test_a_failed_readiness_check_is_named_without_its_reason(app: FastAPI) -> None:
    async with client_for(with_test_routes(app)) as client:
        response = await client.get("/readyz?lang=en")
    error = assert_error_shape(response)
    assert error["items"] == [{"loc": "database", "message": "unreachable"}]


FI_ABOVE = "arvon pitää olla enintään 10 (nyt: '99')"
SV_ABOVE = "värdet får vara högst 10 (nu: '99')"
EN_ABOVE = "must be at most 10 (got '99')"


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        pytest.param("lang=fi", {}, FI_ABOVE, id="lang-fi"),
        pytest.param("lang=sv-FI", {}, SV_ABOVE, id="lang-sv-FI"),
        pytest.param("lang=en", {"Accept-Language": "fi"}, EN_ABOVE, id="lang-beats-header"),
        pytest.param("", {"Accept-Language": "de, sv;q=0.8, fi;q=0.5"}, SV_ABOVE, id="header-q"),
        pytest.param("", {"Accept-Language": "en-GB"}, EN_ABOVE, id="header"),
        pytest.param("", {}, FI_ABOVE, id="default-fi"),
        pytest.param("lang=xx", {"Accept-Language": "xx"}, FI_ABOVE, id="unknown-is-default"),
    ],
)
async def test_messages_speak_the_requests_language(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], expected: str
) -> None:
    response = await client.get(f"{GYM}?stations=99&{query}", headers=headers)
    [item] = assert_error_shape(response)["items"]
    assert item["message"] == expected


async def test_the_default_language_is_a_setting(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings.model_copy(update={"default_language": "sv"}))
    async with staff_client(app) as client:
        response = await client.get(f"{GYM}?stations=99")
    [item] = assert_error_shape(response)["items"]
    assert item["message"] == SV_ABOVE


async def test_the_openapi_document_shows_the_one_error_shape(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = {k: v for k, v in operation["responses"].items() if k[0] in "45"}
            assert {"4XX", "5XX"} <= set(errors), f"{method} {path}"
            for status, response in errors.items():
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
