"""Staff passwords as argon2id hashes (argon2-cffi).

    password_hash = hash_password("correct horse")
    check = verify_password(user.password_hash if user else None, attempt)
    if check.ok and check.new_hash:
        user.password_hash = check.new_hash       # the parameters were outdated: upgrade it

Design choices:

- argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, 3 passes, 64 MiB); when
  they change in a later release, :func:`verify_password` hands back a fresh hash at the next
  successful login (``new_hash``), so stored hashes follow without a migration.
- Asking about an unknown user (``password_hash=None``) still runs one full verification against
  a fixed hash, so a login's timing does not tell whether an account exists.
- A stored value that is not an argon2 hash is a failed check, never an exception: a corrupt row
  must not turn a login form into a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

DEFAULT_HASHER = PasswordHasher()


@dataclass(frozen=True)
class PasswordCheck:
    """The result of :func:`verify_password`.

    ``new_hash`` is set only when ``ok`` and the stored hash used outdated parameters: the caller
    stores it in place of the old one.
    """

    ok: bool
    new_hash: str | None = None


def hash_password(password: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    """An argon2id hash of ``password``, with its own random salt (``$argon2id$v=19$…``)."""
    return hasher.hash(password)


def verify_password(
    password_hash: str | None, password: str, *, hasher: PasswordHasher = DEFAULT_HASHER
) -> PasswordCheck:
    """Whether ``password`` matches ``password_hash``; None stands for an unknown user."""
    if password_hash is None:
        _verify_quietly(_dummy_hash(hasher), password, hasher)
        return PasswordCheck(ok=False)
    if not _verify_quietly(password_hash, password, hasher):
        return PasswordCheck(ok=False)
    if hasher.check_needs_rehash(password_hash):
        return PasswordCheck(ok=True, new_hash=hasher.hash(password))
    return PasswordCheck(ok=True)


def _verify_quietly(password_hash: str, password: str, hasher: PasswordHasher) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("arservice: no such user")
