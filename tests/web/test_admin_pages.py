"""The staff UI's pages over HTTP (no browser): the login, the guards, the refusals, the headers.

Every page under /admin needs a login (else 303 to the login page with a return path that can
only lead back into /admin) and its role, checked on the server: a comms user asking for a
planner's page gets the 403 refusal page, not the page with its buttons hidden.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from arservice.store.models import Role
from arservice.web.admin.guard import safe_next
from tests.web.conftest import STAFF_PASSWORD, Staff

pytestmark = pytest.mark.anyio

PLANNER_PAGES = [
    "/admin/ideas",
    "/admin/ideas/new",
    "/admin/templates",
    "/admin/templates/outdoor-gym",
]
ADMIN_PAGES = ["/admin/users", "/admin/audit"]
EVERY_PAGE = ["/admin", *PLANNER_PAGES, *ADMIN_PAGES, "/admin/ideas/no-such-idea"]


async def page_login(client: httpx.AsyncClient, who: Staff, next_path: str = "") -> httpx.Response:
    return await client.post(
        "/admin/login",
        data={"email": who.email, "password": STAFF_PASSWORD, "next": next_path},
    )


@pytest.mark.parametrize("path", EVERY_PAGE)
async def test_every_page_without_a_login_goes_to_the_login_with_its_path(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(f"{path}?lang=sv")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/admin/login"
    assert parse_qs(location.query)["next"] == [f"{path}?lang=sv"]


@pytest.mark.parametrize(
    "value",
    [
        "https://evil.example/admin",
        "//evil.example/admin",
        "/\\evil.example",
        "\\\\evil.example",
        "/admin\r\nLocation: https://evil.example",
        "javascript:alert(1)",
        "/i/some-idea",
        "/adminx",
        "/admin/login",
        "",
        "/admin/" + "x" * 2000,
    ],
)
def test_a_return_path_outside_the_staff_ui_is_replaced_by_home(value: str) -> None:
    assert safe_next(value) == "/admin"


@pytest.mark.parametrize("value", ["/admin", "/admin/ideas?status=draft&lang=fi", "/admin/ideas/x"])
def test_a_return_path_inside_the_staff_ui_is_kept(value: str) -> None:
    assert safe_next(value) == value


async def test_logging_in_sets_the_session_and_returns_to_the_page(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await page_login(client, planner, "/admin/ideas?status=draft")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/ideas?status=draft"
    cookie = response.headers["set-cookie"]
    assert "arservice_session=" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    page = await client.get("/admin/ideas")
    assert page.status_code == 200
    assert '<meta name="csrf-token"' in page.text


async def test_a_login_cannot_be_sent_to_another_site(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await page_login(client, planner, "https://evil.example/")
    assert response.headers["location"] == "/admin"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fi", "sähköposti"), ("sv", "e-post"), ("en", "the email or the password is wrong")],
)
async def test_a_wrong_password_is_told_on_the_form_in_the_pages_language(
    client: httpx.AsyncClient, planner: Staff, lang: str, expected: str
) -> None:
    response = await client.post(
        f"/admin/login?lang={lang}",
        data={"email": planner.email, "password": "not the password", "next": "/admin/ideas"},
    )
    assert response.status_code == 401
    assert expected in response.text.lower()
    assert "not the password" not in response.text
    assert "set-cookie" not in response.headers
    assert 'value="/admin/ideas"' in response.text  # the return path survives a retry


async def test_an_empty_form_is_told_what_is_missing(client: httpx.AsyncClient) -> None:
    response = await client.post("/admin/login?lang=en", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "Enter your email and your password." in response.text


async def test_failed_logins_are_throttled_on_the_form(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    for _ in range(5):
        await client.post("/admin/login", data={"email": planner.email, "password": "wrong"})
    response = await page_login(client, planner)
    assert response.status_code == 429
    assert (
        "try again in"
        in (
            await client.post(
                "/admin/login?lang=en", data={"email": planner.email, "password": "x"}
            )
        ).text
    )


async def test_a_login_form_posted_from_another_site_is_refused(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await client.post(
        "/admin/login",
        data={"email": planner.email, "password": STAFF_PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


async def test_logging_out_ends_the_session(client: httpx.AsyncClient, planner: Staff) -> None:
    await page_login(client, planner)
    response = await client.post("/admin/logout")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?out=1")
    assert 'arservice_session=""' in response.headers["set-cookie"]
    client.cookies.clear()
    assert (await client.get("/admin")).status_code == 303


@pytest.mark.parametrize("path", PLANNER_PAGES)
async def test_a_comms_user_is_refused_the_planners_pages(
    client: httpx.AsyncClient, comms: Staff, path: str
) -> None:
    await page_login(client, comms)
    response = await client.get(f"{path}?lang=en")
    assert response.status_code == 403
    assert "No access to this page" in response.text
    assert "idea-edit.js" not in response.text
    assert "idea-new.js" not in response.text


@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_a_planner_is_refused_the_admins_pages(
    client: httpx.AsyncClient, planner: Staff, path: str
) -> None:
    await page_login(client, planner)
    response = await client.get(f"{path}?lang=fi")
    assert response.status_code == 403
    assert "users.js" not in response.text


@pytest.mark.parametrize("path", ["/admin", *PLANNER_PAGES, *ADMIN_PAGES])
async def test_an_admin_opens_every_page(
    client: httpx.AsyncClient, admin: Staff, path: str
) -> None:
    await page_login(client, admin)
    response = await client.get(path)
    assert response.status_code == 200, response.text[:500]


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.PLANNER, ["/admin/ideas", "/admin/templates"], ["/admin/users", "/admin/audit"]),
        (Role.COMMS, [], ["/admin/ideas", "/admin/users"]),
        (Role.ADMIN, ["/admin/ideas", "/admin/users", "/admin/audit"], []),
    ],
)
async def test_the_menu_shows_what_the_role_may_open(
    client: httpx.AsyncClient,
    staff: dict[Role, Staff],
    role: Role,
    shown: list[str],
    hidden: list[str],
) -> None:
    await page_login(client, staff[role])
    menu = (
        (await client.get("/admin?lang=en")).text.split('<nav class="menu"')[1].split("</nav>")[0]
    )
    for path in shown:
        assert f'href="{path}?lang=en"' in menu
    for path in hidden:
        assert f'href="{path}?lang=en"' not in menu


async def test_staff_pages_are_never_cached_and_keep_the_csp(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    await page_login(client, planner)
    response = await client.get("/admin/ideas")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in response.text  # only files and one JSON data block


async def test_an_unknown_idea_is_a_404_page(client: httpx.AsyncClient, planner: Staff) -> None:
    await page_login(client, planner)
    response = await client.get("/admin/ideas/no-such-idea?lang=en")
    assert response.status_code == 404
    assert "Not found" in response.text


async def test_the_staff_files_are_served_hashed_and_immutable(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    await page_login(client, planner)
    page = (await client.get("/admin/ideas/new")).text
    url = next(
        part.split('"')[0] for part in page.split('src="') if "idea-new.js" in part.split('"')[0]
    )
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    stale = url.replace(url.split("/")[3], "0" * 16)
    assert (await client.get(stale)).status_code == 404
    assert (await client.get(url.rsplit("/", 1)[0] + "/../../app.py")).status_code == 404


async def test_the_editor_shows_the_idea_with_missing_translations_marked(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    body = {
        "title": {"fi": "Koripallokenttä", "en": "Ball court"},
        "template": {"id": "ball-court"},
    }
    created = await client.post("/api/v1/ideas", json=body, headers=planner.headers)
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    await page_login(client, planner)
    response = await client.get(f"/admin/ideas/{slug}?lang=en")
    assert response.status_code == 200
    assert 'value="Koripallokenttä"' in response.text
    assert 'value="Ball court"' in response.text
    # sv title, and every summary and description: 1 + 3 + 3 missing, each marked
    assert response.text.count('class="field missing"') == 7
    assert 'data-current="ball-court"' in response.text
    listed = await client.get("/admin/ideas?q=koripallo&status=draft&template=ball-court")
    assert f'href="/admin/ideas/{slug}"' in listed.text
    assert f'/admin/ideas/{slug}"' not in (await client.get("/admin/ideas?q=nothing-like-it")).text


async def test_the_audit_log_is_filtered(client: httpx.AsyncClient, admin: Staff) -> None:
    body = {"title": {"fi": "Penkki"}}
    assert (await client.post("/api/v1/ideas", json=body, headers=admin.headers)).status_code == 201
    await page_login(client, admin)
    shown = (await client.get("/admin/audit?action=idea.create")).text
    assert "<code>idea.create</code>" in shown
    assert (
        "<code>idea.create</code>" not in (await client.get("/admin/audit?action=user.create")).text
    )
