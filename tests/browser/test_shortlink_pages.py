"""The friendly page of ``/q/{code}`` in a real browser: no WCAG 2.1 A/AA violation (axe-core) in
Finnish, Swedish and English, no CSP violation, nothing from another origin, no cookie."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OpenPage, Server
from tests.browser.test_accessibility import violations


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("code", ["ZZZZZZZ", "not-a-code!"])
def test_the_code_unavailable_page_passes_axe(
    open_page: OpenPage, server: Server, code: str, lang: str
) -> None:
    opened = open_page(f"/q/{code}?lang={lang}")
    assert opened.page.locator("html").get_attribute("lang") == lang
    assert opened.page.locator("h1").inner_text()
    assert violations(opened) == []
    assert opened.violations() == [], "no CSP violation"
    assert opened.watch.other_origins(server.origin) == []
    assert opened.context.cookies() == []
    # the language switch keeps the reader on the same page
    other = "sv" if lang != "sv" else "en"
    opened.page.locator(f'nav.langs a[hreflang="{other}"]').click()
    opened.page.wait_for_load_state()
    assert opened.page.locator("html").get_attribute("lang") == other
