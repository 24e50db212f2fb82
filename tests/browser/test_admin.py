# ruff: noqa: F811  (the fixtures imported from admin_support.py are used as arguments)
"""The staff UI in real headless Chromium, driven as staff would drive it: the login form, the
idea editor with its live preview, publishing, the refusals, session expiry, the users page,
and axe-core on every staff page. Screenshots go to ``out/browser/admin-*.png``.

The server is this module's own (``arservice serve`` on a loopback port, as in conftest.py), on
a database that has an admin and a comms user besides the conftest's planner, all with the
test password.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from arservice.store.models import Role
from tests.browser.admin_support import (  # noqa: F401  (fixtures: this module's own server)
    EMAIL,
    admin_server,
    clean,
    preview_shown,
    shoot,
    staff_page,
)
from tests.browser.conftest import Server
from tests.browser.test_accessibility import violations
from tests.web.conftest import STAFF_PASSWORD

SLIDER = "stations"
"""A parameter of the outdoor gym that changes its size: more stations, a longer row."""


def test_a_planner_creates_shapes_and_publishes_an_idea(
    staff_page: Any, admin_server: Server, artifacts: Path
) -> None:
    opened = staff_page(Role.PLANNER, "/admin/ideas/new?lang=fi")
    page = opened.page
    shoot(opened, artifacts, "new")
    page.locator("#title-fi").fill("Ulkokuntosali Kumpulaan")
    page.locator("#title-en").fill("Outdoor gym in Kumpula")
    page.locator("#template-choice").select_option("outdoor-gym")
    page.locator("#new-idea button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/ideas/ulkokuntosali-kumpulaan"))

    first = preview_shown(opened, 0)
    slider = page.locator(f'[data-slider="{SLIDER}"]')
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    second = preview_shown(opened, first["seq"])
    assert page.locator(f"#param-{SLIDER}").input_value() == "7"  # 4 + 3 steps
    assert second["src"] != first["src"]
    assert (second["triangles"], second["size"]) != (first["triangles"], first["size"])
    width_before, width_after = float(first["size"].split()[0]), float(second["size"].split()[0])
    assert width_after > width_before  # more stations: a longer row
    # the template model's figures (the editor also has, hidden, an uploaded model's)
    expect(page.locator('[data-stat="triangles"]').first).not_to_have_text("–")
    shoot(opened, artifacts, "editor")

    page.locator("#summary-fi").fill("Kuntoiluasemia puistoon.")
    page.locator("#site-latitude").fill("60.2034")
    page.locator("#site-longitude").fill("24.9633")
    page.locator("#publish").click()
    expect(page.locator("#confirm")).to_be_visible()
    shoot(opened, artifacts, "publish-confirm")
    page.locator("#confirm button[value=yes]").click()
    expect(page.locator("#idea-status")).to_have_attribute(
        "data-status", "published", timeout=120_000
    )
    clean(opened, admin_server)

    page.locator("#public-link").click()
    page.wait_for_url(re.compile(r"/i/ulkokuntosali-kumpulaan"))
    opened.wait_for_model()
    assert page.locator("h1").inner_text() == "Ulkokuntosali Kumpulaan"
    model = page.locator("model-viewer").get_attribute("src") or ""
    assert model.endswith(".glb")
    assert model.rsplit("/", 1)[1] == second["src"].rsplit("/", 1)[1]  # the model we shaped
    shoot(opened, artifacts, "published-public-page")


def test_a_dragged_slider_asks_for_few_models_and_shows_the_last(
    staff_page: Any, admin_server: Server
) -> None:
    """One change while idle is asked for at once; a burst (a drag) waits for its end, so the
    server builds its first and last model and few between, and the last one is shown."""
    opened = staff_page(Role.PLANNER, "/admin/templates/outdoor-gym?lang=en")
    page = opened.page
    first = preview_shown(opened, 0)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.evaluate(
        """async (name) => {
          const input = document.querySelector('#param-' + name);
          for (let value = 5; value <= 10; value++) {
            input.value = String(value);
            input.dispatchEvent(new Event('input', {bubbles: true}));
            await new Promise((resolve) => setTimeout(resolve, 15));
          }
        }""",
        SLIDER,
    )
    last = preview_shown(opened, first["seq"] + 5)  # the sixth change of the burst
    asked = [url for url in asked if "/model.glb?" in url]
    # Six changes, not six builds: the first at once, the last, and (when the page is slow
    # enough that the burst outlasts 400 ms) a max-wait one or two between.
    assert 1 <= len(asked) <= 4, asked
    assert f"{SLIDER}=10" in asked[-1]
    assert last["src"] != first["src"]
    assert float(last["size"].split()[0]) > float(first["size"].split()[0])  # 10 stations
    clean(opened, admin_server)


def test_invalid_values_are_explained_beside_the_field(staff_page: Any) -> None:
    opened = staff_page(Role.PLANNER, "/admin/templates/outdoor-gym?lang=en")
    first = preview_shown(opened, 0)
    opened.page.locator(f"#param-{SLIDER}").fill("99")
    message = opened.page.locator(f'[data-error-for="template.params.{SLIDER}"]')
    expect(message).to_contain_text("at most 10")
    expect(opened.page.locator(f"#param-{SLIDER}")).to_have_attribute("aria-invalid", "true")
    assert opened.page.locator("#preview").evaluate("(viewer) => viewer.src") == first["src"]


SCHEDULE_SCRIPT = """async ([changes, every, loadMs]) => {
  // preview.js's own LivePreview, as the page loaded it, on a detached viewer, with its load
  // replaced by one that records when it was asked and takes loadMs: when the preview asks
  // for a model is the subject here, not the model.
  const page = document.querySelector('script[src*="template-try"]').src;
  const { LivePreview } = await import(new URL('./preview.js', page));
  const preview = new LivePreview(document.createElement('div'), {});
  const asked = [];
  preview.load = async function (seq) {
    asked.push({ seq, at: performance.now() });
    this.loading = true;
    await new Promise((resolve) => setTimeout(resolve, loadMs));
    if (seq === this.seq) this.loading = false;
  };
  const start = performance.now();
  let soon = null;
  for (let n = 1; n <= changes; n++) {
    preview.update('ball-court', 1, { run_off: String(n) });
    if (n === 1) {
      // A timer set now for half the debounce fires after a request made at once, and
      // before one that waits the debounce: timers run in the order they are due.
      await new Promise((resolve) => setTimeout(resolve, 60));
      soon = asked.length;
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  const end = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 600));  // the last one's wait
  return {
    asked: asked.map((a) => ({ seq: a.seq, at: a.at - start })), span: end - start, soon,
  };
}"""


def test_one_change_is_asked_for_at_once_a_drag_waits_but_is_shown_along_the_way(
    staff_page: Any,
) -> None:
    """The preview's schedule (preview.js): a change while idle is asked for at once; changes
    that follow each other wait for the next (DEBOUNCE_MS, 120), but never more than
    MAX_WAIT_MS (400) since the last model asked for; the drag's last change is always asked
    for. Times are the page's own clock; what is asserted is the order of things, with bounds
    that a slow machine only loosens (a late timer asks for more models, never fewer)."""
    opened = staff_page(Role.PLANNER, "/admin/templates/ball-court?lang=en")
    one = opened.page.evaluate(SCHEDULE_SCRIPT, [1, 0, 50])
    assert [a["seq"] for a in one["asked"]] == [1]
    assert one["soon"] == 1  # asked for at once, not after a debounce

    drag = opened.page.evaluate(SCHEDULE_SCRIPT, [40, 30, 150])
    seqs = [a["seq"] for a in drag["asked"]]
    assert seqs[0] == 1  # the first change at once
    assert seqs[-1] == 40  # the last change always
    assert seqs == sorted(seqs)
    assert len(seqs) < 40  # changes in a row share a request
    # Along the way: the drag lasted at least 40 x 30 ms = 1.2 s, and a model is asked for at
    # most 400 ms (plus a timer's lateness) after the last one, so at least two more were
    # asked for before the drag ended. Waiting for the end alone would ask for one.
    inside = [a["at"] for a in drag["asked"] if a["at"] <= drag["span"]]
    assert len(inside) >= 3, (drag["span"], inside)


def test_the_form_reads_in_finnish_groups_and_options_included(staff_page: Any) -> None:
    """Section headings and choice options come from the template's labels (``groups``,
    ``option_labels``), in the page's language, in the order ``groups`` lists them."""
    opened = staff_page(Role.PLANNER, "/admin/templates/outdoor-gym?lang=fi")
    first = preview_shown(opened, 0)
    legends = opened.page.locator("#param-fields legend").all_inner_texts()
    assert legends == ["Sijoittelu", "Laitteet", "Alusta", "Lisäksi"]
    layout = opened.page.locator("#param-layout option").all_inner_texts()
    assert layout == ["Rivi", "Rengas"]
    surface = opened.page.locator("#param-surface option").all_inner_texts()
    assert "Nurmi" in surface  # a material's own label, in Finnish
    opened.page.locator("#param-layout").select_option("ring")
    ring = preview_shown(opened, first["seq"])  # the value sent is still the option's name
    assert ring["src"] != first["src"]


