"""Admins manage staff accounts; every change is in the audit log."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import STAFF_PASSWORD, Staff

pytestmark = pytest.mark.anyio

NEW_USER = {
    "email": "Kaisa.Planner@Hel.fi",
    "display_name": "Kaisa",
    "role": "planner",
    "password": "a long enough password",
}


async def test_an_admin_creates_a_user_who_can_log_in(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    response = await client.post("/api/v1/users", json=NEW_USER, headers=admin.headers)
    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "kaisa.planner@hel.fi"
    assert user["role"] == "planner"
    assert user["active"] is True
    assert not {"password", "password_hash"} & set(user)
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": "kaisa.planner@hel.fi", "password": NEW_USER["password"]},
    )
    assert login.status_code == 200


async def test_users_are_listed_without_their_password_hashes(
    client: httpx.AsyncClient, admin: Staff, staff: dict[object, Staff]
) -> None:
    response = await client.get("/api/v1/users", headers=admin.headers)
    assert response.status_code == 200
    users = response.json()["users"]
    assert sorted(user["role"] for user in users) == ["admin", "comms", "planner"]
    assert "argon2" not in response.text


async def test_an_email_is_taken_once_whatever_its_case(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    await client.post("/api/v1/users", json=NEW_USER, headers=admin.headers)
    again = {**NEW_USER, "email": "KAISA.planner@hel.fi"}
    response = await client.post("/api/v1/users", json=again, headers=admin.headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["items"][0]["loc"] == "email"


async def test_every_problem_of_a_new_user_is_reported_at_once(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    bad = {"email": "not-an-email", "display_name": "  ", "role": "planner", "password": "short"}
    response = await client.post(
        "/api/v1/users", json=bad, headers=admin.headers, params={"lang": "en"}
    )
    assert response.status_code == 422
    items = {item["loc"]: item["message"] for item in response.json()["error"]["items"]}
    assert set(items) == {"email", "display_name", "password"}
    assert items["password"] == "must have at least 12 characters (it has 5)"


async def test_an_unknown_role_is_refused_with_the_roles_there_are(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    response = await client.post(
        "/api/v1/users", json={**NEW_USER, "role": "superuser"}, headers=admin.headers
    )
    assert response.status_code == 422
    item = response.json()["error"]["items"][0]
    assert item["loc"] == "role"
    assert all(role in item["message"] for role in ("admin", "planner", "comms"))


async def test_an_admin_changes_a_role_and_the_audit_log_says_who(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    response = await client.patch(
        f"/api/v1/users/{planner.user_id}", json={"role": "comms"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "comms"
    entries = (
        await client.get(
            "/api/v1/audit",
            params={"action": "user.update", "target_id": str(planner.user_id)},
            headers=admin.headers,
        )
    ).json()["entries"]
    assert len(entries) == 1
    assert entries[0]["actor_id"] == admin.user_id
    assert entries[0]["details"] == {"role": "comms"}


async def test_a_password_change_is_audited_without_the_password(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    password = "another long password"
    await client.patch(
        f"/api/v1/users/{planner.user_id}", json={"password": password}, headers=admin.headers
    )
    audit = await client.get("/api/v1/audit", headers=admin.headers)
    assert password not in audit.text
    assert audit.json()["entries"][0]["details"] == {"password": "changed"}
    old = await client.post(
        "/api/v1/auth/login", json={"email": planner.email, "password": STAFF_PASSWORD}
    )
    assert old.status_code == 401


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    for change in ({"role": "planner"}, {"active": False}):
        response = await client.patch(
            f"/api/v1/users/{admin.user_id}", json=change, headers=admin.headers
        )
        assert response.status_code == 409, change
        assert response.json()["error"]["code"] == "conflict"
    assert (await client.get("/api/v1/auth/me", headers=admin.headers)).json()["user"][
        "role"
    ] == "admin"


async def test_an_admin_can_step_down_when_another_admin_exists(
    client: httpx.AsyncClient, admin: Staff, planner: Staff
) -> None:
    await client.patch(
        f"/api/v1/users/{planner.user_id}", json={"role": "admin"}, headers=admin.headers
    )
    response = await client.patch(
        f"/api/v1/users/{admin.user_id}", json={"role": "comms"}, headers=admin.headers
    )
    assert response.status_code == 200


async def test_an_unknown_user_is_404(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.patch(
        "/api/v1/users/999", json={"active": False}, headers=admin.headers
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["planner", "comms"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/users"), ("POST", "/api/v1/users"), ("GET", "/api/v1/audit")],
)
async def test_only_admins_manage_users_and_read_the_audit_log(
    client: httpx.AsyncClient, staff: dict[object, Staff], role: str, method: str, path: str
) -> None:
    who = next(member for member in staff.values() if member.role.value == role)
    body = NEW_USER if method == "POST" else None
    response = await client.request(method, path, json=body, headers=who.headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_the_audit_log_pages_and_filters(client: httpx.AsyncClient, admin: Staff) -> None:
    for number in range(3):
        user = {**NEW_USER, "email": f"user{number}@example.org"}
        await client.post("/api/v1/users", json=user, headers=admin.headers)
    first = await client.get(
        "/api/v1/audit", params={"action": "user.create", "limit": 2}, headers=admin.headers
    )
    second = await client.get(
        "/api/v1/audit",
        params={"action": "user.create", "limit": 2, "offset": 2},
        headers=admin.headers,
    )
    emails = [entry["details"]["email"] for entry in first.json()["entries"]]
    assert emails == ["user2@example.org", "user1@example.org"]
    assert second.json()["entries"][0]["details"]["email"] == "user0@example.org"
    bad = await client.get("/api/v1/audit", params={"limit": 0}, headers=admin.headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["items"][0]["loc"] == "limit"
