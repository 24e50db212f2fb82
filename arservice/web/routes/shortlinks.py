"""The short links printed in QR codes: ``GET /q/{code}`` counts the scan and redirects.

    GET  /q/{code}   302 to the code's current target, ``Cache-Control: no-store``; the scan is
                     counted (code, UTC day, platform family) in memory, flushed later
    HEAD /q/{code}   the same answer, not counted

Codes are Crockford base32 read case-insensitively (``7k3m-9qx``, ``O`` for ``0``, ``I``/``L``
for ``1``: :func:`arservice.printables.normalize_code`). The lookup is one read-only query
(:func:`arservice.store.repositories.lookup_redirect`), kept in memory only while the database
has not changed (:mod:`arservice.services.scan_targets`), so retargeting a code takes effect on
the next scan, in every server process. The route is ``async``: a scan whose code is in memory
is answered on the event loop without a worker thread; a lookup runs in a worker thread.

A code that is malformed, unknown, deactivated, or whose idea is not published gets a friendly
page in the reader's language (``?lang=``, else Accept-Language), with the public pages'
security headers and no cookie, never the API's JSON. All of them answer 404, a deactivated code
too: comms may turn it on again, so 410's "gone for good" would be untrue, and a browser or a
link checker needs nothing more than "not here".

Why HEAD does not count: people's phones open a scanned link with GET; HEAD comes from link
checkers, previewers and monitors. Its answer is the GET answer without a body.

Why ``X-Robots-Tag: noindex``: a short link is a sign's address, not a page to index.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from arservice.errors import InputError
from arservice.i18n import N_, translate
from arservice.printables import normalize_code
from arservice.services.scan_targets import Miss
from arservice.services.scans import Unavailable, classify_platform, scan_target
from arservice.web.context import AppContext, app_context
from arservice.web.pages import Page

router = APIRouter(include_in_schema=False)

REDIRECT_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

TEXTS: dict[Unavailable, tuple[str, str]] = {
    Unavailable.MALFORMED: (
        N_("This is not a working code"),
        N_(
            "The address has no valid code. Check the address under the QR code on the sign: "
            "a code has only letters and digits."
        ),
    ),
    Unavailable.UNKNOWN: (
        N_("Code not found"),
        N_(
            "There is no code {code}. Check the address under the QR code on the sign, or look "
            "at all the winning ideas."
        ),
    ),
    Unavailable.INACTIVE: (
        N_("This code is no longer in use"),
        N_("The sign you scanned is no longer in use. All the winning ideas are on this site."),
    ),
    Unavailable.NOT_PUBLISHED: (
        N_("Not available right now"),
        N_(
            "The idea behind this code is not on show at the moment. Try again later, or look "
            "at all the winning ideas."
        ),
    ),
}


@router.api_route("/q/{code:path}", methods=["GET", "HEAD"], response_class=Response)
async def short_link(request: Request) -> Response:
    # The code and the context are read from the request, not declared as parameters: FastAPI's
    # dependency solving was a third of a cached scan's time (docs/benchmarks.md).
    code: str = request.path_params["code"]
    context = app_context(request.app)
    try:
        normalized = normalize_code(code)
    except InputError:
        return unavailable_page(request, context, Unavailable.MALFORMED, "")
    found = context.redirects.cached(normalized)
    if isinstance(found, Miss):  # read the database in a worker thread, not on the event loop
        found = await anyio.to_thread.run_sync(context.redirects.lookup, normalized)
    if found is None:
        return unavailable_page(request, context, Unavailable.UNKNOWN, normalized)
    if request.method == "GET":
        context.scans.record(found.code_id, classify_platform(request.headers.get("user-agent")))
    target = scan_target(found, context.settings.base_url)
    if isinstance(target, Unavailable):
        return unavailable_page(request, context, target, normalized)
    return RedirectResponse(target, status_code=302, headers=REDIRECT_HEADERS)


def unavailable_page(
    request: Request, context: AppContext, reason: Unavailable, code: str
) -> Response:
    """The friendly 404 page for ``reason``, in the request's language."""
    page = Page(request, context)
    title, text = (localized(page.lang, msgid, code=code) for msgid in TEXTS[reason])
    response = page.render("code_unavailable.html", 404, title=title, text=text, reason=reason)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def localized(lang: str, msgid: str, **values: str) -> Markup:
    """``msgid`` in ``lang`` for the page, inside ``<span lang="en">`` while the catalog has no
    translation (a screen reader then reads it as English), as the other pages do."""
    text = translate(lang, msgid, **values)
    if lang != "en" and text == translate("en", msgid, **values):
        return Markup('<span lang="en">{}</span>').format(text)
    return Markup("{}").format(text)
