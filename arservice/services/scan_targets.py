"""Where a code points, read fast enough that a scan costs little more than ``/healthz``.

A scan needs one row (:func:`arservice.store.repositories.lookup_redirect`). Through the ORM
that read costs about 0.35 ms of Python, most of a redirect's time: the first benchmark gave the
redirect 15 % of ``/healthz``'s throughput (docs/benchmarks.md). So each process keeps the rows
it has read, and forgets them all whenever the database may have changed.

How it knows, on SQLite: ``PRAGMA data_version`` on a connection of its own that never writes.
SQLite changes that number whenever another connection, in this process or any other, commits
to the database file (https://sqlite.org/pragma.html#pragma_data_version); reading it costs a
few microseconds. The version is read *before* a row is looked up, so a commit that lands
between the two makes the next scan see a new version and read again. Retargeting a code, on
any server process or from the CLI, therefore takes effect on the next scan, as it does without
a cache. The cache is emptied at every commit (the scan counts' flush commits every few seconds
under load), so it never holds stale rows for long and stays small; it is also capped.

How it knows, on PostgreSQL: LISTEN/NOTIFY. Migration 0003 puts statement triggers on
``qr_codes`` and ``ideas`` that ``pg_notify('arservice_redirects', '')``; PostgreSQL sends the
notification when the writing transaction commits. A thread per process (:class:`_Listener`)
holds a connection of its own (autocommit, ``application_name=arservice-redirects``) that
LISTENs on the channel and empties the cache at every notification. Rules that keep it right:

- The cache is used only while that connection is up and listening. When it fails (server
  restart, ``pg_terminate_backend``, network), caching stops at once and every scan reads the
  database, until the thread has connected and LISTENed again; then the cache starts empty.
- Every emptying bumps a generation counter. A lookup takes the generation before it reads and
  stores its row only if the generation is unchanged afterwards, so a row read before a
  notification is never stored after it (the same idea as reading ``data_version`` first).

What remains, honestly: the notification travels from the server to each process after the
commit. A scan answered in that instant (well under a millisecond on one network; longer if the
listener thread is starved of CPU) may still get the old target from memory. Once the
notification has arrived, every later scan sees the new target. A connection that dies without
the socket noticing is found by TCP keepalives (about 20 s); until then notifications are lost,
like every other query on that network would be.
"""

from __future__ import annotations

import logging
import os
import re
import select
import threading
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Final

import psycopg
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

from arservice.store import repositories as repo

logger = logging.getLogger(__name__)

MAX_ENTRIES = 10_000
"""Codes kept at most; past it the cache starts again (unknown codes are cached too, so a
stream of made-up codes cannot grow it without bound)."""

CHANNEL = "arservice_redirects"
"""The channel migration 0003's triggers notify."""
APPLICATION_NAME = "arservice-redirects"
"""The listener's name in ``pg_stat_activity``."""
RETRY_SECONDS = (0.0, 0.5, 1.0, 2.0, 5.0)
"""Waits before each reconnection attempt in a row; the last repeats."""
LISTENER_OPTIONS: Final = {
    "autocommit": True,
    "application_name": APPLICATION_NAME,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
}


_WROTE = "arservice_redirects_wrote"
"""Key in a connection's ``info``: its transaction wrote something."""


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
        self._generation = 0
        self._listening = False
        self._listener: _Listener | None = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            pooled = engine.raw_connection()
            self._watch = pooled.driver_connection
            pooled.detach()  # ours alone, never back in the pool
        elif engine.dialect.name == "postgresql":
            self._listener = _Listener(engine, self)
            self._events = _own_write_events(weakref.ref(self))
            for name, handler in self._events:
                event.listen(engine, name, handler)
            self._finalizer = weakref.finalize(self, _abandon, self._listener, engine, self._events)

    @property
    def caching(self) -> bool:
        """Whether rows are kept now (on PostgreSQL: while the listener is listening)."""
        if self._listener is not None:
            self._listener.start_once()
            return self._listening
        return self._watch is not None

    @property
    def changes(self) -> int:
        """How many times the cache was emptied on PostgreSQL (a notification, this process's
        own write, the listener connecting or failing): for tests and monitoring."""
        return self._generation

    def cached(self, code: str) -> repo.Redirect | Miss | None:
        """The redirect of ``code`` (normalized) when it is known and nothing changed since;
        else :data:`MISS`. Cheap enough for the event loop (no transaction, no ORM)."""
        if self._listener is not None:
            self._listener.start_once()
            with self._lock:
                return self._rows.get(code, MISS) if self._listening else MISS
        if self._watch is None:
            return MISS
        with self._lock:
            self._check_version()
            return self._rows.get(code, MISS)

    def lookup(self, code: str) -> repo.Redirect | None:
        """The redirect of ``code`` from the database (one read-only query), remembered."""
        with self._lock:
            version = self._check_version() if self._watch is not None else None
            generation = self._generation
        with self._reading() as session:
            found = repo.lookup_redirect(session, code)
        with self._lock:
            if self._keeps(version, generation):  # nothing committed since the read began
                if len(self._rows) >= self._max_entries:
                    self._rows.clear()
                self._rows[code] = found
        return found

    def close(self) -> None:
        """Stop watching (the listener thread ends before this returns); scans then read."""
        if self._listener is not None:
            self._finalizer()  # stops the thread, removes the engine events; only once
            self._listener.stop()  # and waits for the thread
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            self._rows.clear()

    def _keeps(self, version: Any, generation: int) -> bool:
        """Whether a row read at ``version``/``generation`` may be stored. Lock held."""
        if self._watch is not None:
            return bool(version == self._version)
        return self._listening and generation == self._generation

    def _forget(self, *, listening: bool | None = None) -> None:
        """Empty the cache, bump the generation, and say whether caching is on from now
        (``None``: as it was)."""
        with self._lock:
            self._rows.clear()
            self._generation += 1
            if listening is not None:
                self._listening = listening

    def _check_version(self) -> Any:
        """Read ``data_version``; forget every row when it changed. Call with the lock held."""
        version = self._watch.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._rows.clear()
            self._version = version
        return version


