"""The engine, sessions and migrations, on the database the suite runs on (SQLite, or PostgreSQL
with ``--database=postgresql``); what only SQLite has (WAL, PRAGMAs, its one writer lock) is
marked ``sqlite_only`` and its PostgreSQL counterpart is in test_postgres.py."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import OperationalError

from arservice.store import db
from arservice.store.db import alembic_config, make_engine, migrate, ping, session_factory
from arservice.store.models import Base, Role, User

SQLITE_ONLY = "SQLite's own settings and locking"


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _user(email: str) -> User:
    return User(email=email, display_name="Test", role=Role.PLANNER, password_hash="x")


@pytest.mark.sqlite_only(SQLITE_ONLY)
def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


@pytest.mark.sqlite_only("a SQLite database is a file")
def test_migrate_creates_the_database_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "arservice.db"
    engine = make_engine(_url(path))
    try:
        migrate(engine)
        ping(engine)
    finally:
        engine.dispose()
    assert path.is_file()


def test_migrate_is_idempotent_and_keeps_data(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        session.add(_user("a@example.org"))
    migrate(engine)
    migrate(engine)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    with session_factory(engine)() as session:
        assert session.scalars(select(User.email)).all() == ["a@example.org"]


FAILING_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
    raise RuntimeError("this revision fails")
"""


def test_a_failed_upgrade_leaves_nothing_and_foreign_keys_on(
    tmp_path: Path, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    (migrations / "versions" / "v0999_fails.py").write_text(
        FAILING_REVISION.replace("{head}", str(head))
    )
    monkeypatch.setattr(db, "MIGRATIONS_DIR", migrations)
    engine = make_engine(empty_database_url, busy_timeout_ms=50)
    try:
        with pytest.raises(RuntimeError, match="this revision fails"):
            migrate(engine)
        assert inspect(engine).get_table_names() == []  # not even the first revision's tables
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrating_an_empty_database_gives_the_models_schema(empty_database_url: str) -> None:
    """Both revisions run for real, from nothing, on the database the suite runs on."""
    engine = make_engine(empty_database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_migration_makes_the_models_check_constraints(
    engine: Engine, empty_database_url: str
) -> None:
    """compare_metadata does not look at CHECK constraints: compare them with create_all's."""
    reference = make_engine(empty_database_url)
    try:
        Base.metadata.create_all(reference)
        expected, actual = inspect(reference), inspect(engine)
        for table in Base.metadata.tables:
            want = sorted(str(c["name"]) for c in expected.get_check_constraints(table))
            assert sorted(str(c["name"]) for c in actual.get_check_constraints(table)) == want
    finally:
        reference.dispose()


def test_the_migration_renders_for_postgresql() -> None:
    """No PostgreSQL server here: render the upgrade as SQL (offline) and look at it."""
    output = io.StringIO()
    config = alembic_config("postgresql://arservice@localhost/arservice")
    config.output_buffer = output
    command.upgrade(config, "head", sql=True)
    sql = output.getvalue()
    assert "CREATE TABLE ideas" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "CONSTRAINT ck_users_role CHECK (role IN ('admin', 'planner', 'comms'))" in sql
    assert "PRAGMA" not in sql
    assert "DATETIME" not in sql


def test_a_released_savepoint_rolls_back_with_its_transaction(engine: Engine) -> None:
    """SQLAlchemy emits BEGIN itself, so a SAVEPOINT before any write is still inside it."""
    with session_factory(engine)() as session:
        with session.begin_nested():
            session.add(_user("inner@example.org"))
        session.add(_user("outer@example.org"))
        session.flush()
        session.rollback()
        assert session.scalars(select(User)).all() == []


def test_a_reader_does_not_block_a_writer(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory() as reader, factory.begin() as writer:
        assert reader.scalars(select(User)).all() == []
        writer.add(_user("writer@example.org"))
        writer.flush()
    with factory() as session:
        assert session.scalars(select(User.email)).all() == ["writer@example.org"]


@pytest.mark.sqlite_only(SQLITE_ONLY)
def test_a_second_writer_waits_then_gives_up(tmp_path: Path) -> None:
    engine = make_engine(_url(tmp_path / "busy.db"), busy_timeout_ms=50)
    try:
        migrate(engine)
        factory = session_factory(engine)
        with factory.begin() as first:
            first.add(_user("first@example.org"))
            first.flush()
            with factory() as second:
                second.add(_user("second@example.org"))
                with pytest.raises(OperationalError, match="locked"):
                    second.flush()
    finally:
        engine.dispose()
