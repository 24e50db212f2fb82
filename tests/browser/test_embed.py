"""The embed page inside an iframe of another HTTPS site, as on a Decidim project page: it loads
and shows the model there, with no request to a third origin; the idea page itself refuses to be
framed. The other site is played by Playwright (its page is answered from the test)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Frame, Route

from tests.browser.conftest import OpenPage, Server

GYM = "kapylan-ulkokuntosali"
DECIDIM = "https://omastadi.example.org"


def decidim_page(server: Server, path: str) -> str:
    return f"""<!doctype html><html lang="fi"><head><title>Hanke</title></head><body>
<h1>Hanke 1101</h1>
<iframe id="ar" src="{server.url(path)}" title="3D" width="380" height="520"
  allow="xr-spatial-tracking; fullscreen"></iframe>
</body></html>"""


def open_in_decidim(open_page: OpenPage, server: Server, path: str) -> tuple[Frame, list[str]]:
    # Chromium blocks a public site's frame of a loopback server (Local Network Access) unless
    # allowed; a real Decidim page and a real arservice are both public.
    opened = open_page("", permissions=["local-network-access"])
    body = decidim_page(server, path)

    def answer(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    opened.context.route(f"{DECIDIM}/**", answer)
    opened.page.goto(f"{DECIDIM}/processes/osbu-2023/projects/1101")
    handle = opened.page.locator("#ar").element_handle()
    assert handle is not None
    content = handle.content_frame()
    assert content is not None
    return content, opened.watch.requests


def test_the_embed_page_shows_the_model_inside_another_sites_frame(
    open_page: OpenPage, server: Server
) -> None:
    frame, requests = open_in_decidim(open_page, server, f"/embed/{GYM}?lang=fi")
    frame.wait_for_function(
        "() => window.__arservice.loaded > 0 && document.querySelector('model-viewer')"
        ".modelIsVisible",
        timeout=60_000,
    )
    assert frame.locator("h1").inner_text() == "Käpylän ulkokuntosali"
    assert frame.evaluate("() => window.__arservice.violations") == []
    others = [url for url in requests if not url.startswith((f"{server.origin}/", DECIDIM))]
    assert others == []


@pytest.mark.parametrize("path", [f"/i/{GYM}", "/"])
def test_the_other_pages_refuse_to_be_framed(
    open_page: OpenPage, server: Server, path: str
) -> None:
    frame, _ = open_in_decidim(open_page, server, path)
    frame.page.wait_for_timeout(1000)
    assert not frame.url.startswith(server.origin)  # the browser's error page instead
    assert frame.evaluate("() => document.querySelector('main') === null")
