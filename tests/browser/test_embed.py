"""The embed page inside an iframe of another HTTPS site, as on a Decidim project page: it loads
and shows the model there, with no request to a third origin, and shows the idea's stage and
district; a site not named in ``embed_origins`` gets no page; the idea page and the gallery refuse
to be framed by anyone. The other sites are played by Playwright (their pages are answered from
the test)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Frame, Route

from tests.browser.conftest import DECIDIM, OpenPage, Server

GYM = "kapylan-ulkokuntosali"
STRANGER = "https://not-the-city.example.net"
"""An HTTPS site the city did not name in ``embed_origins``."""


def decidim_page(server: Server, path: str) -> str:
    return f"""<!doctype html><html lang="fi"><head><title>Hanke</title></head><body>
<h1>Hanke 1101</h1>
<iframe id="ar" src="{server.url(path)}" title="3D" width="380" height="520"
  allow="xr-spatial-tracking; fullscreen"></iframe>
</body></html>"""


def open_in_decidim(
    open_page: OpenPage, server: Server, path: str, site: str = DECIDIM
) -> tuple[Frame, list[str]]:
    # Chromium blocks a public site's frame of a loopback server (Local Network Access) unless
    # allowed; a real Decidim page and a real arservice are both public.
    opened = open_page("", permissions=["local-network-access"])
    body = decidim_page(server, path)

    def answer(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    opened.context.route(f"{site}/**", answer)
    opened.page.goto(f"{site}/processes/osbu-2023/projects/1101")
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
    assert frame.locator(".embed-facts").inner_text().endswith("Keskinen")  # "Rakenteilla · …"
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


def test_a_site_the_city_did_not_name_cannot_frame_the_embed_page(
    open_page: OpenPage, server: Server
) -> None:
    frame, _ = open_in_decidim(open_page, server, f"/embed/{GYM}?lang=fi", site=STRANGER)
    frame.page.wait_for_timeout(1000)
    assert not frame.url.startswith(server.origin)
    assert frame.evaluate("() => document.querySelector('model-viewer') === null")
