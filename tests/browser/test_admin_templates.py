# ruff: noqa: F811  (the fixtures imported from admin_support.py are used as arguments)
"""The planners' and admins' staff pages in real headless Chromium, driven as staff would:
upload a bad template and see each problem at its line, upload a good version, move an idea to
it; upload a GLB as an idea's model and see its checks; unpublish an idea and see its public
page gone; set a user's password and log in with it; revoke a token and see it refused.
axe-core finds no WCAG 2.1 A/AA violation on each page. Screenshots: ``out/browser/admin-*``.

The server and the login are admin_support.py's (imported, so this module gets its own server).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from arservice.store.models import Role
from tests.browser.admin_support import (  # noqa: F401  (fixtures)
    EMAIL,
    admin_server,
    clean,
    preview_shown,
    shoot,
    staff_page,
)
from tests.browser.conftest import Server
from tests.browser.test_accessibility import violations
from tests.services.test_uploads import box_glb
from tests.web.conftest import STAFF_PASSWORD

GOOD = """format: arservice/template@1
id: park-bench
version: {version}
title: {{fi: Puistonpenkki, sv: Parkbänk, en: Park bench}}
params:
  length: {{type: length, min: 1.2, max: 3, default: {default}, label: {{en: Length}}}}
  finish: {{type: choice, options: [wood, concrete], default: wood, group: look}}
parts:
  - {{name: seat, shape: box, size: [=length, 0.06, 0.45], at: [0, 0.45, 0], material: =finish}}
  - {{name: leg, shape: box, size: [0.08, 0.42, 0.4], at: [0, 0.21, 0], material: concrete}}
"""
BAD = """format: arservice/template@1
id: park-bench
version: 2
title: {en: Park bench}
params:
  length:
    type: length
    min: 1.2
    max: 3
    default: 9
parts:
  - {name: seat, shape: box, size: [=length, 0.06, 0.45], at: [0, 0.45, 0]}
  - {name: leg, shape: box, size: [0.08, 0.4, 0.4], at: [0, 0.21, 0], colour: red}