Events = list[tuple[str, Callable[..., None]]]


_WRITES_TARGETS: Final = re.compile(
    r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?"
    r"(?:\w+\.)?\"?(?:qr_codes|ideas)\b",
    re.IGNORECASE,
)
"""A statement that may change where a code points: a write to the two tables migration 0003
watches (no foreign key cascades into them). The scan counts' flush, every few seconds under
load, writes ``scan_counts`` and leaves the cache as it is."""


def _own_write_events(lookup: weakref.ref[RedirectLookup]) -> Events:
    """Engine events that forget this process's own writes before they commit, so the next
    scan here reads them without waiting for their notification (a staff member who retargets
    a code and scans it at once sees the new target every time). They hold the lookup weakly:
    the engine must not keep an abandoned lookup (and its thread) alive."""
    key = f"{_WROTE}:{id(lookup)}"

    def note_write(connection: Connection, _cursor: Any, statement: str, *_rest: Any) -> None:
        if _WRITES_TARGETS.match(statement):
            connection.info[key] = True

    def before_commit(connection: Connection) -> None:
        if connection.info.pop(key, False) and (alive := lookup()) is not None:
            alive._forget()

    def after_rollback(connection: Connection) -> None:
        connection.info.pop(key, None)

    return [
        ("before_cursor_execute", note_write),
        ("commit", before_commit),
        ("rollback", after_rollback),
    ]


def _abandon(listener: _Listener, engine: Engine, events: Events) -> None:
    """What closing (or garbage-collecting) a lookup does on PostgreSQL, without waiting."""
    listener.stop_soon()
    for name, handler in events:
        if event.contains(engine, name, handler):
            event.remove(engine, name, handler)


class _Listener:
    """The thread that LISTENs for changes on PostgreSQL and empties its lookup's cache.

    Started by the first scan (an app that never redirects opens no extra connection) and
    stopped by :meth:`stop`, which wakes it through a pipe, so closing the app does not wait
    for a timeout. It holds its lookup weakly: a lookup dropped without ``close()`` (an app
    whose lifespan never ran) stops its thread when it is garbage collected.
    """

    def __init__(self, engine: Engine, lookup: RedirectLookup) -> None:
        args, params = engine.dialect.create_connect_args(engine.url)
        params.setdefault("connect_timeout", 5)
        self._connect_args = (args, {**params, **LISTENER_OPTIONS})
        self._lookup = weakref.ref(lookup)
        self._lock = threading.Lock()
        self._started = False
        self._stopping = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self._pipe_open = True
        self._thread = threading.Thread(target=self._run, name="redirect-listener", daemon=True)

    def start_once(self) -> None:
        if self._started:
            return
        with self._lock:
            if not self._started and not self._stopping.is_set():
                self._started = True
                self._thread.start()

    def stop_soon(self) -> None:
        """Ask the thread to end (from any thread, also a garbage collector's finalizer)."""
        with self._lock:
            self._stopping.set()
            if self._pipe_open:
                os.write(self._wake_write, b"x")
            if not self._started:
                self._close_pipe()

    def stop(self) -> None:
        """End the thread and wait for it (its connection is closed when this returns)."""
        self.stop_soon()
        if self._started and self._thread is not threading.current_thread():
            self._thread.join()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _close_pipe(self) -> None:
        """Close the wake-up pipe. Lock held."""
        if self._pipe_open:
            self._pipe_open = False
            os.close(self._wake_read)
            os.close(self._wake_write)

    def _forget(self, *, listening: bool) -> None:
        lookup = self._lookup()
        if lookup is None:
            self._stopping.set()
        else:
            lookup._forget(listening=listening)

    def _run(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                if wait and self._stopping.wait(wait):
                    break
                try:
                    self._listen()
                    failures = 0  # it was up: the next attempt is immediate
                except Exception as failure:  # psycopg.Error mostly; any failure means retry
                    if failures == 0 and not self._stopping.is_set():
                        logger.warning(
                            "short links are read from the database at every scan until the "
                            "notification connection is back: %s",
                            failure,
                        )
                    failures += 1
                finally:
                    self._forget(listening=False)
        finally:
            with self._lock:
                self._close_pipe()

    def _listen(self) -> None:
        """Connect, LISTEN, and empty the cache at every notification until stopped; raises
        when the connection fails."""
        args, params = self._connect_args
        with psycopg.connect(*args, **params) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._forget(listening=True)  # rows read before LISTEN are not kept
            logger.info("short links are cached; changes arrive on channel %s", CHANNEL)
            while not self._stopping.is_set():
                ready, _, _ = select.select([connection.fileno(), self._wake_read], [], [])
                if connection.fileno() in ready:
                    for _notification in connection.notifies(timeout=0):
                        self._forget(listening=True)
                    if connection.broken or connection.closed:
                        raise psycopg.OperationalError("the notification connection was lost")
