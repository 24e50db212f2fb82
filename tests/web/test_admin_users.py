"""Users (admin): another user's API tokens (``GET /api/v1/users/{id}/tokens``), revoking one,
setting a new password; and the users page that offers both.

A reset password is tried the way its owner will use it: logging in with it (and not with the
old one); a revoked token is tried the way a script uses it: a request with it is refused.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import STAFF_PASSWORD, Staff, log_in
from tests.web.test_admin_pages import page_login
from tests.web.test_error_shape import assert_error_shape

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a fresh password for planners"


async def login_status(client: httpx.AsyncClient, email: str, password: str) -> int:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    client.cookies.clear()
    return response.status_code


async def test_an_admin_lists_another_users_tokens_without_their_secrets(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    made = await client.post(
        "/api/v1/auth/tokens", json={"name": "import script"}, headers=planner.headers
    )
    assert made.status_code == 201
    secret = made.json()["secret"]

    response = await client.get(f"/api/v1/users/{planner.user_id}/tokens", headers=admin.headers)

    assert response.status_code == 200, response.text
    tokens = response.json()["tokens"]
    assert [token["name"] for token in tokens] == ["tests", "import script"]
    assert all(
        set(token) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at"}
        for token in tokens
    )
    assert secret not in response.text
    assert tokens[1]["prefix"] == secret[: len(tokens[1]["prefix"])]
    own = await client.get("/api/v1/auth/tokens", headers=planner.headers)
    assert [t["id"] for t in own.json()["tokens"]] == [t["id"] for t in tokens]


async def test_only_admins_list_another_users_tokens(
    client: httpx.AsyncClient, admin: Staff, planner: Staff, comms: Staff
) -> None:
    for who in (planner, comms):
        refused = await client.get(f"/api/v1/users/{admin.user_id}/tokens", headers=who.headers)
        assert refused.status_code == 403
        assert assert_error_shape(refused)["code"] == "forbidden"
    assert (await client.get(f"/api/v1/users/{admin.user_id}/tokens")).status_code == 401
    missing = await client.get("/api/v1/users/999999/tokens", headers=admin.headers)
    assert missing.status_code == 404
    assert assert_error_shape(missing)["code"] == "not_found"
    wrong = await client.get("/api/v1/users/me/tokens", headers=admin.headers)
    assert wrong.status_code == 422


async def test_an_admin_revokes_another_users_token_and_it_is_refused(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    [token] = (
        await client.get(f"/api/v1/users/{planner.user_id}/tokens", headers=admin.headers)
    ).json()["tokens"]
    assert (await client.get("/api/v1/auth/me", headers=planner.headers)).status_code == 200

    revoked = await client.delete(f"/api/v1/auth/tokens/{token['id']}", headers=admin.headers)

    assert revoked.status_code == 204
    refused = await client.get("/api/v1/auth/me", headers=planner.headers)
    assert refused.status_code == 401
    listed = await client.get(f"/api/v1/users/{planner.user_id}/tokens", headers=admin.headers)
    assert listed.json()["tokens"][0]["revoked_at"] is not None
    audit = await client.get(
        "/api/v1/audit", params={"action": "token.revoke"}, headers=admin.headers
    )
    [entry] = audit.json()["entries"]
    assert (entry["actor_id"], entry["target_id"]) == (admin.user_id, str(token["id"]))


async def test_a_password_set_by_an_admin_is_the_one_that_logs_in(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    csrf = await log_in(client, admin)
    response = await client.patch(
        f"/api/v1/users/{planner.user_id}", json={"password": NEW_PASSWORD}, headers=csrf
    )
    assert response.status_code == 200, response.text
    assert NEW_PASSWORD not in response.text
    client.cookies.clear()

    assert await login_status(client, planner.email, NEW_PASSWORD) == 200
    assert await login_status(client, planner.email, STAFF_PASSWORD) == 401
    audit = await client.get(
        "/api/v1/audit", params={"action": "user.update"}, headers=admin.headers
    )
    assert NEW_PASSWORD not in audit.text


async def test_a_short_new_password_is_refused_at_its_field(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    response = await client.patch(
        f"/api/v1/users/{planner.user_id}", json={"password": "short"}, headers=admin.headers
    )
    assert response.status_code == 422
    [item] = assert_error_shape(response)["items"]
    assert item["loc"] == "password"
    assert "12" in item["message"]
    assert await login_status(client, planner.email, STAFF_PASSWORD) == 200


async def test_the_users_page_offers_a_new_password_and_each_users_tokens(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    made = await client.post(
        "/api/v1/auth/tokens", json={"name": "<b>kiosk</b>"}, headers=planner.headers
    )
    secret = made.json()["secret"]
    await page_login(client, admin)

    page = await client.get("/admin/users?lang=en")

    assert page.status_code == 200
    html = page.text
    assert html.count("data-password>") == 3  # one button per user
    assert 'id="password-dialog"' in html
    assert 'autocomplete="new-password"' in html
    rows = re.findall(r'<tr data-token="(\d+)"', html)
    assert len(rows) == 4  # the three users' test tokens and the kiosk's
    assert "&lt;b&gt;kiosk&lt;/b&gt;" in html
    assert "<b>kiosk</b>" not in html
    assert secret not in html
    assert html.count("data-revoke>") == 4

    await client.delete(f"/api/v1/auth/tokens/{made.json()['id']}", headers=admin.headers)
    after = (await client.get("/admin/users?lang=en")).text
    assert after.count("data-revoke>") == 3
    assert after.count("Revoked 2") == 1  # "Revoked <date>", in place of the button


async def test_the_users_page_is_for_admins_only(client: httpx.AsyncClient, planner: Staff) -> None:
    await page_login(client, planner)
    refused = await client.get("/admin/users")
    assert refused.status_code == 403
    assert "password-dialog" not in refused.text
    assert "data-revoke" not in refused.text
