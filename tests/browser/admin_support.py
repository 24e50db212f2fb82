"""What the staff UI's browser tests share: a module-scoped ``arservice serve`` with the demo
ideas, an admin, a planner and a comms user (import ``admin_server`` into a test module and it
gets a server of its own), ``staff_page(role, path)`` that logs in through the form, and the
checks every staff page passes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from pydantic import SecretStr

from arservice.settings import Settings
from arservice.store.models import Role
from arservice.web import create_app
from tests.browser.conftest import SECRET_KEY, WATCH_SCRIPT, Opened, Server, Watch, start_server
from tests.browser.test_accessibility import violations
from tests.web.conftest import STAFF_PASSWORD, add_staff

EMAIL = {role: f"{role.value}@example.org" for role in Role}


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("admin-server")
    settings = Settings(data_dir=data_dir, demo_ideas=True, secret_key=SecretStr(SECRET_KEY))
    app = create_app(settings)
    add_staff(app, Role.ADMIN)
    add_staff(app, Role.COMMS)
    app.state.context.engine.dispose()
    yield from start_server(data_dir)


@pytest.fixture
def staff_page(browser: Browser, admin_server: Server) -> Iterator[Any]:
    """``staff_page(role, path)``: a new watched context, logged in as ``role`` through the
    login form (role None: not logged in), then at ``path``."""
    contexts: list[BrowserContext] = []

    def open_as(role: Role | None, path: str, **options: Any) -> Opened:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("accept_downloads", True)
        context = browser.new_context(**options)
        contexts.append(context)
        watch = Watch()
        context.on("request", lambda request: watch.requests.append(request.url))
        context.add_init_script(WATCH_SCRIPT)
        page = context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", lambda error: watch.errors.append(f"exception: {error}"))
        if role is not None:
            log_in(page, admin_server, role, path)
        else:
            page.goto(admin_server.url(path))
        return Opened(page, context, watch)

    yield open_as
    for context in contexts:
        context.close()


def log_in(page: Any, server: Server, role: Role, path: str) -> None:
    """Open ``path``: the login form comes first, then the form brings the user back."""
    page.goto(server.url(path))
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    page.get_by_label(re.compile("Email|Sähköposti|E-post")).fill(EMAIL[role])
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.wait_for_url(lambda url: "/admin/login" not in url)


def preview_shown(opened: Opened, after: int) -> dict[str, Any]:
    """Waits until the preview shows a change newer than ``after``; its figures."""
    opened.page.locator("#preview").scroll_into_view_if_needed()
    opened.page.wait_for_function(
        "(after) => { const v = document.querySelector('#preview');"
        " return Number(v.dataset.previewSeq) > after && v.modelIsVisible; }",
        arg=after,
        timeout=60_000,
    )
    figures: dict[str, Any] = opened.page.evaluate(
        "() => { const v = document.querySelector('#preview');"
        " return {seq: Number(v.dataset.previewSeq), triangles: Number(v.dataset.triangles),"
        " size: v.dataset.size, src: v.src}; }"
    )
    return figures


def shoot(opened: Opened, artifacts: Path, name: str) -> None:
    opened.page.screenshot(path=str(artifacts / f"admin-{name}.png"), full_page=True)


def clean(opened: Opened, server: Server, *expected: int) -> None:
    """No console error, uncaught exception, CSP violation or request to another site
    (``expected``: statuses the test caused on purpose, which Chromium logs as errors)."""
    logged = [f"status of {status} " for status in expected]
    assert [error for error in opened.watch.errors if not any(s in error for s in logged)] == []
    assert opened.violations() == []
    assert opened.watch.other_origins(server.origin) == []


def no_wcag_violation(opened: Opened) -> None:
    assert violations(opened) == []
