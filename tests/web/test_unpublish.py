"""Unpublishing: a planner takes a published (or archived) idea back to a draft; from then on
the public sees it nowhere (its page, its API answer, the gallery) exactly as if it did not
exist, the change is audited, and publishing again brings it back with the same files."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import Staff, log_in
from tests.web.test_error_shape import assert_error_shape
from tests.web.test_ideas import URL, create, idea, publish

pytestmark = pytest.mark.anyio


async def unpublish(
    client: httpx.AsyncClient, headers: dict[str, str], slug: str
) -> httpx.Response:
    return await client.post(f"{URL}/{slug}/unpublish", headers=headers)


async def audit(client: httpx.AsyncClient, admin: Staff, slug: str) -> list[dict[str, object]]:
    response = await client.get(
        "/api/v1/audit",
        params={"target_id": slug, "action": "idea.unpublish"},
        headers=admin.headers,
    )
    assert response.status_code == 200
    return list(response.json()["entries"])


async def test_an_unpublished_idea_is_gone_from_public_view_like_a_missing_one(
    client: httpx.AsyncClient, planner: Staff, admin: Staff
) -> None:
    await create(client, planner, idea(slug="kapyla"))
    published = await publish(client, planner, "kapyla")
    assert published.status_code == 200
    glb = published.json()["artifacts"]["glb"]
    assert (await client.get("/i/kapyla")).status_code == 200

    response = await unpublish(client, planner.headers, "kapyla")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "draft"
    assert response.json()["published_at"] is None
    for path in ("/i/kapyla", f"{URL}/kapyla", "/embed/kapyla"):
        gone = await client.get(path)
        missing = await client.get(path.replace("kapyla", "no-such-idea"))
        assert gone.status_code == missing.status_code == 404, path
        assert gone.text == missing.text.replace("no-such-idea", "kapyla"), path
    assert (await client.get(URL)).json() == {"ideas": []}
    assert "kapyla" not in (await client.get("/")).text
    [entry] = await audit(client, admin, "kapyla")
    assert entry["actor_id"] == planner.user_id
    assert entry["details"] == {"from": "published"}

    again = await publish(client, planner, "kapyla")
    assert again.json()["status"] == "published"
    assert again.json()["artifacts"]["glb"] == glb
    assert (await client.get("/i/kapyla")).status_code == 200


async def test_an_archived_idea_becomes_a_draft_and_a_draft_stays_one(
    client: httpx.AsyncClient, planner: Staff, admin: Staff
) -> None:
    await create(client, planner, idea(slug="arkisto"))
    await create(client, planner, idea(slug="luonnos"))
    await publish(client, planner, "arkisto")
    await client.post(f"{URL}/arkisto/archive", headers=planner.headers)

    archived = await unpublish(client, planner.headers, "arkisto")
    draft = await unpublish(client, planner.headers, "luonnos")

    assert archived.json()["status"] == draft.json()["status"] == "draft"
    assert [entry["details"] for entry in await audit(client, admin, "arkisto")] == [
        {"from": "archived"}
    ]
    assert await audit(client, admin, "luonnos") == []  # nothing changed, nothing recorded


async def test_unpublishing_needs_a_planner_and_the_csrf_header(
    client: httpx.AsyncClient, planner: Staff, comms: Staff, admin: Staff
) -> None:
    await create(client, planner, idea(slug="kapyla"))
    await publish(client, planner, "kapyla")

    refused = await unpublish(client, comms.headers, "kapyla")
    anonymous = await unpublish(client, {}, "kapyla")
    assert refused.status_code == 403
    assert assert_error_shape(refused)["code"] == "forbidden"
    assert anonymous.status_code == 401
    csrf = await log_in(client, planner)
    without_csrf = await unpublish(client, {}, "kapyla")
    assert without_csrf.status_code == 403
    assert (await client.get(f"{URL}/kapyla", headers=planner.headers)).json()["status"] == (
        "published"
    )
    assert (await unpublish(client, csrf, "kapyla")).status_code == 200
    client.cookies.clear()
    assert (await unpublish(client, admin.headers, "kapyla")).status_code == 200


async def test_unpublishing_a_missing_idea_is_not_found(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    response = await unpublish(client, planner.headers, "no-such-idea")
    assert response.status_code == 404
    error = assert_error_shape(response)
    assert error["code"] == "not_found"
    assert "no-such-idea" in error["message"]
