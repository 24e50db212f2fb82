"""The communications staff's pages in real headless Chromium: a comms user builds a campaign of
two demo ideas, downloads its zip and decodes a code from it (exactly the short address the
page shows), retargets a code to an address and sees a scan go there, opens the chart; the
logo page for an admin; a planner gets the 403 page; axe-core on every page.
Screenshots: ``out/browser/admin-campaign*.png``, ``admin-code*.png``, ``admin-logo*.png``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from arservice.store.models import Role
from tests.browser.admin_support import admin_server, clean, no_wcag_violation, shoot, staff_page
from tests.browser.conftest import Server
from tests.services.test_campaign_bundle import decoded
from tests.services.test_site_assets import image_bytes

__all__ = ["admin_server", "staff_page"]

GYM, PLAYGROUND = "kapylan-ulkokuntosali", "karhupuiston-leikkipaikka"
PHOTOS = "https://example.org/valmis-kuntosali"


def test_comms_builds_a_campaign_downloads_and_decodes_its_zip(
    staff_page: Any, admin_server: Server, artifacts: Path, tmp_path: Path
) -> None:
    opened = staff_page(Role.COMMS, "/admin/campaigns?lang=en")
    page = opened.page
    no_wcag_violation(opened)
    page.locator("#new-name-fi").fill("Syksyn kyltit")
    page.locator("#new-name-sv").fill("Höstens skyltar")
    page.locator("#new-lang-2").select_option("en")
    page.locator("#new-size-a3").check()
    page.locator("#new-q").fill("leikki")  # the filter narrows the list ...
    expect(page.locator(f'#new-campaign tr[data-idea="{GYM}"]')).to_be_hidden()
    page.locator(f"#new-{PLAYGROUND}").check()
    page.locator("#new-q").fill("")  # ... and a chosen idea stays in it
    page.locator(f"#new-{GYM}").check()
    shoot(opened, artifacts, "campaigns")
    page.locator("#new-campaign button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/campaigns/syksyn-kyltit"))

    rows = page.locator("#campaign-ideas tbody tr")
    expect(rows).to_have_count(2)
    assert rows.evaluate_all("(rows) => rows.map((r) => r.dataset.idea)") == [PLAYGROUND, GYM]
    short_urls = page.locator("[data-short-url]").all_inner_texts()
    assert all(url.startswith(f"{admin_server.base_url}/q/") for url in short_urls)
    expect(page.locator("#scans-chart")).to_have_attribute("alt", re.compile("by people"))
    assert page.locator("#scans-chart").evaluate("(img) => img.complete && img.naturalWidth > 0")
    no_wcag_violation(opened)
    shoot(opened, artifacts, "campaign")

    with page.expect_download() as download_info:
        page.locator("#bundle").click()
    saved = tmp_path / "bundle.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as bundle:
        names = bundle.namelist()
        png = next(n for n in names if n.startswith("codes/001-") and n.endswith(".png"))
        assert decoded(png, bundle.read(png)) == [short_urls[0]]
        poster = next(n for n in names if n.startswith("posters/002-") and n.endswith("a3.pdf"))
        assert decoded(poster, bundle.read(poster)) == [short_urls[1]]
    clean(opened, admin_server)


def test_comms_retargets_a_code_and_the_next_scan_follows(
    staff_page: Any, admin_server: Server, artifacts: Path
) -> None:
    opened = staff_page(Role.COMMS, "/admin/campaigns/kevat-2024?lang=fi")
    page = opened.page
    code_link = page.locator("#campaign-ideas tbody tr").first.locator("a")
    code = code_link.inner_text()
    code_link.click()
    page.wait_for_url(re.compile(rf"/admin/codes/{code}"))
    no_wcag_violation(opened)

    page.locator("#edit-target-url").fill("ftp://example.org/x")
    page.locator("#code-form button[type=submit]").click()
    expect(page.locator('#code-form [data-error-for="target_url"]')).to_contain_text("https://")
    expect(page.locator("#edit-target-url")).to_have_attribute("aria-invalid", "true")
    shoot(opened, artifacts, "code-invalid")

    page.locator("#edit-target-url").fill(PHOTOS)
    page.locator("#edit-label").fill("Käpylän portti")
    page.locator("#code-form button[type=submit]").click()
    expect(page.locator("#code-target")).to_have_text(PHOTOS)
    expect(page.locator("#code-status")).not_to_be_empty()
    scan = httpx.get(admin_server.url(f"/q/{code}"), follow_redirects=False)
    assert (scan.status_code, scan.headers["location"]) == (302, PHOTOS)

    page.locator("#code-toggle").click()
    expect(page.locator("#confirm")).to_be_visible()
    shoot(opened, artifacts, "code-confirm")
    page.locator("#confirm button[value=yes]").click()
    expect(page.locator("#code")).to_have_attribute("data-active", "false")
    assert httpx.get(admin_server.url(f"/q/{code}")).status_code == 404
    page.locator("#code-toggle").click()  # on again: no question
    expect(page.locator("#code")).to_have_attribute("data-active", "true")

    page.reload()  # the chart counted the scan (the server flushes every 2 s)
    expect(page.locator("#edit-label")).to_have_value("Käpylän portti")
    assert page.locator("#scans-chart").evaluate("(img) => img.complete && img.naturalWidth > 0")
    page.locator("#period-from").fill("2025-02-01")
    page.locator("#period-to").fill("2025-01-01")
    page.locator("#period button[type=submit]").click()
    expect(page.locator("#error-period-from")).not_to_be_empty()
    no_wcag_violation(opened)
    shoot(opened, artifacts, "code")
    clean(opened, admin_server, 422)  # the refused ftp:// address


def test_codes_list_and_a_code_of_its_own(
    staff_page: Any, admin_server: Server, artifacts: Path
) -> None:
    opened = staff_page(Role.COMMS, "/admin/codes?lang=sv")
    page = opened.page
    no_wcag_violation(opened)
    shoot(opened, artifacts, "codes")
    page.locator("#new-kind-url").check()
    page.locator("#new-target-url").fill("https://www.hel.fi/sv")
    page.locator("#new-label").fill("Affisch, bibliotek")
    page.locator("#new-code button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/codes/[0-9A-Z]+\?lang=sv"))
    expect(page.locator("#code-target")).to_have_text("https://www.hel.fi/sv")
    clean(opened, admin_server)


def test_an_admin_uploads_and_removes_the_logo(
    staff_page: Any, admin_server: Server, artifacts: Path, tmp_path: Path
) -> None:
    opened = staff_page(Role.ADMIN, "/admin/logo?lang=fi")
    page = opened.page
    expect(page.locator("#logo-none")).to_be_visible()
    bad = tmp_path / "logo.svg"
    bad.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    page.locator("#logo-file").set_input_files(str(bad))
    page.locator("#logo-form button[type=submit]").click()
    expect(page.locator("#error-logo-file")).to_contain_text("PNG")
    shoot(opened, artifacts, "logo-refused")

    good = tmp_path / "logo.png"
    good.write_bytes(image_bytes((300, 120)))
    page.locator("#logo-file").set_input_files(str(good))
    page.locator("#logo-form button[type=submit]").click()
    expect(page.locator("#logo-preview")).to_be_visible()
    assert page.locator("#logo-preview").evaluate("(img) => img.complete && img.naturalWidth")
    no_wcag_violation(opened)
    shoot(opened, artifacts, "logo")
    page.locator("#logo-remove").click()
    page.locator("#confirm button[value=yes]").click()
    expect(page.locator("#logo-none")).to_be_visible()
    clean(opened, admin_server, 422)


def test_a_planner_is_refused_the_campaign_pages(staff_page: Any, admin_server: Server) -> None:
    opened = staff_page(Role.PLANNER, "/admin/campaigns/kevat-2024?lang=en")
    page = opened.page
    expect(page.locator("h1")).to_have_text("No access to this page")
    assert page.locator("#campaign").count() == 0
    for path in ("/admin/campaigns", "/admin/codes", "/admin/logo"):
        response = page.goto(admin_server.url(path))
        assert response is not None
        assert response.status == 403
    no_wcag_violation(opened)
    assert [u for u in opened.watch.requests if "campaign" in u and u.endswith(".js")] == []
    menu = page.locator("nav.menu").inner_text()
    assert "Campaigns" not in menu
    assert "Import" in menu
    clean(opened, admin_server, 403)


def test_the_pages_in_finnish_and_swedish_pass_axe(staff_page: Any) -> None:
    opened = staff_page(Role.ADMIN, "/admin/campaigns?lang=sv")
    for path in ("/admin/campaigns?lang=sv", "/admin/campaigns/kevat-2024?lang=fi"):
        opened.page.goto(opened.page.url.split("/admin")[0] + path)
        no_wcag_violation(opened)
