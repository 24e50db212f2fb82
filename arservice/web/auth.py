"""Who is asking: staff sessions (a signed cookie), API tokens, roles and CSRF.

Two ways in, both ending in a :class:`Principal`:

- **API token** (scripts): ``Authorization: Bearer ars_…``. A token is a bearer secret, so a
  request that carries one needs no CSRF token (a browser never adds the header by itself).
- **Session cookie** (people, after ``POST /api/v1/auth/login``): ``arservice_session``, signed
  with the secret key (itsdangerous), HttpOnly, SameSite=Lax, Secure when the site is HTTPS,
  valid :data:`SESSION_MAX_AGE`. It holds the user id, a CSRF token, and a fingerprint of the
  user's password hash, so changing a password ends every session made with the old one;
  deactivating a user ends them at the next request. A request that changes something
  (anything but GET, HEAD, OPTIONS) with a session must send the CSRF token in the
  ``X-CSRF-Token`` header (the login answer and ``/api/v1/auth/me`` give it), and when it has an
  ``Origin`` header, that origin must be the site's own.

Roles: ``admin`` may do everything; ``planner`` manages templates and ideas; ``comms`` manages
campaigns. Routes say who may call them with a dependency, and the authorization tests read the
same declaration::

    @router.post("/ideas")
    def create_idea(principal: PlannerDep, ...): ...

Public routes take no principal at all, or :data:`OptionalPrincipalDep` when a staff member sees
more (drafts) than the public does. Nothing here sets a cookie on a public answer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from arservice.errors import (
    CsrfError,
    ErrorItem,
    ForbiddenError,
    NotAuthenticatedError,
)
from arservice.i18n import N_
from arservice.store import repositories as repo
from arservice.store.models import Role, User
from arservice.web.context import AppContext, ContextDep

SESSION_COOKIE = "arservice_session"
SESSION_MAX_AGE = 12 * 60 * 60
"""A session lasts a working day (seconds); then the user logs in again."""
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

MSG_LOGIN_NEEDED = N_("log in, or send an API token as 'Authorization: Bearer <token>'")
MSG_BAD_AUTHORIZATION = N_("the Authorization header must be 'Bearer <token>'")
MSG_TOKEN_INVALID = N_("the API token is unknown, revoked, or its user is deactivated")
MSG_ROLE = N_("this needs the role {roles}; you are {role}")
MSG_CSRF_MISSING = N_(
    "a change made with a login session needs the X-CSRF-Token header: take the token from "
    "the login answer or from /api/v1/auth/me"
)
MSG_CSRF_WRONG = N_("the X-CSRF-Token header does not match this session: log in again")
MSG_CROSS_ORIGIN = N_(
    "a change made with a login session must come from this site (Origin {origin})"
)


@dataclass(frozen=True)
class Principal:
    """The staff member behind a request, and how they proved it."""

    user_id: int
    email: str
    display_name: str
    role: Role
    via: Literal["session", "token"]
    csrf_token: str | None = None

    def has_role(self, *roles: Role) -> bool:
        """True for an admin, or when the role is one of ``roles``."""
        return self.role is Role.ADMIN or self.role in roles


def principal_for(user: User, via: Literal["session", "token"], csrf: str | None) -> Principal:
    return Principal(user.id, user.email, user.display_name, user.role, via, csrf)


# --- sessions ----------------------------------------------------------------------------------


def _serializer(context: AppContext) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(context.secret_key.get_secret_value(), salt="arservice.session")


def password_fingerprint(context: AppContext, user: User) -> str:
    """A keyed digest of the password hash: a session is valid only with the password it was
    made with."""
    key = context.secret_key.get_secret_value().encode("utf-8")
    digest = hmac.new(key, user.password_hash.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def is_https(request: Request, context: AppContext) -> bool:
    """The site is reached over HTTPS: the request came so (uvicorn's proxy headers set the
    scheme behind a proxy), or the configured base URL says so."""
    return request.url.scheme == "https" or context.settings.base_url.startswith("https://")


def start_session(request: Request, response: Response, context: AppContext, user: User) -> str:
    """Set the session cookie for ``user`` on ``response``; the new session's CSRF token."""
    csrf = secrets.token_urlsafe(32)
    value = _serializer(context).dumps(
        {"u": user.id, "c": csrf, "p": password_fingerprint(context, user)}
    )
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, context),
    )
    return csrf


