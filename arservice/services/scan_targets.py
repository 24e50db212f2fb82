"""Where a code points, read fast enough that a scan costs little more than ``/healthz``.

A scan needs one row (:func:`arservice.store.repositories.lookup_redirect`). Through the ORM
that read costs about 0.35 ms of Python, most of a redirect's time: the first benchmark gave the
redirect 15 % of ``/healthz``'s throughput (docs/benchmarks.md). So each process keeps the rows
it has read, and forgets them all whenever *anything* was committed to the database by anyone.

How it knows, on SQLite: ``PRAGMA data_version`` on a connection of its own that never writes.
SQLite changes that number whenever another connection, in this process or any other, commits
to the database file (https://sqlite.org/pragma.html#pragma_data_version); reading it costs a
few microseconds. The version is read *before* a row is looked up, so a commit that lands
between the two makes the next scan see a new version and read again. Retargeting a code, on
any server process or from the CLI, therefore takes effect on the next scan, as it does without
a cache. The cache is emptied at every commit (the scan counts' flush commits every few seconds
under load), so it never holds stale rows for long and stays small; it is also capped.

On PostgreSQL there is no such cheap signal: every scan reads the row (no cache).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Final

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from arservice.store import repositories as repo

MAX_ENTRIES = 10_000
"""Codes kept at most; past it the cache starts again (unknown codes are cached too, so a
stream of made-up codes cannot grow it without bound)."""


class Miss:
    """Not in the cache (distinct from a cached "no such code", which is None)."""


MISS: Final = Miss()

Reading = Callable[[], AbstractContextManager[Session]]


class RedirectLookup:
    """Reads a code's redirect, from memory while the database has not changed."""

    def __init__(self, engine: Engine, reading: Reading, *, max_entries: int = MAX_ENTRIES):
        self._reading = reading
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._rows: dict[str, repo.Redirect | None] = {}
        self._version: Any = None
        self._watch: Any = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            pooled = engine.raw_connection()
            self._watch = pooled.driver_connection
            pooled.detach()  # ours alone, never back in the pool

    def cached(self, code: str) -> repo.Redirect | Miss | None:
        """The redirect of ``code`` (normalized) when it is known and nothing changed since;
        else :data:`MISS`. Cheap enough for the event loop (no transaction, no ORM)."""
        if self._watch is None:
            return MISS
        with self._lock:
            self._check_version()
            return self._rows.get(code, MISS)

    def lookup(self, code: str) -> repo.Redirect | None:
        """The redirect of ``code`` from the database (one read-only query), remembered."""
        with self._lock:
            version = self._check_version() if self._watch is not None else None
        with self._reading() as session:
            found = repo.lookup_redirect(session, code)
        if self._watch is not None:
            with self._lock:
                if version == self._version:  # nothing committed since the read began
                    if len(self._rows) >= self._max_entries:
                        self._rows.clear()
                    self._rows[code] = found
        return found

    def close(self) -> None:
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            self._rows.clear()

    def _check_version(self) -> Any:
        """Read ``data_version``; forget every row when it changed. Call with the lock held."""
        version = self._watch.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._rows.clear()
            self._version = version
        return version
