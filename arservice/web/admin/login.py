"""Logging in and out of the staff UI: a plain HTML form, so it works before any script runs.

    GET  /admin/login?next=/admin/ideas   the form (already logged in: straight to ``next``)
    POST /admin/login                     email, password, next: sets the session cookie and
                                          goes to ``next`` (checked: a staff UI path only)
    POST /admin/logout                    removes the cookie, back to the login form

The login follows the API's rules exactly (``POST /api/v1/auth/login``): the same password
check, the same throttle of failed logins per account, the same refusal of a form posted from
another site (its ``Origin``), the same cookie. Errors are shown on the form in the page's
language; the password is never echoed back. Logging out needs no CSRF token: it can only end
a session, and a form from another site is refused by its ``Origin`` (and SameSite=Lax keeps the
cookie off such a post anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arservice.errors import CsrfError, ErrorItem, TooManyRequestsError
from arservice.services import accounts
from arservice.store import repositories as repo
from arservice.web.admin.guard import LOGIN, safe_next
from arservice.web.admin.page import AdminPage
from arservice.web.auth import authenticate, check_origin, end_session, start_session
from arservice.web.context import AppContext, ContextDep
from arservice.web.routes.auth import MSG_LOGIN_FAILED

router = APIRouter(include_in_schema=False)

MAX_EMAIL_CHARS = 254
FormText = Annotated[str, Form()]


def _form(
    page: AdminPage, next_path: str, *, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    notice = None
    if page.request.query_params.get("out") == "1":
        notice = page.t("logged_out")
    elif error is None and page.request.query_params.get("next"):
        notice = page.t("login_again")
    return page.render(
        "login.html", status=status, next_path=next_path, email=email, error=error, notice=notice
    )


@router.get("/admin/login", response_class=HTMLResponse)
def login_form(request: Request, context: ContextDep, next: str = "") -> Response:
    target = safe_next(next)
    if authenticate(request, context) is not None:
        return RedirectResponse(request.scope.get("root_path", "") + target, status_code=303)
    return _form(AdminPage(request, context), target)


@router.post("/admin/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    context: ContextDep,
    email: FormText = "",
    password: FormText = "",
    next: FormText = "",
) -> Response:
    page = AdminPage(request, context)
    target = safe_next(next)
    email = email.strip()[:MAX_EMAIL_CHARS]
    try:
        check_origin(request, context)
        context.login_throttle.check(repo.normalize_email(email))
    except (CsrfError, TooManyRequestsError) as error:
        status = 429 if isinstance(error, TooManyRequestsError) else 403
        return _form(page, target, email=email, error=_message(page, error.items), status=status)
    if not email or not password:
        return _form(page, target, email=email, error=page.t("login_missing"), status=422)
    return _log_in(page, context, email, password, target)


def _log_in(
    page: AdminPage, context: AppContext, email: str, password: str, target: str
) -> Response:
    normalized = repo.normalize_email(email)
    with context.transaction() as session:
        user = accounts.check_login(session, normalized, password[: accounts.MAX_PASSWORD_CHARS])
    if user is None:
        context.login_throttle.failed(normalized)
        return _form(page, target, email=email, error=page.t.raw(MSG_LOGIN_FAILED), status=401)
    context.login_throttle.succeeded(normalized)
    response = RedirectResponse(page.root + target, status_code=303)
    start_session(page.request, response, context, user)
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(page: AdminPage, items: Sequence[ErrorItem]) -> str:
    return " ".join(item.message(page.lang) for item in items)


@router.post("/admin/logout")
def logout(request: Request, context: ContextDep) -> Response:
    page = AdminPage(request, context)
    try:
        check_origin(request, context)
    except CsrfError as error:
        return _form(page, "/admin", error=_message(page, error.items), status=403)
    response = RedirectResponse(page.link(LOGIN, out="1"), status_code=303)
    end_session(request, response, context)
    response.headers["Cache-Control"] = "no-store"
    return response
