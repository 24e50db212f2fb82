"""The security headers of the public pages (``/``, ``/i/{slug}``, ``/embed/{slug}``).

Content-Security-Policy: ``default-src 'none'``, then only what the pages use (each source was
found necessary in headless Chromium; the browser tests fail on any CSP violation):

    script-src  'self' 'wasm-unsafe-eval'
                our viewer.js and model-viewer's bundle, as files: no inline script and no
                eval. model-viewer compiles WebAssembly (its built-in meshopt decoder) when it
                starts, which CSP counts as script unless 'wasm-unsafe-eval' (WebAssembly only,
                not JavaScript eval) is allowed.
    style-src   'self' 'sha256-…'
                our viewer.css, and the one <style> element model-viewer writes into its shadow
                root, by its hash (computed from the served bundle at start); a model-viewer
                whose style cannot be found falls back to 'unsafe-inline' (styles only).
    img-src     'self' <model origins> blob:
                the poster PNG and the icon; Safari before 17 (older iPhones) decodes a
                GLB's texture through an <img> of a blob: URL.
    connect-src 'self' <model origins> blob:
                the GLB (fetch); other browsers fetch a GLB's texture from its blob: URL
                (a browser test loads a textured model and fails without it).
    base-uri 'none'; form-action 'self'; object-src 'none'
    frame-ancestors 'none'
                an idea page and the gallery are never framed (X-Frame-Options: DENY too, for
                old browsers). The embed page says ``frame-ancestors 'self' <embed origins>``:
                the sites of the ``embed_origins`` setting (the city's Decidim) may frame it,
                and no other. Unset, only our own pages may: a site nobody named cannot dress
                our page up as its own or lay it under its own buttons, and the city learns
                that the setting exists the first time its Decidim page shows an empty frame,
                rather than never. ``https:`` (any site) would be the looser alternative.

Not allowed: workers. Draco and KTX2 decoders would run in blob: workers, but a model is an
uncompressed GLB by the model contract; their locations point at our origin all the same
(:mod:`arservice.web.static`), so a compressed model would fail here rather than fetch code
from a CDN.

``<model origins>``: the origins of ``base_url`` and ``public_artifact_base_url`` when set. The
model's URL is absolute (Scene Viewer is handed it), so it is named even when it is the page's
own origin under another name.

Every page also gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
strict-origin-when-cross-origin`` (a link to the PB project tells our site, not the page's
query), a ``Permissions-Policy`` that allows WebXR for ourselves only and turns off what the
pages never use, and ``Cross-Origin-Opener-Policy: same-origin`` (not on the embed page, which
lives in another site's window).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from arservice.settings import Settings

PERMISSIONS_POLICY = "xr-spatial-tracking=(self), camera=(), microphone=(), geolocation=()"


def origin(url: str | None) -> str | None:
    """``https://ar.example.org/path`` -> ``https://ar.example.org``."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def model_origins(settings: Settings) -> list[str]:
    """The origins the model and its poster are fetched from, besides the page's own."""
    found: list[str] = []
    for url in (settings.base_url, settings.public_artifact_base_url):
        named = origin(url)
        if named and named not in found:
            found.append(named)
    return found


def embed_ancestors(settings: Settings) -> str:
    """Who may frame ``/embed/``: ourselves and the configured origins (checked by
    :class:`~arservice.settings.Settings`: each an https origin, or http on localhost)."""
    return " ".join(["'self'", *settings.embed_origins])


def content_security_policy(
    settings: Settings, style_hashes: Sequence[str] | None, *, embed: bool = False
) -> str:
    models = " ".join(["'self'", *model_origins(settings)])
    styles = " ".join(style_hashes) if style_hashes is not None else "'unsafe-inline'"
    directives = {
        "default-src": "'none'",
        "script-src": "'self' 'wasm-unsafe-eval'",
        "style-src": f"'self' {styles}",
        "img-src": f"{models} blob:",
        "connect-src": f"{models} blob:",
        "base-uri": "'none'",
        "form-action": "'self'",
        "object-src": "'none'",
        "frame-ancestors": embed_ancestors(settings) if embed else "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def page_headers(
    settings: Settings, style_hashes: Sequence[str] | None, *, embed: bool = False
) -> dict[str, str]:
    """Every security header of a public page (the cache headers are the caller's)."""
    headers = {
        "Content-Security-Policy": content_security_policy(settings, style_hashes, embed=embed),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if not embed:
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return headers
