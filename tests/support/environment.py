"""The environment for a server or command a test starts: none of the developer's ARSERVICE_*
settings leak in, except the database the run is on (``ARSERVICE_DATABASE_URL``: set by the
PostgreSQL run, see tests/conftest.py), so a subprocess uses the same database as the test."""

from __future__ import annotations

import os

KEPT = frozenset({"ARSERVICE_DATABASE_URL"})


def server_environment(**settings: str) -> dict[str, str]:
    """``os.environ`` without ARSERVICE_* (but the run's database), plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSERVICE_") or k in KEPT}
    env.update(settings)
    return env


def leaking_settings() -> list[str]:
    """The ARSERVICE_* names of ``os.environ`` a test should unset (all but the database)."""
    return [name for name in os.environ if name.startswith("ARSERVICE_") and name not in KEPT]
