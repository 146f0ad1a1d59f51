"""The register follows a decision through: funding pending and confirmed, spending
started, citations, and the evidence an evaluation was decided on.

Four nullable columns on register_entries (due_date, occurred_on, cites, evidence), an
index on cites (the register answers "what cites this entry"), and the kind check
constraint restated with the four new kinds. Entries already recorded read back with the
new columns empty. Downgrading deletes the entries of the new kinds, which the older
check constraint does not allow, with their agreed funding rows.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_KINDS_BEFORE = ("decision", "minute_confirmed", "evaluation", "funding_period")
_KINDS_ADDED = ("funding_pending", "funding_confirmed", "spending_started", "citation")
_KIND_CHECK = "ck_register_entries_kind_known"


def _kinds_sql(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade() -> None:
    # SQLite cannot alter a check constraint in place: batch mode rebuilds the table,
    # keeping its named constraints and indexes.
    with op.batch_alter_table("register_entries") as batch:
        batch.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("occurred_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("cites", sa.Text(), nullable=True))
        batch.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch.drop_constraint(_KIND_CHECK, type_="check")
        batch.create_check_constraint(_KIND_CHECK, _kinds_sql(_KINDS_BEFORE + _KINDS_ADDED))
    op.create_index("ix_register_entries_cites", "register_entries", ["cites"])


def downgrade() -> None:
    entries = sa.table("register_entries", sa.column("id"), sa.column("kind"))
    funding = sa.table("register_agreed_funding", sa.column("entry_id"))
    added = sa.select(entries.c.id).where(entries.c.kind.in_(_KINDS_ADDED))
    # The migration engine keeps SQLite's foreign keys off, so nothing cascades.
    op.execute(funding.delete().where(funding.c.entry_id.in_(added)))
    op.execute(entries.delete().where(entries.c.kind.in_(_KINDS_ADDED)))
    op.drop_index("ix_register_entries_cites", table_name="register_entries")
    with op.batch_alter_table("register_entries") as batch:
        batch.drop_constraint(_KIND_CHECK, type_="check")
        batch.create_check_constraint(_KIND_CHECK, _kinds_sql(_KINDS_BEFORE))
        batch.drop_column("evidence")
        batch.drop_column("cites")
        batch.drop_column("occurred_on")
        batch.drop_column("due_date")
