"""The redirect cache on PostgreSQL, below the web layer: what a fill may store, and this
process's own writes (arservice/services/scan_targets.py).

Real server, real notifications; the tests wait for a notification by watching
``RedirectLookup.changes`` in a bounded poll, never by sleeping and hoping.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from arservice.services.scan_targets import MISS, RedirectLookup
from arservice.store import repositories as repo
from arservice.store.db import make_engine, session_factory
from arservice.store.models import Platform, QrCode

pytestmark = pytest.mark.postgresql_only("LISTEN/NOTIFY; SQLite's cache is in test_scans.py")

BEFORE, AFTER = "https://example.org/before", "https://example.org/after"
ATTEMPTS = 3000
"""Polls of 10 ms at most: far more than a notification needs, so only a broken listener
fails the test."""


def _until(done: Callable[[], bool]) -> None:
    for _ in range(ATTEMPTS):
        if done():
            return
        time.sleep(0.01)
    assert done()


def _new_code(engine: Engine) -> str:
    with session_factory(engine, write=True).begin() as session:
        return repo.create_qr_code(session, target_url=BEFORE).code


def _retarget(engine: Engine, code: str, url: str) -> None:
    with session_factory(engine, write=True).begin() as session:
        session.execute(update(QrCode).where(QrCode.code == code).values(target_url=url))


@pytest.fixture
def elsewhere(database_url: str) -> Iterator[Engine]:
    """Another engine on the same database: another process, as far as the lookup knows."""
    other = make_engine(database_url)
    yield other
    other.dispose()


def test_a_row_read_before_a_notification_is_not_stored_after_it(
    engine: Engine, elsewhere: Engine
) -> None:
    code = _new_code(engine)
    interfere = True

    @contextmanager
    def reading() -> Iterator[Session]:
        """The lookup's read, then (before the lookup stores the row) a retarget committed
        elsewhere whose notification has arrived."""
        with session_factory(engine).begin() as session:
            yield session
        if interfere:
            seen = lookup.changes
            _retarget(elsewhere, code, AFTER)
            _until(lambda: lookup.changes > seen)

    lookup = RedirectLookup(engine, reading)
    try:
        _until(lambda: lookup.caching)
        first = lookup.lookup(code)
        assert first is not None
        assert first.target_url == BEFORE, "read before the retarget"
        assert lookup.cached(code) is MISS, "not stored: a notification came after the read"
        interfere = False
        second = lookup.lookup(code)
        assert second is not None
        assert second.target_url == AFTER
        assert lookup.cached(code) == second, "stored when nothing changed meanwhile"
    finally:
        lookup.close()


def test_this_processs_own_write_is_forgotten_before_it_commits(engine: Engine) -> None:
    """No waiting here: the next scan after a commit in this process reads the new row."""
    code = _new_code(engine)
    lookup = RedirectLookup(engine, session_factory(engine).begin)
    try:
        _until(lambda: lookup.caching)
        assert lookup.lookup(code) is not None
        assert lookup.cached(code) is not MISS
        _retarget(engine, code, AFTER)
        assert lookup.cached(code) is MISS
        found = lookup.lookup(code)
        assert found is not None
        assert found.target_url == AFTER
    finally:
        lookup.close()


def test_counting_scans_keeps_the_cache(engine: Engine) -> None:
    """The scan counts' flush (every few seconds under load) writes ``scan_counts`` only: it
    changes no target, so it leaves the cached rows, and the changes counter, as they were."""
    code = _new_code(engine)
    lookup = RedirectLookup(engine, session_factory(engine).begin)
    try:
        _until(lambda: lookup.caching)
        found = lookup.lookup(code)
        assert found is not None
        changes = lookup.changes
        with session_factory(engine, write=True).begin() as session:
            repo.add_scan_counts(session, {(found.code_id, date(2026, 11, 24), Platform.IOS): 3})
        assert lookup.cached(code) == found
        assert lookup.changes == changes
    finally:
        lookup.close()


def test_a_lookup_that_is_dropped_unclosed_stops_its_thread(engine: Engine) -> None:
    """An app whose lifespan never ran (a test client) leaves no thread behind for long."""
    before = set(threading.enumerate())

    def started() -> tuple[threading.Thread, weakref.ref[RedirectLookup]]:
        lookup = RedirectLookup(engine, session_factory(engine).begin)
        _until(lambda: lookup.caching)
        [thread] = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        return thread, weakref.ref(lookup)

    thread, lookup = started()
    gc.collect()
    assert lookup() is None, "neither the thread nor the engine keeps the lookup"
    thread.join(timeout=30)
    assert not thread.is_alive()
