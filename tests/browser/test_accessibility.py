"""axe-core finds no WCAG 2.1 A or AA violation on the residents' pages, in each language, with
the model loaded (so model-viewer's shadow DOM and our slotted controls are checked too)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Route

from tests.browser.conftest import REPO, Opened, OpenPage, Server

AXE = REPO / "viewer" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
GYM = "kapylan-ulkokuntosali"
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  if (result.passes.length < 10) return [{id: 'axe checked too little', passes: result.passes}];
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + n.failureSummary),
  }));
}"""


@cache
def axe_source() -> str:
    return Path(AXE).read_text(encoding="utf-8")


def violations(opened: Opened) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, as a test tool: the page's CSP (no inline
    # script) still holds for everything the page itself runs.
    opened.page.evaluate(axe_source())
    found: list[dict[str, Any]] = opened.page.evaluate(RUN, TAGS)
    return found


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("path", [f"/i/{GYM}", f"/embed/{GYM}"])
def test_viewer_pages_have_no_wcag_violation(open_page: OpenPage, path: str, lang: str) -> None:
    opened = open_page(f"{path}?lang={lang}")
    opened.wait_for_model()
    opened.page.locator('[data-message="no-ar"]').wait_for(state="visible")
    assert violations(opened) == []


@pytest.mark.parametrize(
    "path",
    [
        "/?lang=fi",
        "/?lang=sv&kind=playground",
        "/?lang=en&campaign=kevat-2024&district=keskinen",  # a filter, and the cards' stages
        "/?lang=fi&district=lansi-pasila",  # no idea matches
        "/?lang=sv&district=%C3%96stra",  # a malformed filter: the 400 page
        "/i/no-such-idea",
    ],
)
def test_the_gallery_and_the_404_page_have_no_wcag_violation(
    open_page: OpenPage, path: str
) -> None:
    assert violations(open_page(path)) == []


def test_the_loading_and_failed_states_have_no_wcag_violation(
    open_page: OpenPage, server: Server
) -> None:
    """While the model loads (the poster, the progress bar) and when it cannot be loaded (the
    error message): the GLB request is held, then refused."""
    held: list[Route] = []
    opened = open_page("")
    opened.context.route("**/*.glb", lambda route: held.append(route))
    opened.page.goto(server.url(f"/i/{GYM}?lang=fi"))
    opened.page.wait_for_function("() => customElements.get('model-viewer') !== undefined")
    for _ in range(100):  # the route handler runs while Playwright waits
        if held:
            break
        opened.page.wait_for_timeout(100)
    assert held, "model-viewer did not ask for the model"
    assert opened.page.locator("model-viewer [slot=poster]").is_visible()
    assert violations(opened) == []
    held[0].abort()
    opened.page.locator('[data-message="load-failed"]').wait_for(state="visible")
    assert violations(opened) == []
