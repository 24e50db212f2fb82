"""Staff accounts: users, passwords, API tokens; each change written to the audit log.

Used by the API (``/api/v1/users``, ``/api/v1/auth``) and the command line
(``arservice users create``) alike, so both follow the same rules:

- an email is one address (``name@host.tld``), stored lowercased, taken once;
- a password has at least :data:`MIN_PASSWORD_CHARS` characters (length is what makes a
  password strong; no composition rules);
- the last active admin cannot be demoted or deactivated (someone must be able to manage
  users).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arservice.errors import ConflictError, ErrorItem, InputError, NotFoundError
from arservice.i18n import N_
from arservice.store import repositories as repo
from arservice.store.models import ApiToken, Role, User
from arservice.store.passwords import hash_password, verify_password

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
"""Longer is refused: hashing megabytes of 'password' is a cheap way to load the server."""
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

MSG_EMAIL_INVALID = N_("is not an email address (name@example.org)")
MSG_EMAIL_TAKEN = N_("another user has the email {email}")
MSG_PASSWORD_SHORT = N_("must have at least {min} characters (it has {length})")
MSG_PASSWORD_LONG = N_("must have at most {max} characters")
MSG_NAME_EMPTY = N_("must not be empty")
MSG_NO_USER = N_("there is no user {user}")
MSG_NO_TOKEN = N_("you have no API token {token}")
MSG_LAST_ADMIN = N_(
    "{email} is the last active admin: make another user admin first, so someone can still "
    "manage users"
)


@dataclass(frozen=True)
class UserChanges:
    """What an admin changes about a user; None leaves a field as it is."""

    display_name: str | None = None
    role: Role | None = None
    active: bool | None = None
    password: str | None = None


def check_password(password: str, loc: str = "password") -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            [
                ErrorItem(
                    loc, MSG_PASSWORD_SHORT, {"min": MIN_PASSWORD_CHARS, "length": len(password)}
                )
            ]
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError([ErrorItem(loc, MSG_PASSWORD_LONG, {"max": MAX_PASSWORD_CHARS})])


def _check_name(display_name: str) -> str:
    name = display_name.strip()
    if not name:
        raise InputError([ErrorItem("display_name", MSG_NAME_EMPTY)])
    return name


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    actor_id: int | None,
) -> User:
    """A new active user; InputError for a bad email, name or password, ConflictError when the
    email is taken."""
    address = repo.normalize_email(email)
    problems = []
    if not EMAIL_RE.fullmatch(address):
        problems.append(ErrorItem("email", MSG_EMAIL_INVALID))
    if not display_name.strip():
        problems.append(ErrorItem("display_name", MSG_NAME_EMPTY))
    try:
        check_password(password)
    except InputError as error:
        problems.extend(error.items)
    if problems:
        raise InputError(problems)
    if repo.get_user_by_email(session, address) is not None:
        raise ConflictError([ErrorItem("email", MSG_EMAIL_TAKEN, {"email": address})])
    user = repo.create_user(
        session, email=address, display_name=display_name.strip(), role=role, password=password
    )
    repo.append_audit(
        session,
        "user.create",
        actor_id=actor_id,
        target_type="user",
        target_id=user.id,
        details={"email": address, "role": role.value},
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = repo.get_user(session, user_id)
    if user is None:
        raise NotFoundError([ErrorItem("", MSG_NO_USER, {"user": user_id})])
    return user


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    return session.scalar(query) or 0


def update_user(session: Session, user_id: int, changes: UserChanges, *, actor_id: int) -> User:
    """Apply ``changes``; the audit entry names the fields changed (never the password)."""
    user = get_user(session, user_id)
    stays_admin = (changes.role or user.role) is Role.ADMIN
    stays_active = user.active if changes.active is None else changes.active
    demoted = user.role is Role.ADMIN and user.active and not (stays_admin and stays_active)
    if demoted and _active_admins(session) <= 1:
        raise ConflictError([ErrorItem("role", MSG_LAST_ADMIN, {"email": user.email})])
    changed: dict[str, object] = {}
    if changes.display_name is not None and changes.display_name.strip() != user.display_name:
        user.display_name = _check_name(changes.display_name)
        changed["display_name"] = user.display_name
    if changes.role is not None and changes.role is not user.role:
        user.role = changes.role
        changed["role"] = changes.role.value
    if changes.active is not None and changes.active != user.active:
        user.active = changes.active
        changed["active"] = changes.active
    if changes.password is not None:
        check_password(changes.password)
        user.password_hash = hash_password(changes.password)
        changed["password"] = "changed"
    session.flush()
    if changed:
        repo.append_audit(
            session,
            "user.update",
            actor_id=actor_id,
            target_type="user",
            target_id=user.id,
            details=changed,
        )
    return user


def check_login(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (as slow for an unknown email as
    for a wrong password). Upgrades the stored hash when the hashing parameters have grown."""
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    user = repo.get_user_by_email(session, email)
    check = verify_password(user.password_hash if user else None, password)
    if user is None or not check.ok or not user.active:
        return None
    if check.new_hash is not None:
        user.password_hash = check.new_hash
        session.flush()
    return user


def create_token(session: Session, user: User, name: str) -> repo.IssuedToken:
    label = name.strip()
    if not label:
        raise InputError([ErrorItem("name", MSG_NAME_EMPTY)])
    issued = repo.create_api_token(session, user, label[:100])
    repo.append_audit(
        session,
        "token.create",
        actor_id=user.id,
        target_type="api_token",
        target_id=issued.token.id,
        details={"name": issued.token.name, "prefix": issued.token.prefix},
    )
    return issued


def revoke_token(session: Session, token_id: int, *, actor: User) -> ApiToken:
    """Revoke one of ``actor``'s tokens (an admin may revoke anyone's)."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and actor.role is not Role.ADMIN):
        raise NotFoundError([ErrorItem("", MSG_NO_TOKEN, {"token": token_id})])
    if token.revoked_at is None:
        repo.revoke_api_token(session, token)
        repo.append_audit(
            session,
            "token.revoke",
            actor_id=actor.id,
            target_type="api_token",
            target_id=token.id,
            details={"prefix": token.prefix},
        )
    return token
