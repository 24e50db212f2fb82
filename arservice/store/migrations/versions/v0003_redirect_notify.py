"""PostgreSQL tells listeners when a short link's target may have changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Frozen like 0001 and 0002: nothing imported from arservice.

Each server process keeps the redirects of ``/q/{code}`` in memory
(arservice/services/scan_targets.py) and must forget them when a code or an idea changes,
whoever changed it (another replica, the CLI, psql). On PostgreSQL a statement-level trigger on
``qr_codes`` and on ``ideas`` runs ``pg_notify('arservice_redirects', '')``; every process
LISTENs on that channel. PostgreSQL delivers a notification only when (and if) its transaction
commits, and folds identical notifications of one transaction into one, so a bulk update costs
one message. On SQLite nothing is needed (the processes watch ``PRAGMA data_version``).

The dialect is read from the migration context, not from a connection, so the upgrade also
renders as offline SQL (``alembic upgrade --sql``).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "arservice_redirects"
FUNCTION = "arservice_notify_redirects"
TABLES = ("qr_codes", "ideas")


def _on_postgresql() -> bool:
    return bool(op.get_context().dialect.name == "postgresql")


def upgrade() -> None:
    if not _on_postgresql():
        return
    op.execute(
        f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$"""
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify_redirects "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if not _on_postgresql():
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_redirects ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
