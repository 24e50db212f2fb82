"""The gallery's filters in a real browser: chosen with the keyboard alone, submitted without
JavaScript, the current filter and the stage and district of each card in view, no request to
another origin, and screenshots at phone size (``out/browser/gallery-*.png``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arservice.i18n import translate
from arservice.web.page_texts import TEXTS
from tests.browser.conftest import CAMPAIGN, CAMPAIGN_IDEAS, Opened, OpenPage, Server

GYM = "kapylan-ulkokuntosali"
PLAYGROUND = "karhupuiston-leikkipaikka"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def t(lang: str, key: str, **values: object) -> str:
    return translate(lang, TEXTS[key], **values)


def card_slugs(opened: Opened) -> list[str]:
    hrefs: list[str] = opened.page.eval_on_selector_all(
        ".cards a", "(links) => links.map((a) => new URL(a.href).pathname)"
    )
    return sorted(href.removeprefix("/i/") for href in hrefs)


def assert_clean(opened: Opened, server: Server) -> None:
    assert opened.watch.errors == []
    assert opened.violations() == []
    assert opened.watch.other_origins(server.origin) == []


@pytest.mark.parametrize("javascript", [True, False])
def test_the_keyboard_alone_filters_by_district(
    open_page: OpenPage, server: Server, javascript: bool
) -> None:
    opened = open_page("/?lang=sv", java_script_enabled=javascript)
    district = opened.page.locator("#filter-district")
    for _ in range(30):  # Tab through the page to the district filter
        opened.page.keyboard.press("Tab")
        if opened.page.evaluate("() => document.activeElement.id") == "filter-district":
            break
    else:
        raise AssertionError("Tab never reached the district filter")
    district.press("ArrowDown")  # the first district by name: Mellersta (keskinen)
    assert district.input_value() == "keskinen"
    opened.page.keyboard.press("Tab")  # past the kind filter, to the button
    opened.page.keyboard.press("Tab")
    assert opened.page.evaluate("() => document.activeElement.type") == "submit"
    with opened.page.expect_navigation():
        opened.page.keyboard.press("Enter")
    assert opened.page.url == server.url("/?campaign=&district=keskinen&kind=&lang=sv")
    assert card_slugs(opened) == sorted([GYM, PLAYGROUND])
    current = opened.page.locator(".current").inner_text()
    assert "Mellersta" in current
    assert opened.page.locator("html").get_attribute("lang") == "sv"
    if javascript:
        assert_clean(opened, server)
    assert opened.watch.other_origins(server.origin) == []


def test_the_campaign_filter_and_the_way_back(open_page: OpenPage, server: Server) -> None:
    opened = open_page("/?lang=en")
    opened.page.select_option("#filter-campaign", CAMPAIGN)
    opened.page.click("form.filter button")
    opened.page.wait_for_url(f"**/?campaign={CAMPAIGN}**")
    assert card_slugs(opened) == sorted(CAMPAIGN_IDEAS)
    assert "Spring 2024 signs" in opened.page.locator(".current").inner_text()
    opened.page.select_option("#filter-district", "etelainen")  # none of the campaign is there
    opened.page.click("form.filter button")
    opened.page.wait_for_url("**district=etelainen**")
    assert card_slugs(opened) == []
    assert t("en", "gallery_no_match") in opened.page.locator("main").inner_text()
    opened.page.click("a.clear")
    opened.page.wait_for_url(server.url("/?lang=en"))
    assert len(card_slugs(opened)) >= 4
    assert_clean(opened, server)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_gallery_screenshots_with_a_filter(
    open_page: OpenPage, server: Server, artifacts: Path, lang: str
) -> None:
    opened = open_page(f"/?campaign={CAMPAIGN}&district=keskinen&lang={lang}", **PHONE)
    opened.page.wait_for_load_state("load")
    assert card_slugs(opened) == [GYM]
    card = opened.page.locator(".card").first.inner_text()
    assert t(lang, "stage_building") in card
    assert {"fi": "Keskinen", "sv": "Mellersta", "en": "Central"}[lang] in card
    path = artifacts / f"gallery-filtered-{lang}.png"
    opened.page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    assert path.stat().st_size > 10_000
    assert_clean(opened, server)


def test_a_malformed_filter_is_a_page_that_says_so(open_page: OpenPage, server: Server) -> None:
    opened = open_page("/?district=%C3%96stra&lang=en")
    assert t("en", "filter_invalid") in opened.page.locator(".problem").inner_text()
    assert opened.page.locator("#filter-district").is_visible()
    assert opened.watch.errors == [  # the browser's own note of the page's 400, nothing else
        "console: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    assert opened.violations() == []
    assert opened.watch.other_origins(server.origin) == []
