"""The idea page in a real browser: every demo idea loads and draws its model with no error and
no request to another origin; the languages; the keyboard; AR on Android (Scene Viewer gets our
absolute GLB URL) and its honest absence on a desktop; the poster before any script; phone-size
screenshots in each language."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image, ImageStat

from arservice.i18n import LANGUAGES, translate
from arservice.services.demo import load_demo_ideas
from arservice.web.page_texts import TEXTS
from tests.browser.conftest import TEXTURED, Opened, OpenPage, Server

DEMO = {entry.slug: entry for entry in load_demo_ideas()}
GYM = "kapylan-ulkokuntosali"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CATCH_INTENTS = """
window.__intents = [];
const click = HTMLAnchorElement.prototype.click;
HTMLAnchorElement.prototype.click = function () {
  if (this.href.startsWith('intent:')) { window.__intents.push(this.href); return; }
  return click.call(this);
};
"""
"""Android would hand an ``intent:`` link to Scene Viewer; here the link is kept instead."""
ACTIVE = """() => {
  const a = document.activeElement;
  const inner = a && a.shadowRoot && a.shadowRoot.activeElement;
  const cls = a.className || '';
  return {tag: a.tagName.toLowerCase(), cls: cls, inner: inner ? inner.className : ''};
}"""


def t(lang: str, key: str) -> str:
    return translate(lang, TEXTS[key])


def assert_clean(opened: Opened, server: Server) -> None:
    assert opened.watch.errors == []
    assert opened.violations() == []
    assert opened.watch.other_origins(server.origin) == []


def drawn_fraction(png: bytes) -> float:
    """The share of pixels that differ clearly from the most common colour (the background)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    return float((np.abs(pixels - background).sum(axis=1) > 30).mean())


@pytest.mark.parametrize("slug", sorted(DEMO))
def test_each_demo_idea_loads_and_draws_its_model(
    open_page: OpenPage, server: Server, slug: str
) -> None:
    opened = open_page(f"/i/{slug}?lang=en")
    opened.wait_for_model()
    opened.page.wait_for_timeout(300)  # a frame or two after the poster fades
    canvas = opened.page.locator("model-viewer canvas").screenshot()
    assert ImageStat.Stat(Image.open(io.BytesIO(canvas)).convert("L")).stddev[0] > 5
    assert drawn_fraction(canvas) > 0.02
    assert opened.page.locator("h1").inner_text() == DEMO[slug].title["en"]
    label = opened.page.evaluate(
        "() => document.querySelector('model-viewer').shadowRoot"
        ".querySelector('[role=region]').getAttribute('aria-label')"
    )
    assert label == t("en", "announcements")  # model-viewer's own English label, replaced
    assert_clean(opened, server)


def test_a_model_with_a_texture_loads_under_the_content_security_policy(
    open_page: OpenPage, server: Server
) -> None:
    """Its picture is decoded from a blob: URL: the reason img-src and connect-src allow blob:."""
    opened = open_page(f"/i/{TEXTURED}?lang=en")
    opened.wait_for_model()
    assert_clean(opened, server)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_switch_gives_each_language(open_page: OpenPage, lang: str) -> None:
    other = "en" if lang != "en" else "fi"
    opened = open_page(f"/i/{GYM}?lang={other}")
    opened.page.locator(f'nav a[hreflang="{lang}"]').click()
    opened.page.wait_for_url(f"**/i/{GYM}?lang={lang}")
    assert opened.page.locator("html").get_attribute("lang") == lang
    assert opened.page.locator("h1").inner_text() == DEMO[GYM].title[lang]
    assert t(lang, "onsite_title") in opened.page.locator("#onsite-title").inner_text()


@pytest.mark.parametrize(("locale", "lang"), [("fi-FI", "fi"), ("sv-FI", "sv"), ("en-GB", "en")])
def test_the_phones_language_is_used_when_none_is_asked(
    open_page: OpenPage, locale: str, lang: str
) -> None:
    opened = open_page(f"/i/{GYM}", locale=locale)
    assert opened.page.locator("html").get_attribute("lang") == lang
    assert opened.page.locator("h1").inner_text() == DEMO[GYM].title[lang]
    summary = DEMO[GYM].summary[lang]
    assert opened.page.locator(".summary").inner_text() == summary