def end_session(request: Request, response: Response, context: AppContext) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, context),
    )


def _session_principal(request: Request, context: AppContext) -> Principal | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        data: Any = _serializer(context).loads(cookie, max_age=SESSION_MAX_AGE)
        user_id, csrf, fingerprint = int(data["u"]), str(data["c"]), str(data["p"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None  # expired, forged or from another secret key: not logged in
    with context.reading() as session:
        user = repo.get_user(session, user_id)
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(fingerprint, password_fingerprint(context, user)):
            return None
        return principal_for(user, "session", csrf)


def _token_principal(header: str, context: AppContext) -> Principal:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticatedError([ErrorItem("Authorization", MSG_BAD_AUTHORIZATION)])
    with context.reading() as session:
        token = repo.find_api_token(session, secret.strip())
        if token is None:
            raise NotAuthenticatedError([ErrorItem("Authorization", MSG_TOKEN_INVALID)])
        principal = principal_for(token.user, "token", None)
        stale = repo.token_use_is_stale(token)
    if stale:  # a write of its own, so reading a token never waits for the write lock
        with context.transaction() as session:
            repo.touch_api_token(session, token.id)
    return principal


def _check_csrf(request: Request, principal: Principal, context: AppContext) -> None:
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    check_origin(request, context)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        raise CsrfError([ErrorItem(CSRF_HEADER, MSG_CSRF_MISSING)])
    if principal.csrf_token is None or not hmac.compare_digest(sent, principal.csrf_token):
        raise CsrfError([ErrorItem(CSRF_HEADER, MSG_CSRF_WRONG)])


def check_origin(request: Request, context: AppContext) -> None:
    """Refuse a request whose ``Origin`` header names another site (browsers send it with
    every cross-site POST): CSRF against a session, and logging a victim into an account of
    the attacker's."""
    origin = request.headers.get("origin")
    if origin is not None and not _same_origin(origin, request, context):
        raise CsrfError([ErrorItem("Origin", MSG_CROSS_ORIGIN, {"origin": origin})])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _same_origin(origin: str, request: Request, context: AppContext) -> bool:
    own = {_origin(str(request.base_url)), _origin(context.settings.base_url)}
    return origin.lower().rstrip("/") in own


def authenticate(request: Request, context: AppContext) -> Principal | None:
    """The request's principal (CSRF checked for a session), or None when it has no login.

    A bad or unknown API token is an error (a script should hear that its token is wrong); a
    bad or expired cookie is simply no login.
    """
    header = request.headers.get("authorization")
    if header is not None:
        return _token_principal(header, context)
    principal = _session_principal(request, context)
    if principal is not None:
        _check_csrf(request, principal, context)
    return principal


# --- dependencies ------------------------------------------------------------------------------


def optional_principal(request: Request, context: ContextDep) -> Principal | None:
    """For routes public to everyone that show staff more (drafts)."""
    return authenticate(request, context)


def require_role(*roles: Role) -> Callable[..., Principal]:
    """A dependency that lets in staff with one of ``roles`` (an admin always); no roles: any
    staff member. The roles are kept on the function as ``.roles`` for the authorization
    tests."""

    def dependency(request: Request, context: ContextDep) -> Principal:
        principal = authenticate(request, context)
        if principal is None:
            raise NotAuthenticatedError([ErrorItem("", MSG_LOGIN_NEEDED)])
        if roles and not principal.has_role(*roles):
            names = " / ".join(sorted({Role.ADMIN.value, *(role.value for role in roles)}))
            raise ForbiddenError(
                [ErrorItem("", MSG_ROLE, {"roles": names, "role": principal.role})]
            )
        return principal

    dependency.roles = frozenset(roles)  # type: ignore[attr-defined]
    return dependency


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
StaffDep = Annotated[Principal, Depends(require_role())]
"""Any logged-in staff member."""
PlannerDep = Annotated[Principal, Depends(require_role(Role.PLANNER))]
CommsDep = Annotated[Principal, Depends(require_role(Role.COMMS))]
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
