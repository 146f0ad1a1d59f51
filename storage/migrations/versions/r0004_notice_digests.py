"""The daily digest: a person's choice (users.daily_digest, off for everyone already
there) and the notices waiting for their digest (notice_digest_items, storage.digests).

A new column with a default and a new table, so nothing existing changes meaning;
downgrading drops both, which forgets who chose a digest and any notice still waiting.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "daily_digest",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
            comment="notices gathered into one email a day instead of one email each",
        ),
    )
    op.create_table(
        "notice_digest_items",
        sa.Column("notice_key", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("request_ref", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_on", sa.Date(), nullable=False, comment="the London day it was queued"),
        sa.Column(
            "digest_key",
            sa.Text(),
            nullable=True,
            comment="NULL: waiting for the next digest",
        ),
        sa.PrimaryKeyConstraint("notice_key", "user_id", name="pk_notice_digest_items"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_notice_digest_items_user_id_users"
        ),
    )
    op.create_index(
        "ix_notice_digest_items_user_id",
        "notice_digest_items",
        ["user_id", "digest_key"],
    )


def downgrade() -> None:
    op.drop_table("notice_digest_items")
    # SQLite rebuilds the table to drop a column; the migration engine keeps foreign
    # keys off, so the rebuild does not cascade into the tokens and sessions.
    with op.batch_alter_table("users") as batch:
        batch.drop_column("daily_digest")
