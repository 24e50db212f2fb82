"""The import page in real headless Chromium: a planner imports a CSV file and a Decidim
component (the local Decidim API of tests/support/decidim_server.py), each a dry run first, then
the import of what the dry run read; the report with reasons, the ideas without a model, each
idea's link and iframe snippet to copy; the mapping rules saved and a bad rule told by its
place; comms get the 403 page; axe-core on the page. Screenshots: ``admin-import*.png``.

The server here is the app in this process (uvicorn in a thread, on a loopback port) rather
than ``arservice serve``: the API only reads public addresses, and the test overrides its
``source_reader`` dependency so that it may read the local Decidim on 127.0.0.1, as
tests/web/test_imports.py does.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import expect
from pydantic import SecretStr

from arservice.services.pb_import_sources import Reader
from arservice.settings import Settings
from arservice.store.models import Role
from arservice.web import create_app
from arservice.web.routes.imports import source_reader
from tests.browser.admin_support import clean, no_wcag_violation, shoot, staff_page
from tests.browser.conftest import SECRET_KEY, Server, free_port
from tests.support.decidim_server import DecidimServer, running_decidim
from tests.web.conftest import add_staff

__all__ = ["staff_page"]

CSV = (
    "project_id,title_fi,title_sv,budget_eur,selected\n"
    "k-1,Leikkipaikka Malmille,Lekplats i Malm,60000,yes\n"
    "k-2,Lukupiiri,Läscirkel,2000,yes\n"
)


@pytest.fixture(scope="module")
def decidim() -> Iterator[DecidimServer]:
    with running_decidim() as server:
        yield server
        assert server.rejected == []


@pytest.fixture(scope="module")
def admin_server(
    tmp_path_factory: pytest.TempPathFactory, decidim: DecidimServer
) -> Iterator[Server]:
    """This module's server: the app in a thread, allowed to read the local Decidim."""
    data_dir = tmp_path_factory.mktemp("import-server")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        data_dir=data_dir, base_url=base, demo_ideas=False, secret_key=SecretStr(SECRET_KEY)
    )
    app = create_app(settings)
    for role in Role:
        add_staff(app, role)
    app.dependency_overrides[source_reader] = lambda: Reader(
        allow_private=True, sleep=lambda seconds: None
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the import test server did not start")
        time.sleep(0.05)
    yield Server(base)
    server.should_exit = True
    thread.join()


def report_rows(page: Any) -> dict[str, str]:
    rows = page.locator("#report-items tbody tr")
    return dict(
        zip(
            rows.evaluate_all("(rows) => rows.map((r) => r.dataset.project)"),
            rows.evaluate_all("(rows) => rows.map((r) => r.dataset.result)"),
            strict=True,
        )
    )


def test_a_planner_imports_a_csv_file_after_a_dry_run(
    staff_page: Any, admin_server: Server, artifacts: Path, tmp_path: Path
) -> None:
    opened = staff_page(Role.PLANNER, "/admin/import?lang=fi")
    page = opened.page
    no_wcag_violation(opened)
    form = page.locator("#csv-form")
    expect(form.locator("[data-run]")).to_be_disabled()
    bad = tmp_path / "bad.csv"
    bad.write_text("project_id,title_fi,budget_eur\na,Hyvä,paljon\n", encoding="utf-8")
    form.locator("#csv-file").set_input_files(str(bad))
    form.locator("[data-dry]").click()
    expect(form.locator("[data-summary]")).to_contain_text("line 2.budget_eur")
    expect(form.locator("[data-run]")).to_be_disabled()

    good = tmp_path / "winners.csv"
    good.write_text(CSV, encoding="utf-8")
    form.locator("#csv-file").set_input_files(str(good))
    form.locator("[data-dry]").click()
    expect(page.locator("#report [data-report-counts]")).to_contain_text("2")
    assert report_rows(page) == {"k-1": "created", "k-2": "created"}
    expect(form.locator("[data-run]")).to_be_enabled()
    shoot(opened, artifacts, "import-dry-run")
    assert page.request.get(admin_server.url("/api/v1/ideas")).json()["ideas"] == []

    dry_text = page.locator("#report [data-report-kind]").inner_text()
    form.locator("[data-run]").click()
    expect(page.locator("#report [data-report-kind]")).not_to_have_text(dry_text)
    expect(form.locator("[data-run]")).to_be_disabled()  # a new dry run before another import
    iframe = page.locator('#report-items tr[data-project="k-1"] textarea')
    expect(iframe).to_have_value(re.compile(r'^<iframe src="http://127\.0\.0\.1:\d+/embed/'))
    link = page.locator('#report-items tr[data-project="k-1"] input')
    expect(link).to_have_value(re.compile(r"/i/leikkipaikka-malmille$"))
    expect(page.locator("#unmapped a")).to_have_count(1)  # the reading circle has no template
    slugs = [i["slug"] for i in page.request.get(admin_server.url("/api/v1/ideas")).json()["ideas"]]
    assert sorted(slugs) == ["leikkipaikka-malmille", "lukupiiri"]
    no_wcag_violation(opened)
    shoot(opened, artifacts, "import-done")
    clean(opened, admin_server, 422)


def test_a_planner_imports_from_decidim_after_a_dry_run(
    staff_page: Any, admin_server: Server, decidim: DecidimServer, artifacts: Path
) -> None:
    opened = staff_page(Role.PLANNER, "/admin/import?lang=en")
    page = opened.page
    form = page.locator("#decidim-form")
    form.locator("#decidim-api").fill(decidim.api)
    form.locator("#decidim-component").fill("abc")
    form.locator("[data-dry]").click()
    expect(form.locator("#error-decidim-component")).not_to_be_empty()
    form.locator("#decidim-component").fill("10")
    form.locator("#decidim-accountability").fill("12")
    form.locator("[data-dry]").click()
    expect(page.locator("#report [data-report-kind]")).to_contain_text("Dry run")
    expect(page.locator("#report [data-report-counts]")).to_have_text(
        "Created 4, updated 0, unchanged 0, skipped 4."
    )
    skipped = page.locator('#report-items tr[data-result="skipped"]').first
    expect(skipped.locator("td").nth(2)).not_to_be_empty()  # the reason
    form.locator("#decidim-winners").uncheck()  # other values: dry-run them first
    expect(form.locator("[data-run]")).to_be_disabled()
    form.locator("#decidim-winners").check()
    form.locator("[data-dry]").click()
    expect(form.locator("[data-run]")).to_be_enabled()
    form.locator("[data-run]").click()
    expect(page.locator("#report [data-report-kind]")).to_have_text("Imported.")
    gym = page.locator('#report-items tr[data-project="101"]')
    expect(gym.locator("textarea")).to_have_value(re.compile("ulkokuntosali-kontulaan"))
    gym.get_by_role("button", name=re.compile("Copy: Iframe")).click()
    expect(gym.get_by_role("button", name=re.compile("Copy: Iframe"))).to_have_text("Copied.")
    expect(page.locator("#unmapped")).to_contain_text("lukupiiri-kirjastoon")
    shoot(opened, artifacts, "import-decidim")
    clean(opened, admin_server, 422)


def test_the_rules_are_saved_and_a_bad_rule_is_named(
    staff_page: Any, admin_server: Server, artifacts: Path
) -> None:
    opened = staff_page(Role.PLANNER, "/admin/import?lang=en")
    page = opened.page
    source = page.locator("#rules-source")
    shipped = source.input_value()
    source.fill(shipped.replace("template: outdoor-gym", "template: Outdoor Gym", 1))
    page.locator("#rules-form button[type=submit]").click()
    expect(page.locator("#rules-problems li").first).to_contain_text("].template")
    expect(source).to_have_attribute("aria-invalid", "true")
    shoot(opened, artifacts, "import-rules-invalid")
    source.fill(shipped)
    page.locator("#rules-form button[type=submit]").click()
    expect(page.locator("#rules-status")).to_have_text("The rules are saved.")
    expect(page.locator("#rules-default")).to_have_count(0)
    clean(opened, admin_server, 422)


def test_comms_are_refused_the_import_page(staff_page: Any, admin_server: Server) -> None:
    opened = staff_page(Role.COMMS, "/admin/import?lang=sv")
    expect(opened.page.locator("#decidim-form")).to_have_count(0)
    response = opened.page.goto(admin_server.url("/admin/import"))
    assert response is not None
    assert response.status == 403
    no_wcag_violation(opened)
    clean(opened, admin_server, 403)