def tab_to(opened: Opened, wanted: str, presses: int = 40) -> list[dict[str, str]]:
    """Press Tab until the focused element matches ``wanted`` (a JS test of ``a``, the active
    element); every element focused on the way."""
    seen = []
    for _ in range(presses):
        opened.page.keyboard.press("Tab")
        seen.append(opened.page.evaluate(ACTIVE))
        if opened.page.evaluate(f"() => {{ const a = document.activeElement; return {wanted}; }}"):
            return seen
    raise AssertionError(f"Tab never reached {wanted}: {seen}")


def test_the_keyboard_turns_the_model_and_meets_no_dead_ar_button(
    open_page: OpenPage, server: Server
) -> None:
    opened = open_page(f"/i/{GYM}?lang=en")
    opened.wait_for_model()
    note = opened.page.locator('[data-message="no-ar"]')
    note.wait_for(state="visible")  # a desktop cannot do AR: it says so in words
    assert t("en", "no_ar") in note.inner_text()
    assert not opened.page.locator("button.ar-button").is_visible()
    seen = tab_to(opened, "a.tagName === 'MODEL-VIEWER'")
    assert seen[-1]["inner"] == "userInput show"
    assert "keyboard-focus" in seen[-1]["cls"]  # our strong focus ring
    theta = "() => document.querySelector('model-viewer').getCameraOrbit().theta"
    before = opened.page.evaluate(theta)
    for _ in range(4):
        opened.page.keyboard.press("ArrowLeft")
    opened.page.wait_for_timeout(600)
    assert abs(opened.page.evaluate(theta) - before) > 0.1
    rest = tab_to(opened, "a === document.body || a.closest('footer') !== null")
    assert all("ar-button" not in element["cls"] for element in rest)  # never a dead button
    assert_clean(opened, server)


def test_on_android_the_keyboard_reaches_ar_and_scene_viewer_gets_our_glb(
    open_page: OpenPage, server: Server
) -> None:
    opened = open_page("", user_agent=ANDROID, locale="fi-FI", **PHONE)
    opened.context.add_init_script(CATCH_INTENTS)
    opened.page.goto(server.url(f"/i/{GYM}"))
    opened.wait_for_model()
    assert opened.page.locator('[data-message="no-ar"]').is_hidden()
    tab_to(opened, "a.classList.contains('ar-button')")
    opened.page.keyboard.press("Enter")
    opened.page.wait_for_function("() => window.__intents.length > 0")
    intent = opened.page.evaluate("() => window.__intents[0]")
    src = opened.page.locator("model-viewer").get_attribute("src")
    query = parse_qs(urlsplit(intent.split("#", 1)[0]).query)
    assert intent.startswith("intent://arvr.google.com/scene-viewer/1.2?")
    assert query["file"] == [src]
    assert src is not None
    assert src.startswith(f"{server.base_url}/a/")  # absolute, on our origin
    assert query["mode"] == ["ar_preferred"]
    assert query["resizable"] == ["false"]  # ar-scale="fixed": real size only
    fallback = re.search(r"S\.browser_fallback_url=([^;]+)", intent)
    assert fallback is not None
    assert unquote(fallback.group(1)).startswith(server.url(f"/i/{GYM}"))
    glb = httpx.get(src)
    assert glb.status_code == 200
    assert glb.headers["content-type"] == "model/gltf-binary"
    assert_clean(opened, server)


def test_the_poster_shows_before_any_script_runs(open_page: OpenPage) -> None:
    opened = open_page(f"/i/{GYM}?lang=sv", java_script_enabled=False)
    poster = opened.page.locator("model-viewer [slot=poster]")
    assert poster.is_visible()
    box = poster.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 200
    picture = "model-viewer [slot=poster] img, model-viewer [slot=poster] svg"
    assert opened.page.locator(picture).first.is_visible()
    assert not opened.page.locator("button.ar-button").is_visible()
    assert t("sv", "no_script") in opened.page.locator("noscript").first.inner_text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_phone_screenshots_in_each_language(
    open_page: OpenPage, server: Server, artifacts: Path, lang: str
) -> None:
    opened = open_page("", user_agent=ANDROID, **PHONE)
    opened.page.goto(server.url(f"/i/{GYM}?lang={lang}"))
    opened.wait_for_model()
    opened.page.locator("button.ar-button").wait_for(state="visible")
    opened.page.wait_for_timeout(500)
    path = artifacts / f"idea-{GYM}-{lang}.png"
    opened.page.screenshot(path=str(path))
    opened.page.screenshot(path=str(artifacts / f"idea-{GYM}-{lang}-full.png"), full_page=True)
    print(f"screenshot: {path}")
    assert path.stat().st_size > 10_000
    assert_clean(opened, server)