def test_the_compass_and_pasted_coordinates(staff_page: Any) -> None:
    opened = staff_page(Role.PLANNER, "/admin/ideas/kapylan-ulkokuntosali?lang=en")
    page = opened.page
    page.locator("#compass").focus()
    page.locator("#site-heading").fill("0")
    page.locator("#compass").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("PageUp")
    assert page.locator("#site-heading").input_value() == "17"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    assert page.locator("#site-heading").input_value() == "346"
    assert page.locator("#compass").get_attribute("aria-valuenow") == "346"
    page.locator("#site-latitude").evaluate(
        """(input) => {
          const data = new DataTransfer();
          data.setData('text', '60.19921, 24.94087');
          input.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
            cancelable: true}));
        }"""
    )
    assert page.locator("#site-latitude").input_value() == "60.19921"
    assert page.locator("#site-longitude").input_value() == "24.94087"


def test_a_missing_translation_is_flagged_as_it_is_typed(staff_page: Any) -> None:
    opened = staff_page(Role.PLANNER, "/admin/ideas/kapylan-ulkokuntosali?lang=en")
    field = opened.page.locator("#summary-sv")
    flag = field.locator("xpath=..").locator("[data-missing]")
    field.fill("")
    expect(flag).to_be_visible()
    field.fill("En sammanfattning")
    expect(flag).to_be_hidden()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.COMMS, "/admin/ideas/new"),
        (Role.COMMS, "/admin/ideas"),
        (Role.PLANNER, "/admin/users"),
    ],
)
def test_the_server_refuses_a_page_of_another_role(
    staff_page: Any, admin_server: Server, role: Role, path: str, artifacts: Path
) -> None:
    opened = staff_page(role, "/admin?lang=en")
    response = opened.page.goto(admin_server.url(f"{path}?lang=en"))
    assert response is not None
    assert response.status == 403
    expect(opened.page.locator("h1")).to_have_text("No access to this page")
    assert opened.page.locator("#new-idea, #users").count() == 0
    shoot(opened, artifacts, f"refused-{role.value}")


