"""Database engine, sessions and migrations: SQLite by default, PostgreSQL by URL.

    engine = make_engine("sqlite:///data/arservice.db")   # or postgresql+psycopg://…
    migrate(engine)                                       # to Alembic head; safe to repeat
    Session = session_factory(engine, write=True)         # or write=False for read-only work
    with Session.begin() as session: …                   # commit on success, rollback on error

Design choices:

- SQLite is set up per connection (a ``connect`` event): WAL journal mode (readers never block
  the writer), foreign keys ON (SQLite's default is OFF), and a busy timeout so a second writer
  waits instead of failing at once. No SQL in this package is SQLite-only, so a PostgreSQL URL
  (``postgresql+psycopg://``, psycopg 3) works unchanged; the test suite runs on both.
- PostgreSQL is a server that can go away and come back: the pool tests each connection before
  handing it out (``pool_pre_ping``) and replaces a dead one, so the service recovers without a
  restart; a connection attempt gives up after :data:`CONNECT_TIMEOUT_SECONDS` (libpq waits
  forever by default when packets are dropped), so a request fails instead of hanging. Pool
  sizes are SQLAlchemy's defaults (5 kept, 10 more under load, per process); a URL query such
  as ``?connect_timeout=3`` overrides the timeout.
- Several processes may migrate one PostgreSQL database at once (replicas starting together):
  :func:`migrate` takes a transaction-level advisory lock first, so the second waits for the
  first and then finds the schema current. On SQLite the migration's write lock does the same.
- SQLAlchemy, not Python's sqlite3 module, starts transactions on SQLite (the recipe in
  SQLAlchemy's SQLite documentation): the driver's legacy mode starts none for SELECT or DDL,
  which breaks repeatable reads, SAVEPOINTs and atomic migrations. With an explicit ``BEGIN`` the
  whole upgrade runs in one transaction on both databases: a failed migration leaves nothing.
  Transactions that will write begin IMMEDIATE (``session_factory(engine, write=True)``): they
  take the write lock first and wait for it, instead of failing with "database is locked" when
  another writer commits between their read and their write. Read-only ones begin DEFERRED.
  On PostgreSQL the option is ignored: its row locks let writers run side by side.
- :func:`migrate` needs no ``alembic.ini``: the configuration is built in code and points at the
  ``migrations`` folder inside this package, so it works the same from a checkout and from an
  installed wheel. On SQLite it turns foreign keys off around the upgrade (the documented way to
  rebuild tables, which Alembic's batch mode does) and checks them before turning them back on.
- Sessions keep their objects loaded after commit (``expire_on_commit=False``) so the web layer
  can render what a service returned without a second query.
- JSON is written with ``ensure_ascii=False``: ``"Ulkokuntosali Käpylä"`` is stored as text a
  person can read, on both databases.

Making a new migration (the models are the source of truth)::

    from alembic import command
    from arservice.store.db import alembic_config
    command.revision(alembic_config("sqlite:///data/arservice.db"), "add campaigns",
                     autogenerate=True, rev_id="0002")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000
"""How long a SQLite writer waits for another writer's lock before it gives up."""
CONNECT_TIMEOUT_SECONDS = 10
"""How long a new PostgreSQL connection may take before the attempt fails."""
MIGRATION_LOCK_KEY = 0x61727376  # "arsv"
"""The PostgreSQL advisory lock that one migration at a time holds."""
STARTUP_LOCK_KEY = 0x61727377
"""The PostgreSQL advisory lock that one process's startup writes hold (:func:`lock_startup`)."""


def make_engine(url: str | URL, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url``, configured for its database as the module docstring says."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        engine = create_engine(sa_url, json_serializer=_json_dumps)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    connect_args: dict[str, Any] = {}
    if sa_url.get_backend_name() == "postgresql" and "connect_timeout" not in sa_url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(
        sa_url, json_serializer=_json_dumps, pool_pre_ping=True, connect_args=connect_args
    )


BEGIN_OPTION = "arservice_sqlite_begin"
"""Execution option naming how a SQLite transaction begins: DEFERRED or IMMEDIATE."""


def session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay loaded after commit.

    ``write=True`` is for transactions that will write: on SQLite they begin IMMEDIATE, taking
    the write lock at once and waiting their turn (the busy timeout) behind another writer. A
    DEFERRED transaction that reads and then writes cannot wait: if another writer committed
    since its read it fails at once with "database is locked", because its reads are out of
    date. Read-only work uses the default (DEFERRED: in WAL mode readers never wait). On
    PostgreSQL both are the same.
    """
    bind = engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}) if write else engine
    return sessionmaker(bind, expire_on_commit=False)


def alembic_config(url: str | URL | None = None) -> Config:
    """Alembic's configuration, built in code (no ``alembic.ini``).

    ``url`` is only needed to run Alembic without a connection (``alembic`` commands in
    development, offline SQL); :func:`migrate` hands Alembic its connection instead.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Revision files are named v<rev>_<slug>.py: a module name may not start with a digit.
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if url is not None:
        rendered = make_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision; a no-op when it is current."""
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _make_sqlite_directory(engine.url)
    config = alembic_config()
    with engine.connect() as connection:
        if sqlite:
            # PRAGMA foreign_keys is ignored inside a transaction: set it on the driver's
            # connection, before SQLAlchemy begins one.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            if connection.dialect.name == "postgresql":
                # Held until the migration commits: a second migrator waits, then finds it done.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def lock_startup(session: Session) -> None:
    """Let one process at a time run the rest of this transaction: replicas starting together
    on a new PostgreSQL database would otherwise both insert the built-in templates and the
    demo ideas, and one would fail on a unique key. Call it first in the transaction; the lock
    is released at its end, and the next process then sees what the first stored (each
    statement reads what was committed before it began). On SQLite a write transaction
    (``session_factory(engine, write=True)``) already holds the database's one write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STARTUP_LOCK_KEY})


def ping(engine: Engine) -> None:
    """Raise unless the database answers a query (for readiness checks)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (the "begin" listener below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _make_sqlite_directory(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
