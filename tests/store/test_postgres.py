"""What only PostgreSQL has, beside test_db.py's SQLite-only tests: the engine's settings for a
server that can go away, concurrent migrations and startups, and writers that run side by side
where SQLite makes them take turns."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from arservice.services.templates import sync_builtin_templates
from arservice.store import repositories as repo
from arservice.store.builtin import builtin_template_paths
from arservice.store.db import lock_startup, make_engine, migrate, session_factory
from arservice.store.models import Platform, Role, TemplateVersion, User

pytestmark = pytest.mark.postgresql_only("PostgreSQL's own behaviour")


def _user(email: str) -> User:
    return User(email=email, display_name="Test", role=Role.PLANNER, password_hash="x")


def _at_once(count: int, work: Callable[[int], object]) -> list[object]:
    """``work(0..count-1)`` in threads released together; each result or raised exception."""
    start = threading.Barrier(count)

    def run(k: int) -> object:
        start.wait()
        try:
            return work(k)
        except Exception as failure:
            return failure

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_the_engine_pings_its_connections_and_gives_up_connecting(engine: Engine) -> None:
    assert engine.dialect.name == "postgresql"
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        assert raw.info.get_parameters()["connect_timeout"] == "10"
        assert connection.execute(text("SHOW server_encoding")).scalar() == "UTF8"


def test_a_url_may_set_its_own_connect_timeout(database_url: str) -> None:
    engine = make_engine(f"{database_url}?connect_timeout=3")
    try:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            assert raw.info.get_parameters()["connect_timeout"] == "3"
    finally:
        engine.dispose()


def test_migrations_started_at_once_run_once(empty_database_url: str) -> None:
    engines = [make_engine(empty_database_url) for _ in range(4)]
    try:
        results = _at_once(4, lambda k: migrate(engines[k]))
        assert results == [None] * 4, results
        with engines[0].connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert len(version.all()) == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_startups_that_take_the_lock_store_the_builtin_templates_once(engine: Engine) -> None:
    factory = session_factory(engine, write=True)

    def start(_k: int) -> list[tuple[str, int]]:
        with factory.begin() as session:
            lock_startup(session)
            return sync_builtin_templates(session)

    results = _at_once(4, start)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(len(r) for r in results if isinstance(r, list)) == [
        0,
        0,
        0,
        len(builtin_template_paths()),
    ]
    with factory() as session:
        stored = session.scalars(select(TemplateVersion.template_id)).all()
    assert sorted(stored) == sorted(builtin_template_paths())


def test_writers_of_different_rows_do_not_wait_for_each_other(engine: Engine) -> None:
    """SQLite's second writer waits for the first (test_db.py); here both hold open
    transactions that wrote, at the same time."""
    factory = session_factory(engine, write=True)
    with factory.begin() as first, factory.begin() as second:
        first.add(_user("first@example.org"))
        first.flush()
        second.add(_user("second@example.org"))
        second.flush()
    with factory() as session:
        emails = session.scalars(select(User.email).order_by(User.email)).all()
    assert emails == ["first@example.org", "second@example.org"]


def test_a_second_writer_of_the_same_key_waits_then_fails_cleanly(engine: Engine) -> None:
    factory = session_factory(engine, write=True)
    first = factory()
    first.begin()
    first.add(_user("same@example.org"))
    first.flush()
    outcome: list[object] = []

    def second() -> None:
        try:
            with factory.begin() as session:
                session.add(_user("same@example.org"))
        except IntegrityError as refused:
            outcome.append(refused)

    waiting = threading.Thread(target=second)
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive(), "it waits for the first writer's row lock"
    first.commit()
    first.close()
    waiting.join()
    assert len(outcome) == 1
    assert "unique" in str(outcome[0]).lower()


def test_scan_counts_added_from_many_transactions_at_once_add_up(engine: Engine) -> None:
    """The counter's upsert increments in the database: concurrent flushes never lose one."""
    factory = session_factory(engine, write=True)
    with factory.begin() as session:
        code = repo.create_qr_code(session, target_url="https://example.org/")
    key: repo.ScanKey = (code.id, date(2024, 5, 1), Platform.IOS)

    def flush(_k: int) -> None:
        with factory.begin() as session:
            repo.add_scan_counts(session, {key: 5})

    assert _at_once(8, flush) == [None] * 8
    with factory() as session:
        assert [row.count for row in repo.scan_counts(session, [code.id])] == [40]
