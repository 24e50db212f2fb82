"""Initial schema: users, API tokens, audit log, templates and versions, ideas, artifacts.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Frozen: it imports nothing from arservice, so later model changes cannot change what it does.
Every constraint is named as :data:`arservice.store.models.NAMING_CONVENTION` would name it, and
the closed vocabularies are VARCHARs with explicit CHECK constraints, so it runs the same on SQLite
and PostgreSQL. Timestamps are ``timestamp with time zone`` (SQLite stores text, in UTC).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _choice(table: str, column: str, values: tuple[str, ...]) -> list[SchemaItem]:
    """A VARCHAR(16) column and its named CHECK (the models' ``Enum(native_enum=False)``)."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return [
        sa.Column(
            column,
            sa.Enum(*values, name=column, native_enum=False, create_constraint=False, length=16),
            nullable=False,
        ),
        sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}")),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        *_choice("users", "role", ("admin", "planner", "comms")),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        _when("created_at"),
        _when("last_used_at", nullable=True),
        _when("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=200), nullable=True),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_entries_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_action"), "audit_entries", ["action"])
    op.create_index(op.f("ix_audit_entries_actor_id"), "audit_entries", ["actor_id"])
    op.create_index(op.f("ix_audit_entries_at"), "audit_entries", ["at"])
    op.create_index(
        op.f("ix_audit_entries_target_type_target_id"),
        "audit_entries",
        ["target_type", "target_id"],
    )

    op.create_table(
        "templates",
        sa.Column("id", sa.String(length=64), nullable=False),
        _when("created_at"),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
    )
    op.create_table(
        "template_versions",
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_template_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_template_versions_template_id_templates"),
        ),
        sa.PrimaryKeyConstraint("template_id", "version", name=op.f("pk_template_versions")),
    )
    op.create_index(op.f("ix_template_versions_author_id"), "template_versions", ["author_id"])
    op.create_table(
        "template_assets",
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("blob_key", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id", "version"],
            ["template_versions.template_id", "template_versions.version"],
            name=op.f("fk_template_assets_template_id_template_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "template_id", "version", "file_name", name=op.f("pk_template_assets")
        ),
    )

    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        *_choice("ideas", "status", ("draft", "published", "archived")),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("pb_platform", sa.String(length=32), nullable=True),
        sa.Column("pb_url", sa.String(length=500), nullable=True),
        sa.Column("pb_project_id", sa.String(length=100), nullable=True),
        sa.Column("pb_budget_cents", sa.Integer(), nullable=True),
        sa.Column("pb_selected", sa.Boolean(), nullable=False),
        sa.Column("site", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("footprint", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("template_id", sa.String(length=64), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("uploaded_glb_key", sa.String(length=200), nullable=True),
        sa.Column("glb_sha256", sa.String(length=64), nullable=True),
        sa.Column("usdz_sha256", sa.String(length=64), nullable=True),
        sa.Column("png_sha256", sa.String(length=64), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        _when("published_at", nullable=True),
        sa.CheckConstraint(
            "(template_id IS NULL AND template_version IS NULL) OR "
            "(template_id IS NOT NULL AND template_version IS NOT NULL)",
            name=op.f("ck_ideas_template_id_with_version"),
        ),
        sa.CheckConstraint(
            "template_id IS NULL OR uploaded_glb_key IS NULL",
            name=op.f("ck_ideas_one_model_source"),
        ),
        sa.CheckConstraint(
            "pb_budget_cents IS NULL OR pb_budget_cents >= 0", name=op.f("ck_ideas_budget")
        ),
        sa.ForeignKeyConstraint(
            ["template_id", "template_version"],
            ["template_versions.template_id", "template_versions.version"],
            name=op.f("fk_ideas_template_id_template_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
        sa.UniqueConstraint("slug", name=op.f("uq_ideas_slug")),
    )
    op.create_index(op.f("ix_ideas_status"), "ideas", ["status"])
    op.create_index(
        op.f("ix_ideas_template_id_template_version"),
        "ideas",
        ["template_id", "template_version"],
    )

    op.create_table(
        "artifacts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        *_choice("artifacts", "kind", ("glb", "usdz", "png")),
        sa.Column("blob_key", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _when("created_at"),
        sa.Column("source", sa.JSON(none_as_null=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "kind", name=op.f("pk_artifacts")),
    )


def downgrade() -> None:
    for table in (
        "artifacts",
        "ideas",
        "template_assets",
        "template_versions",
        "templates",
        "audit_entries",
        "api_tokens",
        "users",
    ):
        op.drop_table(table)
