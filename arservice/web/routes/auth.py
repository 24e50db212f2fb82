"""Logging in and out, who am I, and API tokens (``/api/v1/auth``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from arservice.errors import ErrorItem, NotAuthenticatedError
from arservice.i18n import N_
from arservice.services import accounts
from arservice.store import repositories as repo
from arservice.store.models import ApiToken, Role, User
from arservice.web.auth import StaffDep, check_origin, end_session, start_session
from arservice.web.context import ContextDep
from arservice.web.errors import ERROR_RESPONSES, NO_STORE, documented

router = APIRouter(prefix="/api/v1/auth", tags=["staff accounts"], responses=ERROR_RESPONSES)

MSG_LOGIN_FAILED = N_("the email or the password is wrong, or the account is deactivated")


class LoginRequest(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=accounts.MAX_PASSWORD_CHARS)


class UserPublic(BaseModel):
    """A staff member as the API shows them."""

    id: int
    email: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            role=user.role,
            active=user.active,
            created_at=user.created_at,
        )


class Session(BaseModel):
    user: UserPublic
    csrf_token: str | None = Field(
        description="Send as the X-CSRF-Token header with every change made with this login "
        "session; null when the request used an API token (which needs none)."
    )


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the token is for.")


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The start of the secret, to tell tokens apart.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenPublic:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class IssuedToken(TokenPublic):
    secret: str = Field(description="Shown this once: send as 'Authorization: Bearer <secret>'.")


class TokenList(BaseModel):
    tokens: list[TokenPublic]


@router.post(
    "/login",
    responses={
        401: documented("Wrong email or password."),
        429: documented("Too many failed logins."),
    },
)
def login(body: LoginRequest, request: Request, response: Response, context: ContextDep) -> Session:
    """Log in with email and password: sets the session cookie, answers the CSRF token.

    Refused from a page of another site (its Origin header), so no site can log a visitor into
    an account of its own choosing."""
    check_origin(request, context)
    email = repo.normalize_email(body.email)
    context.login_throttle.check(email)
    with context.transaction() as session:
        user = accounts.check_login(session, email, body.password)
    if user is None:
        context.login_throttle.failed(email)
        raise NotAuthenticatedError([ErrorItem("", MSG_LOGIN_FAILED)])
    context.login_throttle.succeeded(email)
    csrf = start_session(request, response, context, user)
    response.headers.update(NO_STORE)
    return Session(user=UserPublic.of(user), csrf_token=csrf)


@router.post("/logout", status_code=204, response_class=Response)
def logout(principal: StaffDep, request: Request, context: ContextDep) -> Response:
    """End the login session (the cookie is removed)."""
    response = Response(status_code=204, headers=NO_STORE)
    end_session(request, response, context)
    return response


@router.get("/me")
def me(principal: StaffDep, response: Response, context: ContextDep) -> Session:
    """The logged-in user, and the session's CSRF token."""
    response.headers.update(NO_STORE)
    with context.reading() as session:
        user = accounts.get_user(session, principal.user_id)
    return Session(user=UserPublic.of(user), csrf_token=principal.csrf_token)


@router.get("/tokens")
def list_tokens(principal: StaffDep, context: ContextDep) -> TokenList:
    """Your API tokens (their secrets are never shown again)."""
    with context.reading() as session:
        tokens = repo.list_api_tokens(session, principal.user_id)
        return TokenList(tokens=[TokenPublic.of(token) for token in tokens])


@router.post("/tokens", status_code=201)
def create_token(
    body: TokenRequest, principal: StaffDep, response: Response, context: ContextDep
) -> IssuedToken:
    """A new API token for scripts, acting as you: the secret is in this answer only."""
    response.headers.update(NO_STORE)
    with context.transaction() as session:
        user = accounts.get_user(session, principal.user_id)
        issued = accounts.create_token(session, user, body.name)
        return IssuedToken(**TokenPublic.of(issued.token).model_dump(), secret=issued.secret)


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    responses={404: documented("No such token of yours.")},
)
def revoke_token(token_id: int, principal: StaffDep, context: ContextDep) -> Response:
    """Revoke an API token of yours (an admin: anyone's); it stops working at once."""
    with context.transaction() as session:
        actor = accounts.get_user(session, principal.user_id)
        accounts.revoke_token(session, token_id, actor=actor)
    return Response(status_code=204)
