"""Campaigns, QR short codes, scan counts, the site logo; ideas get a stage and a district.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Frozen like 0001: nothing imported from arservice. The two new idea columns are added nullable,
filled (every existing idea is a winner in no district), then made NOT NULL with their CHECK;
on SQLite the batch mode recreates the table, on PostgreSQL these are plain ALTERs.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("winner", "building", "built")


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _vocabulary(column: str, values: tuple[str, ...], nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        column,
        sa.Enum(*values, name=column, native_enum=False, create_constraint=False, length=16),
        nullable=nullable,
    )


def _check(table: str, column: str, values: tuple[str, ...]) -> SchemaItem:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(_vocabulary("stage", STAGES, nullable=True))
        batch.add_column(sa.Column("district", sa.JSON(), nullable=True))
    op.execute("UPDATE ideas SET stage = 'winner', district = '{}'")
    with op.batch_alter_table("ideas") as batch:
        batch.alter_column("stage", existing_type=sa.String(16), nullable=False)
        batch.alter_column("district", existing_type=sa.JSON(), nullable=False)
        batch.create_check_constraint(
            op.f("ck_ideas_stage"), "stage IN ('winner', 'building', 'built')"
        )

    op.create_table(
        "qr_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("target_idea_id", sa.Integer(), nullable=True),
        sa.Column("target_url", sa.String(length=2000), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint(
            "(target_idea_id IS NULL AND target_url IS NOT NULL) OR "
            "(target_idea_id IS NOT NULL AND target_url IS NULL)",
            name=op.f("ck_qr_codes_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["target_idea_id"],
            ["ideas.id"],
            name=op.f("fk_qr_codes_target_idea_id_ideas"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qr_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_qr_codes_code")),
    )
    op.create_index(op.f("ix_qr_codes_target_idea_id"), "qr_codes", ["target_idea_id"])

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        _vocabulary("poster_size", ("a4", "a3")),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _when("created_at"),
        _check("campaigns", "poster_size", ("a4", "a3")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("slug", name=op.f("uq_campaigns_slug")),
    )
    op.create_index(op.f("ix_campaigns_created_by_id"), "campaigns", ["created_by_id"])

    op.create_table(
        "campaign_entries",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_entries_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_campaign_entries_idea_id_ideas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["qr_codes.id"],
            name=op.f("fk_campaign_entries_code_id_qr_codes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "idea_id", name=op.f("pk_campaign_entries")),
        sa.UniqueConstraint("code_id", name=op.f("uq_campaign_entries_code_id")),
    )
    op.create_index(op.f("ix_campaign_entries_idea_id"), "campaign_entries", ["idea_id"])

    op.create_table(
        "scan_counts",
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        _vocabulary("platform", ("ios", "android", "other", "bot")),
        sa.Column("count", sa.Integer(), nullable=False),
        _check("scan_counts", "platform", ("ios", "android", "other", "bot")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_scan_counts_count")),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["qr_codes.id"],
            name=op.f("fk_scan_counts_code_id_qr_codes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_id", "day", "platform", name=op.f("pk_scan_counts")),
    )

    op.create_table(
        "site_assets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("blob_key", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_site_assets_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_site_assets")),
    )


def downgrade() -> None:
    for table in ("site_assets", "scan_counts", "campaign_entries", "campaigns", "qr_codes"):
        op.drop_table(table)
    with op.batch_alter_table("ideas") as batch:
        batch.drop_constraint(op.f("ck_ideas_stage"), type_="check")
        batch.drop_column("district")
        batch.drop_column("stage")
