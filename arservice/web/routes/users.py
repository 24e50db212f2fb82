"""Users and the audit log, for admins (``/api/v1/users``, ``/api/v1/audit``).

GET   /api/v1/users                     every staff account
POST  /api/v1/users                     a new account
PATCH /api/v1/users/{id}                name, role, password (a reset), active
GET   /api/v1/users/{id}/tokens         that user's API tokens (never their secrets); an
                                        admin revokes one with DELETE /api/v1/auth/tokens/{id}
GET   /api/v1/audit                     the audit log
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from arservice.services import accounts
from arservice.store import repositories as repo
from arservice.store.models import AuditEntry, Role
from arservice.web.auth import AdminDep
from arservice.web.context import ContextDep
from arservice.web.errors import ERROR_RESPONSES, documented
from arservice.web.routes.auth import TokenList, TokenPublic, UserPublic

router = APIRouter(prefix="/api/v1", tags=["staff accounts"], responses=ERROR_RESPONSES)


class UserCreate(BaseModel):
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=200)
    role: Role
    password: str = Field(
        max_length=accounts.MAX_PASSWORD_CHARS,
        description=f"At least {accounts.MIN_PASSWORD_CHARS} characters.",
    )


class UserUpdate(BaseModel):
    """Fields left out stay as they are."""

    display_name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(default=None, max_length=accounts.MAX_PASSWORD_CHARS)


class UserList(BaseModel):
    users: list[UserPublic]


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditPublic:
        return cls(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            details=dict(entry.details),
        )


class AuditList(BaseModel):
    entries: list[AuditPublic]


@router.get("/users")
def list_users(principal: AdminDep, context: ContextDep) -> UserList:
    """Every staff account."""
    with context.reading() as session:
        return UserList(users=[UserPublic.of(user) for user in repo.list_users(session)])


@router.post("/users", status_code=201, responses={409: documented("The email is taken.")})
def create_user(body: UserCreate, principal: AdminDep, context: ContextDep) -> UserPublic:
    """A new staff account with a role."""
    with context.transaction() as session:
        user = accounts.create_user(
            session,
            email=body.email,
            display_name=body.display_name,
            role=body.role,
            password=body.password,
            actor_id=principal.user_id,
        )
        return UserPublic.of(user)


@router.patch(
    "/users/{user_id}",
    responses={404: documented("No such user."), 409: documented("The last admin.")},
)
def update_user(
    user_id: int, body: UserUpdate, principal: AdminDep, context: ContextDep
) -> UserPublic:
    """Change a user's name, role, password, or deactivate them (their sessions and tokens stop
    working at once)."""
    changes = accounts.UserChanges(**body.model_dump())
    with context.transaction() as session:
        user = accounts.update_user(session, user_id, changes, actor_id=principal.user_id)
        return UserPublic.of(user)


@router.get("/users/{user_id}/tokens", responses={404: documented("No such user.")})
def list_user_tokens(user_id: int, principal: AdminDep, context: ContextDep) -> TokenList:
    """A user's API tokens, revoked ones included, oldest first as for their owner; the
    secrets are never shown again. Lets an admin find a token to revoke for someone who left
    or lost one (``DELETE /api/v1/auth/tokens/{id}``)."""
    with context.reading() as session:
        user = accounts.get_user(session, user_id)
        tokens = repo.list_api_tokens(session, user.id)
        return TokenList(tokens=[TokenPublic.of(token) for token in tokens])


@router.get("/audit")
def list_audit(
    principal: AdminDep,
    context: ContextDep,
    action: str | None = Query(default=None, max_length=64),
    target_type: str | None = Query(default=None, max_length=32),
    target_id: str | None = Query(default=None, max_length=200),
    actor_id: int | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> AuditList:
    """Who changed what, when: newest first, filtered by any of the query fields."""
    with context.reading() as session:
        entries = repo.list_audit(
            session,
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            limit=limit,
            offset=offset,
        )
        return AuditList(entries=[AuditPublic.of(entry) for entry in entries])