def test_an_ended_session_returns_to_the_same_page_after_logging_in(
    staff_page: Any, admin_server: Server
) -> None:
    opened = staff_page(Role.PLANNER, "/admin/ideas/kapylan-ulkokuntosali?lang=en")
    preview_shown(opened, 0)
    opened.context.clear_cookies()
    opened.page.locator("#save").click()  # the API answers 401: to the login, and back
    opened.page.wait_for_url(re.compile(r"/admin/login\?next="))
    expect(opened.page.locator(".notice")).to_be_visible()
    opened.page.locator("#email").fill(EMAIL[Role.PLANNER])
    opened.page.locator("#password").fill(STAFF_PASSWORD)
    opened.page.locator("form.login button[type=submit]").click()
    opened.page.wait_for_url(re.compile(r"/admin/ideas/kapylan-ulkokuntosali\?lang=en$"))


def test_an_admin_creates_a_user_changes_the_role_and_deactivates(
    staff_page: Any, admin_server: Server, artifacts: Path
) -> None:
    opened = staff_page(Role.ADMIN, "/admin/users?lang=en")
    page = opened.page
    page.locator("#new-email").fill("short@example.org")
    page.locator("#new-display_name").fill("Short Password")
    page.locator("#new-password").fill("short")
    page.locator("#new-user button[type=submit]").click()
    expect(page.locator("#error-new-password")).to_contain_text("12")
    page.locator("#new-email").fill("new.planner@example.org")
    page.locator("#new-display_name").fill("New Planner")
    page.locator("#new-password").fill("a long enough password")
    page.locator("#new-user button[type=submit]").click()
    row = page.locator('tr[data-email="new.planner@example.org"]')
    expect(row).to_be_visible()
    row.locator("[data-role]").select_option("comms")
    row.locator("[data-set-role]").click()
    expect(page.locator("#users-status")).to_have_text("The role was changed.")
    row.locator("[data-toggle]").click()
    page.locator("#confirm button[value=yes]").click()
    expect(row.locator("[data-state]")).to_have_text("Deactivated")
    clean(opened, admin_server, 422)
    shoot(opened, artifacts, "users")
    page.goto(admin_server.url("/admin/audit?lang=en&action=user.update"))
    expect(page.locator("tbody tr").first).to_contain_text("user.update")
    shoot(opened, artifacts, "audit")


