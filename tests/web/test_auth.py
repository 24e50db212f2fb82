"""Logging in, sessions, CSRF and API tokens, through the real app and its database."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import Role
from arservice.web import auth, create_app
from tests.web.conftest import STAFF_PASSWORD, Staff, add_staff, client_for, log_in

pytestmark = pytest.mark.anyio

NEW_USER = {
    "email": "new@example.org",
    "display_name": "New",
    "role": "comms",
    "password": "a long enough password",
}


def session_cookie(response: httpx.Response) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    assert auth.SESSION_COOKIE in cookie
    return cookie


async def test_login_sets_a_signed_httponly_samesite_cookie(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": planner.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == planner.email
    assert body["user"]["role"] == "planner"
    assert len(body["csrf_token"]) >= 32
    morsel = session_cookie(response)[auth.SESSION_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert not morsel["secure"], "plain http (a developer's machine): no Secure flag"
    assert int(morsel["max-age"]) == auth.SESSION_MAX_AGE
    assert STAFF_PASSWORD not in morsel.value
    assert response.headers["cache-control"] == "no-store"


async def test_the_cookie_is_secure_when_the_site_is_https(settings: Settings) -> None:
    https = settings.model_copy(update={"base_url": "https://ar.example.org"})
    app = create_app(https, blobs=LocalBlobStore(settings.data_dir / "blobs"))
    who = add_staff(app, Role.PLANNER)
    async with client_for(app) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": who.email, "password": STAFF_PASSWORD}
        )
    assert session_cookie(response)[auth.SESSION_COOKIE]["secure"] is True


async def test_a_request_over_https_gets_a_secure_cookie(app: FastAPI, planner: Staff) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://ar.example.org") as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": planner.email, "password": STAFF_PASSWORD}
        )
    assert session_cookie(response)[auth.SESSION_COOKIE]["secure"] is True


async def test_a_login_posted_from_another_site_is_refused(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": planner.email, "password": STAFF_PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert "set-cookie" not in response.headers


async def test_the_email_is_matched_whatever_its_case(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": " Planner@Example.ORG ", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("planner@example.org", "wrong password!"), ("nobody@example.org", STAFF_PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
async def test_a_failed_login_says_the_same_for_a_wrong_password_and_an_unknown_email(
    client: httpx.AsyncClient, planner: Staff, email: str, password: str
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, params={"lang": "en"}
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"] == ("the email or the password is wrong, or the account is deactivated")
    assert "set-cookie" not in response.headers


async def test_login_without_a_password_names_the_missing_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "x@example.org"})
    assert response.status_code == 422
    assert response.json()["error"]["items"][0]["loc"] == "password"


async def test_five_failed_logins_lock_the_account_for_a_while(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    wrong = {"email": planner.email, "password": "not the password"}
    for _ in range(5):
        assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
    right = {"email": planner.email, "password": STAFF_PASSWORD}
    response = await client.post("/api/v1/auth/login", json=right, params={"lang": "en"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert "try again in 15 minutes" in response.json()["error"]["message"]
    assert 1 <= int(response.headers["retry-after"]) <= 15 * 60


async def test_a_successful_login_clears_earlier_failures(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    wrong = {"email": planner.email, "password": "not the password"}
    right = {"email": planner.email, "password": STAFF_PASSWORD}
    for _ in range(4):
        await client.post("/api/v1/auth/login", json=wrong)
    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200
    for _ in range(4):
        await client.post("/api/v1/auth/login", json=wrong)
    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_me_answers_the_user_and_the_csrf_token_of_the_session(
    client: httpx.AsyncClient, comms: Staff
) -> None:
    csrf = await log_in(client, comms)
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert response.json()["user"]["role"] == "comms"
    assert response.json()["csrf_token"] == csrf["X-CSRF-Token"]


async def test_me_with_a_token_has_no_csrf_token(client: httpx.AsyncClient, comms: Staff) -> None:
    response = await client.get("/api/v1/auth/me", headers=comms.headers)
    assert response.status_code == 200
    assert response.json()["csrf_token"] is None


async def test_without_a_login_staff_endpoints_answer_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me", params={"lang": "en"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer   ", "ars_abc"])
async def test_a_malformed_authorization_header_is_refused_with_its_place(
    client: httpx.AsyncClient, header: str
) -> None:
    response = await client.get("/api/v1/auth/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["items"][0]["loc"] == "Authorization"


async def test_an_unknown_token_is_refused(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.get(
        "/api/v1/users", headers={"Authorization": "Bearer ars_" + "x" * 43}
    )
    assert response.status_code == 401


# --- sessions end ------------------------------------------------------------------------------


async def test_a_tampered_cookie_is_no_login(client: httpx.AsyncClient, admin: Staff) -> None:
    await log_in(client, admin)
    value = client.cookies[auth.SESSION_COOKIE]
    payload, _, signature = value.rpartition(".")
    client.cookies.set(auth.SESSION_COOKIE, payload + "." + signature[::-1])
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_a_cookie_signed_with_another_key_is_no_login(
    settings: Settings, admin: Staff, app: FastAPI
) -> None:
    async with client_for(app) as client:
        await log_in(client, admin)
        cookie = client.cookies[auth.SESSION_COOKIE]
    other = settings.model_copy(update={"secret_key": SecretStr("another-secret-" + "x" * 40)})
    other_app = create_app(other, blobs=LocalBlobStore(settings.data_dir / "blobs"))
    async with client_for(other_app) as client:
        client.cookies.set(auth.SESSION_COOKIE, cookie)
        assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_an_expired_session_is_no_login(
    client: httpx.AsyncClient, admin: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in(client, admin)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    monkeypatch.setattr(auth, "SESSION_MAX_AGE", -1)
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_logout_removes_the_cookie(client: httpx.AsyncClient, admin: Staff) -> None:
    csrf = await log_in(client, admin)
    response = await client.post("/api/v1/auth/logout", headers=csrf)
    assert response.status_code == 204
    morsel = session_cookie(response)[auth.SESSION_COOKIE]
    assert morsel.value == "" or int(morsel["max-age"]) == 0
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_changing_a_password_ends_sessions_made_with_the_old_one(
    app: FastAPI, admin: Staff, planner: Staff
) -> None:
    async with client_for(app) as planner_client, client_for(app) as admin_client:
        await log_in(planner_client, planner)
        assert (await planner_client.get("/api/v1/auth/me")).status_code == 200
        response = await admin_client.patch(
            f"/api/v1/users/{planner.user_id}",
            json={"password": "a brand new long password"},
            headers=admin.headers,
        )
        assert response.status_code == 200
        assert (await planner_client.get("/api/v1/auth/me")).status_code == 401


async def test_deactivating_a_user_ends_their_sessions_and_tokens(
    app: FastAPI, admin: Staff, planner: Staff
) -> None:
    async with client_for(app) as planner_client, client_for(app) as admin_client:
        await log_in(planner_client, planner)
        response = await admin_client.patch(
            f"/api/v1/users/{planner.user_id}", json={"active": False}, headers=admin.headers
        )
        assert response.status_code == 200
        assert (await planner_client.get("/api/v1/auth/me")).status_code == 401
        me = await admin_client.get("/api/v1/auth/me", headers=planner.headers)
        assert me.status_code == 401
        login = await admin_client.post(
            "/api/v1/auth/login", json={"email": planner.email, "password": STAFF_PASSWORD}
        )
        assert login.status_code == 401


# --- CSRF --------------------------------------------------------------------------------------


async def test_a_change_with_a_session_needs_the_csrf_header(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    await log_in(client, admin)
    response = await client.post("/api/v1/users", json=NEW_USER, params={"lang": "en"})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "csrf_failed"
    assert error["items"][0]["loc"] == "X-CSRF-Token"
    users = (await client.get("/api/v1/users")).json()["users"]
    assert NEW_USER["email"] not in {user["email"] for user in users}


async def test_a_wrong_csrf_token_is_refused(client: httpx.AsyncClient, admin: Staff) -> None:
    await log_in(client, admin)
    response = await client.post(
        "/api/v1/users", json=NEW_USER, headers={"X-CSRF-Token": "guessed"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_a_csrf_token_of_an_earlier_session_is_refused(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    old = await log_in(client, admin)
    await log_in(client, admin)
    response = await client.post("/api/v1/users", json=NEW_USER, headers=old)
    assert response.status_code == 403


async def test_a_change_with_the_csrf_header_is_carried_out(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    csrf = await log_in(client, admin)
    response = await client.post("/api/v1/users", json=NEW_USER, headers=csrf)
    assert response.status_code == 201


async def test_a_change_from_another_origin_is_refused_even_with_the_token(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    csrf = await log_in(client, admin)
    headers = {**csrf, "Origin": "https://evil.example"}
    response = await client.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["items"][0]["loc"] == "Origin"


async def test_a_change_from_the_sites_own_origin_is_carried_out(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    csrf = await log_in(client, admin)
    headers = {**csrf, "Origin": "http://testserver"}
    response = await client.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert response.status_code == 201


async def test_an_api_token_needs_no_csrf_token(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.post("/api/v1/users", json=NEW_USER, headers=admin.headers)
    assert response.status_code == 201


# --- API tokens --------------------------------------------------------------------------------


async def test_a_new_token_is_shown_once_and_works(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await client.post(
        "/api/v1/auth/tokens", json={"name": "import script"}, headers=planner.headers
    )
    assert response.status_code == 201
    issued = response.json()
    assert issued["secret"].startswith("ars_")
    assert issued["secret"].startswith(issued["prefix"])
    assert response.headers["cache-control"] == "no-store"
    listed = (await client.get("/api/v1/auth/tokens", headers=planner.headers)).json()["tokens"]
    assert {token["name"] for token in listed} == {"tests", "import script"}
    assert all("secret" not in token for token in listed)
    assert issued["secret"] not in str(listed)
    bearer = {"Authorization": f"Bearer {issued['secret']}"}
    me = await client.get("/api/v1/auth/me", headers=bearer)
    assert me.json()["user"]["email"] == planner.email


async def test_a_revoked_token_stops_working_at_once(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    tokens = (await client.get("/api/v1/auth/tokens", headers=planner.headers)).json()["tokens"]
    token_id = tokens[0]["id"]
    response = await client.delete(f"/api/v1/auth/tokens/{token_id}", headers=planner.headers)
    assert response.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=planner.headers)).status_code == 401


async def test_nobody_revokes_another_users_token_but_an_admin(
    client: httpx.AsyncClient, planner: Staff, comms: Staff, admin: Staff
) -> None:
    tokens = (await client.get("/api/v1/auth/tokens", headers=planner.headers)).json()["tokens"]
    url = f"/api/v1/auth/tokens/{tokens[0]['id']}"
    assert (await client.delete(url, headers=comms.headers)).status_code == 404
    assert (await client.get("/api/v1/auth/me", headers=planner.headers)).status_code == 200
    assert (await client.delete(url, headers=admin.headers)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=planner.headers)).status_code == 401


async def test_a_token_needs_a_name(client: httpx.AsyncClient, planner: Staff) -> None:
    response = await client.post("/api/v1/auth/tokens", json={"name": ""}, headers=planner.headers)
    assert response.status_code == 422
    assert response.json()["error"]["items"][0]["loc"] == "name"


async def test_token_changes_are_audited(client: httpx.AsyncClient, admin: Staff) -> None:
    created = await client.post("/api/v1/auth/tokens", json={"name": "ci"}, headers=admin.headers)
    await client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=admin.headers)
    entries = (await client.get("/api/v1/audit", headers=admin.headers)).json()["entries"]
    actions = [(entry["action"], entry["actor_id"]) for entry in entries]
    assert actions[:2] == [("token.revoke", admin.user_id), ("token.create", admin.user_id)]
    assert created.json()["secret"] not in str(entries)


# --- public answers set no cookie --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/a/" + "0" * 64 + ".glb", "/nowhere"])
async def test_public_answers_set_no_cookie_even_for_a_logged_in_client(
    client: httpx.AsyncClient, admin: Staff, path: str
) -> None:
    await log_in(client, admin)
    response = await client.get(path)
    assert "set-cookie" not in response.headers


# --- concurrency on SQLite ---------------------------------------------------------------------


async def test_many_first_uses_of_a_token_at_once_all_succeed(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    """Each first use records last_used_at: the writes wait their turn instead of failing with
    'database is locked' (a read-then-write SQLite transaction cannot wait)."""
    responses = await asyncio.gather(
        *(client.get("/api/v1/auth/me", headers=planner.headers) for _ in range(8))
    )
    assert [response.status_code for response in responses] == [200] * 8


async def test_many_changes_at_once_are_all_carried_out(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/auth/tokens", json={"name": f"t{n}"}, headers=planner.headers)
            for n in range(8)
        )
    )
    assert [response.status_code for response in responses] == [201] * 8
    listed = (await client.get("/api/v1/auth/tokens", headers=planner.headers)).json()["tokens"]
    assert len(listed) == 9
