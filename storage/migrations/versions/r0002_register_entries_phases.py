"""register_entries.phases: a de-delegation's outcome and count per school phase.

JSON, nullable: entries recorded before it read back with no phases.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("register_entries", sa.Column("phases", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite rebuilds the table to drop a column; the migration engine keeps foreign
    # keys off, so the rebuild does not cascade into register_agreed_funding.
    with op.batch_alter_table("register_entries") as batch:
        batch.drop_column("phases")
