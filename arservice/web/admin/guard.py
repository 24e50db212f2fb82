"""Who may open a staff page, decided on the server for every page.

    page = staff_page(request, context, Role.PLANNER)
    if not isinstance(page, AdminPage):
        return page                # a redirect to the login, or the 403 refusal page

- No login (none yet, expired, or ended by a password change or a deactivation): 303 to
  ``/admin/login?next=<this page>``. The return path is checked again when it is used
  (:func:`safe_next`): only a path of the staff UI on this site, so the login can never send
  anyone to another site (an open redirect).
- Logged in without the role: the refusal page, status 403, in the user's language; the
  scripts and buttons of the page are never sent. An admin may open every page.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from arservice.store.models import Role
from arservice.web.admin.page import AdminPage
from arservice.web.auth import authenticate
from arservice.web.context import AppContext

HOME = "/admin"
LOGIN = "/admin/login"
MAX_NEXT_CHARS = 1000


def safe_next(value: str | None) -> str:
    """``value`` when it is a path of the staff UI on this site, else ``/admin``.

    Refused: anything with a scheme or a host (``https://evil.example``, ``//evil.example``,
    ``/\\evil.example``, which browsers read as a host), control characters, the login page
    itself (a loop), and paths outside ``/admin``.
    """
    if not value or len(value) > MAX_NEXT_CHARS or "\\" in value:
        return HOME
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/"):
        return HOME
    if parts.path != HOME and not parts.path.startswith(HOME + "/"):
        return HOME
    if parts.path.rstrip("/") == LOGIN:
        return HOME
    return value


def login_redirect(request: Request) -> RedirectResponse:
    """To the login page, remembering this page (path and query) to come back to."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    root = request.scope.get("root_path", "")
    target = f"{root}{LOGIN}?{urlencode({'next': safe_next(here)})}"
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def staff_page(request: Request, context: AppContext, *roles: Role) -> AdminPage | Response:
    """The page for the logged-in staff member with one of ``roles`` (none: any staff), or the
    answer that refuses them: the login redirect or the 403 page."""
    principal = authenticate(request, context)
    if principal is None:
        return login_redirect(request)
    page = AdminPage(request, context, principal)
    if roles and not principal.has_role(*roles):
        names = " / ".join(sorted({Role.ADMIN.value, *(role.value for role in roles)}))
        return page.render("refused.html", status=403, roles=names)
    return page