STAFF_PAGES = [
    (None, "/admin/login?lang=fi"),
    (Role.PLANNER, "/admin?lang=sv"),
    (Role.PLANNER, "/admin/ideas?lang=fi"),
    (Role.PLANNER, "/admin/ideas/new?lang=sv"),
    (Role.PLANNER, "/admin/ideas/kapylan-ulkokuntosali?lang=fi"),
    (Role.PLANNER, "/admin/templates?lang=en"),
    (Role.PLANNER, "/admin/templates/playground?lang=sv"),
    (Role.ADMIN, "/admin/users?lang=fi"),
    (Role.ADMIN, "/admin/audit?lang=sv"),
    (Role.COMMS, "/admin?lang=en"),
    (Role.COMMS, "/admin/ideas?lang=fi"),
]


@pytest.mark.parametrize(("role", "path"), STAFF_PAGES)
def test_staff_pages_have_no_wcag_violation(
    staff_page: Any, admin_server: Server, artifacts: Path, role: Role | None, path: str
) -> None:
    opened = staff_page(role, path)
    if opened.page.locator("#preview").count():
        preview_shown(opened, 0)
    assert violations(opened) == []
    clean(opened, admin_server, 403)
    name = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].strip("/")) or "home"
    shoot(opened, artifacts, f"axe-{name}-{role.value if role else 'anonymous'}")


TABLET = {"viewport": {"width": 768, "height": 1024}, "has_touch": True, "is_mobile": True}
"""A tablet held upright (an iPad's CSS size), with touch."""
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const named = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '');
  const all = [...document.querySelectorAll('body *')];
  // Boxes that scroll sideways: only source listings may (a template's long lines).
  const sideways = all.filter((e) => !['PRE', 'TEXTAREA', 'INPUT', 'SELECT'].includes(e.tagName)
    && !e.closest('pre') && e.scrollWidth > e.clientWidth + 1
    && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX));
  return {page: document.documentElement.scrollWidth - width,
          sideways: sideways.slice(0, 5).map(named)};
}"""


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.PLANNER, "/admin/ideas?lang=fi"),
        (Role.PLANNER, "/admin/ideas/kapylan-ulkokuntosali?lang=fi"),
        (Role.PLANNER, "/admin/templates/ball-court?lang=sv"),
        (Role.COMMS, "/admin/campaigns?lang=fi"),
        (Role.COMMS, "/admin/codes?lang=sv"),
        (Role.COMMS, "/admin/campaigns/kevat-2024?lang=fi"),
        (Role.ADMIN, "/admin/users?lang=en"),
        (Role.ADMIN, "/admin/audit?lang=fi"),
    ],
)
def test_staff_pages_fit_a_tablet(
    staff_page: Any, admin_server: Server, artifacts: Path, role: Role, path: str
) -> None:
    """At 768 x 1024 with touch: nothing runs off the right edge (neither the page nor a table
    scrolls sideways; only a template's source listing may), the menu is on screen, and the
    preview shows its model. The users and audit pages come after this module's tests that
    add a user and change things, so their tables hold more than the first three accounts."""
    opened = staff_page(role, path, **TABLET)
    page = opened.page
    if page.locator("#preview").count():
        preview_shown(opened, 0)
    name = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].strip("/"))
    shoot(opened, artifacts, f"tablet-{name}")  # first: a failure below has its picture
    overflow = page.evaluate(OVERFLOW_SCRIPT)
    assert overflow == {"page": 0, "sideways": []}
    menu = page.locator("nav a").first
    expect(menu).to_be_visible()
    assert (menu.bounding_box() or {"x": -1})["x"] >= 0
    clean(opened, admin_server)
