"""The authorization matrix: every API route × anonymous, admin, planner, comms.

:data:`ACCESS` is the rule book, written from the issue (planners manage templates and ideas,
comms manage campaigns and their codes, admins manage users and may do everything; published
ideas and artifacts are public). The tests check it against the app both ways:

- every route of the OpenAPI document is in the table, and every row of the table is a route of
  the app (a new endpoint without a rule fails here);
- each route is called for real by each identity: who may not gets 401 (no login) or 403
  (wrong role) in the error shape, and nothing changes; who may gets past the door (any answer
  but 401/403 — placeholder ids may well be 404 or 422).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from arservice.store.models import Role
from tests.web.conftest import Staff

pytestmark = pytest.mark.anyio

PUBLIC, STAFF = "public", "staff"
ADMIN, PLANNER, COMMS = Role.ADMIN.value, Role.PLANNER.value, Role.COMMS.value

ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/a/{sha256}.{ext}"): PUBLIC,
    ("HEAD", "/a/{sha256}.{ext}"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): STAFF,
    ("GET", "/api/v1/auth/me"): STAFF,
    ("GET", "/api/v1/auth/tokens"): STAFF,
    ("POST", "/api/v1/auth/tokens"): STAFF,
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): STAFF,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("PATCH", "/api/v1/users/{user_id}"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/templates"): STAFF,
    ("POST", "/api/v1/templates"): PLANNER,
    ("GET", "/api/v1/templates/{template_id}"): STAFF,
    ("GET", "/api/v1/templates/{template_id}/versions"): STAFF,
    ("GET", "/api/v1/templates/{template_id}/versions/{version}/source"): STAFF,
    ("GET", "/api/v1/templates/{template_id}/model.glb"): STAFF,
    ("GET", "/api/v1/ideas"): PUBLIC,
    ("POST", "/api/v1/ideas"): PLANNER,
    ("GET", "/api/v1/ideas/{slug}"): PUBLIC,
    ("PATCH", "/api/v1/ideas/{slug}"): PLANNER,
    ("PUT", "/api/v1/ideas/{slug}/model"): PLANNER,
    ("POST", "/api/v1/ideas/{slug}/publish"): PLANNER,
    ("POST", "/api/v1/ideas/{slug}/archive"): PLANNER,
    ("POST", "/api/v1/ideas/{slug}/unpublish"): PLANNER,
    ("GET", "/api/v1/users/{user_id}/tokens"): ADMIN,
    ("GET", "/api/v1/campaigns"): COMMS,
    ("POST", "/api/v1/campaigns"): COMMS,
    ("GET", "/api/v1/campaigns/{slug}"): COMMS,
    ("PATCH", "/api/v1/campaigns/{slug}"): COMMS,
    ("POST", "/api/v1/campaigns/{slug}/ideas"): COMMS,
    ("DELETE", "/api/v1/campaigns/{slug}/ideas/{idea}"): COMMS,
    ("GET", "/api/v1/campaigns/{slug}/bundle.zip"): COMMS,
    ("GET", "/api/v1/campaigns/{slug}/scans"): COMMS,
    ("GET", "/api/v1/campaigns/{slug}/scans.csv"): COMMS,
    ("GET", "/api/v1/campaigns/{slug}/scans.svg"): COMMS,
    ("GET", "/api/v1/codes"): COMMS,
    ("POST", "/api/v1/codes"): COMMS,
    ("GET", "/api/v1/codes/{code}"): COMMS,
    ("PATCH", "/api/v1/codes/{code}"): COMMS,
    ("GET", "/api/v1/codes/{code}/qr.{fmt}"): COMMS,
    ("GET", "/api/v1/codes/{code}/scans"): COMMS,
    ("GET", "/api/v1/codes/{code}/scans.csv"): COMMS,
    ("GET", "/api/v1/codes/{code}/scans.svg"): COMMS,
    ("GET", "/api/v1/site/logo"): STAFF,
    ("PUT", "/api/v1/site/logo"): ADMIN,
    ("DELETE", "/api/v1/site/logo"): ADMIN,
    ("POST", "/api/v1/imports/decidim"): PLANNER,
    ("POST", "/api/v1/imports/csv"): PLANNER,
    ("GET", "/api/v1/imports/rules"): STAFF,
    ("PUT", "/api/v1/imports/rules"): PLANNER,
}
"""(method, path) -> who may call it: public, any staff, or a role (admins always may)."""

PLACEHOLDERS = {
    "sha256": "0" * 64,
    "ext": "glb",
    "token_id": "999",
    "user_id": "999",
    "template_id": "no-such-template",
    "version": "1",
    "slug": "no-such-idea",
    "idea": "no-such-idea",
    "code": "ZZZZZZZ",
    "fmt": "svg",
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) of the app's OpenAPI document (FastAPI nests included routers in
    private types, so the document is the public list of routes)."""
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def allowed(rule: str, role: Role | None) -> bool:
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    return rule == STAFF or role is Role.ADMIN or rule == role.value


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PLACEHOLDERS[match.group(1)], path)


def test_every_route_has_a_rule(app: FastAPI) -> None:
    missing = app_routes(app) - set(ACCESS)
    assert not missing, f"add these routes to ACCESS with who may call them: {sorted(missing)}"


def test_every_rule_names_a_route(app: FastAPI) -> None:
    stale = set(ACCESS) - app_routes(app)
    assert not stale, f"ACCESS names routes the app does not have: {sorted(stale)}"


CASES = [
    (method, path, role)
    for (method, path) in sorted(ACCESS)
    for role in (None, *Role)
    if ACCESS[(method, path)] != PUBLIC
]


@pytest.mark.parametrize(
    ("method", "path", "role"),
    CASES,
    ids=[f"{m} {p} as {r.value if r else 'anonymous'}" for m, p, r in CASES],
)
async def test_each_identity_meets_the_rule(
    client: httpx.AsyncClient,
    staff: dict[Role, Staff],
    method: str,
    path: str,
    role: Role | None,
) -> None:
    headers = staff[role].headers if role is not None else {}
    response = await client.request(method, concrete(path), headers=headers, json={})
    rule = ACCESS[(method, path)]
    if allowed(rule, role):
        assert response.status_code not in {401, 403}, response.text
    elif role is None:
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "not_authenticated"
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    assert "Traceback" not in response.text


@pytest.mark.parametrize(("method", "path"), sorted(k for k, v in ACCESS.items() if v == PUBLIC))
async def test_public_routes_need_no_login_and_set_no_cookie(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, concrete(path), json={})
    assert response.status_code not in {401, 403}
    assert "set-cookie" not in response.headers


def test_the_api_guide_lists_every_route() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    missing = sorted({path for _, path in ACCESS if f"`{path}`" not in guide})
    assert not missing, f"docs/api.md does not list {missing}"
