"""One JSON shape for every error the service answers, in the request's language::

    {"error": {"code": "parameters_invalid",
               "message": "the parameter values are not valid",
               "items": [{"loc": "stations", "message": "must be at most 10 (got '12')"}]}}

``code`` is for programs, ``message`` for people, ``items`` names each failing field (``loc``
as in ``parts[3].size[0]``, or ``""`` for the request as a whole; ``line`` too when the problem
is on a line of a text the request sent, an uploaded template). A single problem that has no
place is told in ``message`` alone, with no items.

    what went wrong                                 status  code
    ArServiceError: TemplateError, ParameterError,  422     its ``code`` (template_invalid, …)
      BuildError, AssetError, ExpressionError
    NotFoundError (an unknown template, artifact,   404     not_found
      a draft asked for publicly)
    NotAuthenticatedError (no login, no token)      401     not_authenticated
    ForbiddenError (the role may not; CSRF)         403     forbidden, csrf_failed
    ConflictError (a taken slug or email)           409     conflict
    a body past the upload limit (web/limits.py)   413     payload_too_large
    TooManyRequestsError (login attempts)           429     too_many_requests (Retry-After)
    InputError (a field of a request)               422     input_invalid
    NotReadyError (a readiness check fails)         503     not_ready
    the database cannot be reached or answer (its   503     not_ready (Retry-After)
      server is down, a connection was cut)
    BlobStoreError (the blob store is down, slow    503     storage_unavailable (Retry-After)
      or full)
    SourceError (an import's platform failed)       502     pb_source_failed
    RangeNotSatisfiableError (Range past the end)   416     range_not_satisfiable
    no route for the path                           404     not_found
    the route takes other methods                   405     method_not_allowed (with Allow)
    the request fails FastAPI's validation          422     request_invalid
    any other HTTP status Starlette raises          same    http_error
    anything unexpected                             500     internal_error

Error responses carry ``Cache-Control: no-store``. An unexpected exception is logged with its
traceback and a short reference; the body says only that something went wrong, with that
reference — never the exception's text or a stack trace.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arservice.errors import (
    ArServiceError,
    AssetError,
    BuildError,
    ConflictError,
    CsrfError,
    ErrorItem,
    ExpressionError,
    ForbiddenError,
    InputError,
    NotAuthenticatedError,
    NotFoundError,
    ParameterError,
    TemplateError,
    TooManyRequestsError,
)
from arservice.i18n import DEFAULT_LANGUAGE, N_, translate
from arservice.pb.errors import SourceError
from arservice.store.blobs import BlobStoreError
from arservice.web.language import request_language

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
"""Errors are never cached (a missing artifact may exist a moment later)."""
DATABASE_RETRY_AFTER_SECONDS = 5
"""What a 503 for an unreachable database tells clients to wait before trying again."""
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
"""SQLAlchemy's wrappers of the driver's "cannot reach / lost the database" errors (also
SQLite's lock that waited past its busy timeout): the request may succeed later, unchanged."""

MSG_TEMPLATE_INVALID = N_("the template is not valid")
MSG_PARAMETERS_INVALID = N_("the parameter values are not valid")
MSG_BUILD_FAILED = N_("the model cannot be built with these values")
MSG_ASSET_INVALID = N_("an uploaded model is refused")
MSG_EXPRESSION_INVALID = N_("an expression is not valid")
MSG_REQUEST_INVALID = N_("the request is not valid")
MSG_ERROR = N_("the request cannot be carried out")
MSG_SOURCE_FAILED = N_("the participatory-budgeting platform did not give what was asked")
MSG_NOT_READY = N_("the service is not ready: a service it needs cannot be reached")
MSG_NOT_FOUND = N_("there is nothing at this address")
MSG_METHOD_NOT_ALLOWED = N_("this address does not take {method}; it takes {allowed}")
MSG_HTTP_ERROR = N_("the request cannot be answered (HTTP status {status})")
MSG_INTERNAL = N_("something went wrong on our side; it has been logged as {reference}")
MSG_RANGE = N_("the range asked for starts past the end of the file ({size} bytes)")
MSG_NOT_AUTHENTICATED = N_("this needs a staff login or an API token")
MSG_FORBIDDEN = N_("your role may not do this")
MSG_CSRF = N_("a change made with a login session must prove it comes from this site")
MSG_CONFLICT = N_("this clashes with something that exists")
MSG_TOO_LARGE = N_(
    "the request body is larger than the upload limit of {limit}; send a smaller file"
)
MSG_REQUIRED = N_("is required")
MSG_NOT_JSON = N_("is not valid JSON")
MSG_INVALID_VALUE = N_("is not valid: {detail}")


class RangeNotSatisfiableError(ArServiceError):
    """A byte range starts past the end of the file (code: range_not_satisfiable)."""

    code = "range_not_satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__([ErrorItem("", MSG_RANGE, {"size": size})])
        self.headers = {"Content-Range": f"bytes */{size}"}


class BodyTooLargeException(HTTPException):
    """Raised while a request body is read, when it passes the upload limit (413).

    An HTTPException, not an ArServiceError: FastAPI turns any other exception raised while it
    reads a body into a bare 400, and lets only HTTPException through.
    """

    def __init__(self, limit_text: str) -> None:
        super().__init__(413)
        self.limit_text = limit_text


class NotReadyError(ArServiceError):
    """Something the service needs is unreachable (code: not_ready)."""

    code = "not_ready"


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

STATUS_BY_ERROR: tuple[tuple[type[ArServiceError], int, str], ...] = (
    (NotFoundError, 404, MSG_NOT_FOUND),
    (NotAuthenticatedError, 401, MSG_NOT_AUTHENTICATED),
    (CsrfError, 403, MSG_CSRF),
    (ForbiddenError, 403, MSG_FORBIDDEN),
    (ConflictError, 409, MSG_CONFLICT),
    (TooManyRequestsError, 429, MSG_ERROR),
    (InputError, 422, MSG_REQUEST_INVALID),
    (NotReadyError, 503, MSG_NOT_READY),
    (SourceError, 502, MSG_SOURCE_FAILED),
    (BlobStoreError, 503, MSG_NOT_READY),
    (RangeNotSatisfiableError, 416, MSG_ERROR),
    (TemplateError, 422, MSG_TEMPLATE_INVALID),
    (ParameterError, 422, MSG_PARAMETERS_INVALID),
    (BuildError, 422, MSG_BUILD_FAILED),
    (AssetError, 422, MSG_ASSET_INVALID),
    (ExpressionError, 422, MSG_EXPRESSION_INVALID),
)
"""Each kind of ArServiceError: its status and the summary ``message`` above its items (a
single item without a place is the message itself); the first match wins, anything else is
400."""


class ErrorItemBody(BaseModel):
    loc: str = Field(description="The failing field, as parts[3].size[0]; empty: the request.")
    message: str
    line: int | None = Field(
        default=None,
        description="Only for a problem in an uploaded template: the line of its text (from 1).",
    )


class ErrorBody(BaseModel):
    code: str = Field(description="For programs: not_found, parameters_invalid, …")
    message: str = Field(description="For people, in the request's language.")
    items: list[ErrorItemBody]


class ErrorResponse(BaseModel):
    """The one error shape, as the OpenAPI document shows it."""

    error: ErrorBody


def documented(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry for an error status of a route."""
    return {"model": ErrorResponse, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": documented("The request cannot be carried out; the error says why."),
    "5XX": documented("The service failed or is not ready; the error says no more."),
}
"""Every router documents its errors with these (and its own statuses beside them)."""


def error_response(
    status: int,
    code: str,
    message: str,
    items: Iterable[tuple[str, str] | tuple[str, str, int | None]] = (),
    *,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The one error shape; ``items`` are (loc, message) pairs, or (loc, message, line) when a
    problem is on a line of a text the request sent (``line`` left out when None)."""
    body = {"error": {"code": code, "message": message, "items": [_item(*i) for i in items]}}
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def _item(loc: str, text: str, line: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"loc": loc, "message": text}
    if line is not None:
        item["line"] = line
    return item


def _language(connection: HTTPConnection) -> str:
    context = getattr(connection.app.state, "context", None)
    default = getattr(getattr(context, "settings", None), "default_language", DEFAULT_LANGUAGE)
    return request_language(connection, str(default))


async def arservice_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ArServiceError)
    lang = _language(request)
    status, summary = next(
        ((status, summary) for kind, status, summary in STATUS_BY_ERROR if isinstance(exc, kind)),
        (400, MSG_ERROR),
    )
    headers = getattr(exc, "headers", None)
    if len(exc.items) == 1 and not exc.items[0].loc:
        return error_response(status, exc.code, exc.items[0].message(lang), headers=headers)
    items = [(item.loc, item.message(lang), item.line) for item in exc.items]
    return error_response(status, exc.code, translate(lang, summary), items, headers=headers)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    lang = _language(request)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        return error_response(404, "not_found", translate(lang, MSG_NOT_FOUND), headers=headers)
    if isinstance(exc, BodyTooLargeException):
        message = translate(lang, MSG_TOO_LARGE, limit=exc.limit_text)
        return error_response(413, "payload_too_large", message, headers=headers)
    if exc.status_code == 405:
        allowed = _allowed_methods(request) or headers.get("Allow", "")
        headers["Allow"] = allowed
        message = translate(lang, MSG_METHOD_NOT_ALLOWED, method=request.method, allowed=allowed)
        return error_response(405, "method_not_allowed", message, headers=headers)
    message = translate(lang, MSG_HTTP_ERROR, status=exc.status_code)
    return error_response(exc.status_code, "http_error", message, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (Starlette names only the first route's):
    each method is tried against the routes, in a clean scope of its own."""
    allowed = []
    for method in HTTP_METHODS:
        scope = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
        }
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = _language(request)
    items = [(format_loc(error["loc"]), _validation_message(error, lang)) for error in exc.errors()]
    return error_response(422, "request_invalid", translate(lang, MSG_REQUEST_INVALID), items)


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503, not 500: nothing is wrong with the request and the transaction was rolled back; the
    pool replaces dead connections (``pool_pre_ping``), so the same request works once the
    database is back. Logged without the SQL or its values, which may hold personal data."""
    original = getattr(exc, "orig", None) or exc
    logger.warning(
        "database unavailable in %s %s: %s: %s",
        request.method,
        request.url.path,
        type(original).__name__,
        str(original).strip().splitlines()[0] if str(original).strip() else "",
    )
    message = translate(_language(request), MSG_NOT_READY)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    return error_response(503, "not_ready", message, headers=headers)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The last resort (Starlette's ServerErrorMiddleware): the same answer as
    :class:`InternalErrorMiddleware` gives."""
    return _internal_error(request, exc)


def _internal_error(connection: HTTPConnection, exc: BaseException) -> JSONResponse:
    reference = secrets.token_hex(6)
    method = connection.scope.get("method", "")
    logger.error(
        "unexpected error %s in %s %s", reference, method, connection.url.path, exc_info=exc
    )
    message = translate(_language(connection), MSG_INTERNAL, reference=reference)
    return error_response(500, "internal_error", message)


class InternalErrorMiddleware:
    """Answers an unexpected exception with the error shape (500) and logs it, instead of
    letting it reach the server; re-raises only when a response has already begun."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_and_watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        except Exception as exc:
            if started:
                raise
            response = _internal_error(HTTPConnection(scope), exc)
            await response(scope, receive, send)


def format_loc(loc: Sequence[Any]) -> str:
    """``("body", "parts", 3, "size", 0)`` -> ``parts[3].size[0]``: the place in what was sent
    (``body``, ``query``, ``path``, ``header`` or ``cookie`` is left out)."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _validation_message(error: dict[str, Any], lang: str) -> str:
    kind = error.get("type")
    if kind == "missing":
        return translate(lang, MSG_REQUIRED)
    if kind == "json_invalid":
        return translate(lang, MSG_NOT_JSON)
    return translate(lang, MSG_INVALID_VALUE, detail=str(error.get("msg", "")))


def install_error_handlers(app: FastAPI) -> None:
    """Make every error ``app`` answers take the one shape."""
    app.add_exception_handler(ArServiceError, arservice_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, database_unavailable)
    app.add_exception_handler(Exception, unexpected_error)
    app.add_middleware(InternalErrorMiddleware)