"""


@contextmanager
def api_session(server: Server, role: Role) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """An httpx client logged in as ``role`` (the cookie), and the CSRF header."""
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        response = client.post(
            "/api/v1/auth/login", json={"email": EMAIL[role], "password": STAFF_PASSWORD}
        )
        assert response.status_code == 200, response.text
        yield client, {"X-CSRF-Token": response.json()["csrf_token"]}


def test_a_planner_uploads_a_bad_template_then_a_good_version_and_moves_an_idea(
    staff_page: Any, admin_server: Server, artifacts: Path
) -> None:
    with api_session(admin_server, Role.PLANNER) as (client, csrf):
        first = client.post(
            "/api/v1/templates",
            files={"source": ("b.yaml", GOOD.format(version=1, default=1.8).encode())},
            headers=csrf,
        )
        assert first.status_code == 201, first.text
        made = client.post(
            "/api/v1/ideas",
            json={"slug": "bench", "title": {"en": "A bench"}, "template": {"id": "park-bench"}},
            headers=csrf,
        )
        assert made.status_code == 201, made.text

    opened = staff_page(Role.PLANNER, "/admin/templates/upload?id=park-bench&lang=en")
    page = opened.page
    expect(page.locator("#source-text")).to_have_value(re.compile(r"^version: 2$", re.M))
    page.locator("#source-text").fill(BAD)
    page.locator("#upload-button").click()
    problems = page.locator("#problem-list li")
    expect(problems.first).to_be_visible()
    listed = problems.all_inner_texts()
    assert any(text.startswith("line 10:") and "params.length.default" in text for text in listed)
    assert any(text.startswith("line 13:") and "parts[1].colour" in text for text in listed)
    marked = page.locator("#marked .line.bad")
    assert sorted(int(n) for n in marked.evaluate_all("ls => ls.map(l => l.dataset.line)")) == [
        10,
        13,
    ]
    expect(page.locator('#marked [data-error-line="10"]')).to_contain_text("3")
    page.locator("#problem-list a", has_text="line 13").click()
    caret = page.evaluate(
        "() => { const t = document.querySelector('#source-text');"
        " return t.value.slice(0, t.selectionStart).split('\\n').length; }"
    )
    assert caret == 13
    assert violations(opened) == []
    shoot(opened, artifacts, "template-upload-errors")

    page.locator("#source-text").fill(GOOD.format(version=2, default=2.4))
    page.locator("#upload-button").click()
    expect(page.locator("[data-result-title]")).to_have_text("Stored: park-bench, version 2.")
    page.wait_for_function(
        "() => { const v = document.querySelector('#upload-preview');"
        " return Number(v.dataset.previewSeq) > 0 && v.modelIsVisible; }",
        timeout=60_000,
    )
    size = page.locator("#upload-preview").get_attribute("data-size") or ""
    assert float(size.split()[0]) == pytest.approx(2.4, abs=0.01)  # the new default length
    shoot(opened, artifacts, "template-upload-stored")
    clean(opened, admin_server, 422)

    page.locator("#result-link").click()
    page.wait_for_url(re.compile(r"/admin/templates/park-bench"))
    expect(page.locator('#versions tr[data-version="2"]')).to_contain_text("Test planner")
    expect(page.locator("#source .tok-key").first).to_have_text("format")
    row = page.locator('#uses tr[data-idea="bench"]')
    expect(row.locator("[data-idea-version]")).to_have_text("1")
    row.locator("[data-move]").click()
    expect(page.locator("#confirm")).to_contain_text("version 2")
    page.locator("#confirm button[value=yes]").click()
    expect(row.locator("[data-idea-version]")).to_have_text("2")
    expect(page.locator("#move-status")).to_have_text("Moved to version 2.")
    legend = page.locator("#param-fields legend", has_text="Look")
    expect(legend).to_be_visible()  # the group "look", readable
    preview_shown(opened, 0)
    assert violations(opened) == []
    clean(opened, admin_server, 422)
    shoot(opened, artifacts, "template-page")
    with httpx.Client(base_url=admin_server.base_url) as check:
        check.post(
            "/api/v1/auth/login", json={"email": EMAIL[Role.PLANNER], "password": STAFF_PASSWORD}
        )
        assert check.get("/api/v1/ideas/bench").json()["template"]["version"] == 2


def test_a_planner_uploads_a_glb_as_an_ideas_model_and_sees_the_checks(
    staff_page: Any, admin_server: Server, artifacts: Path, tmp_path: Path
) -> None:
    with api_session(admin_server, Role.PLANNER) as (client, csrf):
        made = client.post(
            "/api/v1/ideas", json={"slug": "kiosk", "title": {"en": "A kiosk"}}, headers=csrf
        )
        assert made.status_code == 201
    too_big = tmp_path / "millimetres.glb"
    too_big.write_bytes(box_glb((1800.0, 900.0, 600.0)))
    good = tmp_path / "kiosk.glb"
    good.write_bytes(box_glb((3.0, 2.6, 2.0)))
    opened = staff_page(Role.PLANNER, "/admin/ideas/kiosk?lang=en")
    page = opened.page

    page.locator("#model-file").set_input_files(str(too_big))
    page.locator("#model-upload-button").click()
    expect(page.locator("#model-checks .failed")).to_contain_text("millimetres")
    expect(page.locator("#model-upload-status")).to_contain_text("Not accepted")

    page.locator("#model-file").set_input_files(str(good))
    page.locator("#model-upload-button").click()
    expect(page.locator("#model-upload-status")).to_have_text("Accepted: the checks passed.")
    expect(page.locator("#model-checks .passed")).to_have_count(4)
    page.wait_for_function(
        "() => document.querySelector('#uploaded-preview').modelIsVisible", timeout=60_000
    )
    expect(page.locator('#uploaded-stats [data-stat="height"]')).to_have_text("2.6 m")
    page.locator("#save").click()
    expect(page.locator("#save-status")).to_have_text("Saved.")
    assert violations(opened) == []
    clean(opened, admin_server, 422)
    shoot(opened, artifacts, "idea-model-upload")
    with httpx.Client(base_url=admin_server.base_url) as check:
        check.post(
            "/api/v1/auth/login", json={"email": EMAIL[Role.PLANNER], "password": STAFF_PASSWORD}
        )
        assert check.get("/api/v1/ideas/kiosk").json()["model"] == "uploaded"


def test_a_planner_unpublishes_an_idea_and_its_public_page_is_gone(
    staff_page: Any, admin_server: Server, artifacts: Path
) -> None:
    slug = "myllypuron-koripallokentta"
    assert httpx.get(admin_server.url(f"/i/{slug}")).status_code == 200
    opened = staff_page(Role.PLANNER, f"/admin/ideas/{slug}?lang=en")
    page = opened.page
    page.locator("#idea-stage").select_option("building")
    page.locator("#district-en").fill("Myllypuro")
    page.locator("#unpublish").click()
    expect(page.locator("#confirm")).to_contain_text("not found")
    page.locator("#confirm button[value=yes]").click()
    expect(page.locator("#action-status")).to_have_text(
        "Back to a draft: the idea is no longer public."
    )
    expect(page.locator("#status-badge")).to_have_text("Draft")
    expect(page.locator("#unpublish")).to_be_hidden()
    expect(page.locator("#public-link")).to_be_hidden()
    gone = httpx.get(admin_server.url(f"/i/{slug}"))
    missing = httpx.get(admin_server.url("/i/no-such-idea"))
    assert gone.status_code == missing.status_code == 404
    assert violations(opened) == []
    clean(opened, admin_server)
    shoot(opened, artifacts, "idea-unpublished")

    page.goto(admin_server.url("/admin/ideas?lang=en&stage=building&district=Myllypuro"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Draft")


def test_an_admin_sets_a_password_and_revokes_a_token(
    staff_page: Any, admin_server: Server, artifacts: Path, browser: Any
) -> None:
    with api_session(admin_server, Role.COMMS) as (client, csrf):
        issued = client.post("/api/v1/auth/tokens", json={"name": "poster script"}, headers=csrf)
        assert issued.status_code == 201
    bearer = {"Authorization": f"Bearer {issued.json()['secret']}"}
    assert httpx.get(admin_server.url("/api/v1/auth/me"), headers=bearer).status_code == 200

    opened = staff_page(Role.ADMIN, "/admin/users?lang=en")
    page = opened.page
    row = page.locator(f'#users tr[data-email="{EMAIL[Role.COMMS]}"]')
    row.locator("[data-password]").click()
    dialog = page.locator("#password-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_contain_text(EMAIL[Role.COMMS])
    page.locator("#reset-password").fill("short")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator('[data-error-for="password"]')).to_contain_text("12")
    assert violations(opened) == []
    page.locator("#reset-password").fill("comms has a new password now")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#users-status")).to_have_text(
        f"The new password of {EMAIL[Role.COMMS]} is set."
    )
    expect(dialog).to_be_hidden()

    token = page.locator('#tokens tr[data-name="poster script"]')
    token.locator("[data-revoke]").click()
    expect(page.locator("#confirm")).to_contain_text("poster script")
    page.locator("#confirm button[value=yes]").click()
    expect(token.locator("[data-token-state]")).to_have_text("Revoked")
    expect(page.locator("#tokens-status")).to_have_text("The token was revoked.")
    assert httpx.get(admin_server.url("/api/v1/auth/me"), headers=bearer).status_code == 401
    assert violations(opened) == []
    clean(opened, admin_server, 422)
    shoot(opened, artifacts, "users-tokens")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        login = context.new_page()
        login.goto(admin_server.url("/admin/login?lang=en"))
        login.locator("#email").fill(EMAIL[Role.COMMS])
        login.locator("#password").fill("comms has a new password now")
        login.locator("form.login button[type=submit]").click()
        login.wait_for_url(re.compile(r"/admin(\?|$)"))
        expect(login.locator(".who")).to_contain_text("Test comms")
    finally:
        context.close()


PAGES = [
    (Role.PLANNER, "/admin/templates/upload?lang=fi"),
    (Role.PLANNER, "/admin/templates/outdoor-gym?lang=sv"),
    (Role.PLANNER, "/admin/templates/ball-court?lang=fi"),
    (Role.PLANNER, "/admin/templates?lang=en"),
    (Role.PLANNER, "/admin/ideas/kapylan-ulkokuntosali?lang=sv"),
    (Role.ADMIN, "/admin/users?lang=sv"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_the_pages_have_no_wcag_violation(
    staff_page: Any, admin_server: Server, artifacts: Path, role: Role, path: str
) -> None:
    opened = staff_page(role, path)
    if opened.page.locator("#preview").count():
        preview_shown(opened, 0)
    assert violations(opened) == []
    clean(opened, admin_server)
    name = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].strip("/"))
    shoot(opened, artifacts, f"axe-plan-{name}")
