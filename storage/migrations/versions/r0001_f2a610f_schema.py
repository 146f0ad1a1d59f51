"""The schema as the stores' ``create_schema`` made it at commit f2a610f.

The decision register (register_entries, register_agreed_funding), the notice delivery
log (notice_deliveries) and the user directory (users, api_tokens), with the names the
register's naming convention gave its constraints and indexes. The user directory had
no naming convention, so its primary and foreign keys are left for the database to
name, as create_all left them. Frozen: change the schema in a new revision.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# The entry kinds known at f2a610f, spelt into the check constraint.
_KINDS = "'decision', 'minute_confirmed', 'evaluation', 'funding_period'"


def create_register_entries() -> None:
    """The register's entries, one per decision, confirmation, evaluation or period."""
    op.create_table(
        "register_entries",
        # SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("request_ref", sa.Text(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("recurrent", sa.Boolean(), nullable=True, server_default=sa.false()),
        sa.Column("amendments", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("workflow_id", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_register_entries"),
        sa.CheckConstraint("cycle >= 1", name="ck_register_entries_cycle_positive"),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name="ck_register_entries_kind_known"),
        sa.CheckConstraint("amount_pence >= 0", name="ck_register_entries_amount_not_negative"),
        sa.CheckConstraint("period_end >= period_start", name="ck_register_entries_period_ordered"),
        sa.UniqueConstraint("idempotency_key", name="uq_register_entries_idempotency_key"),
    )
    op.create_index(
        "ix_register_entries_request_ref", "register_entries", ["request_ref", "recorded_at"]
    )
    op.create_index("ix_register_entries_kind", "register_entries", ["kind", "effective_date"])


def create_register_agreed_funding() -> None:
    """Which options (and so which funding sources) an entry agreed, in order."""
    op.create_table(
        "register_agreed_funding",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_detail", sa.Text(), nullable=True),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "position", name="pk_register_agreed_funding"),
        sa.CheckConstraint(
            "amount_pence >= 0", name="ck_register_agreed_funding_amount_not_negative"
        ),
        sa.UniqueConstraint("entry_id", "option_id", name="uq_register_agreed_funding_entry_id"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["register_entries.id"],
            name="fk_register_agreed_funding_entry_id_register_entries",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_register_agreed_funding_source", "register_agreed_funding", ["source"])


def create_notice_deliveries() -> None:
    """The notice delivery log: one row per notice's idempotency key."""
    op.create_table(
        "notice_deliveries",
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("request_ref", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column(
            "recipients",
            sa.Text(),
            nullable=False,
            comment="JSON array of the notice's recipients",
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True, comment="NULL when sent to the log only"),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "claimed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="lease start; NULL: unclaimed",
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_notice_deliveries"),
        sa.CheckConstraint(
            "status IN ('sending', 'sent')", name="ck_notice_deliveries_status_known"
        ),
        sa.CheckConstraint("attempts >= 1", name="ck_notice_deliveries_attempts_positive"),
        sa.CheckConstraint(
            "status <> 'sent' OR sent_at IS NOT NULL", name="ck_notice_deliveries_sent_has_time"
        ),
    )
    op.create_index(
        "ix_notice_deliveries_request_ref",
        "notice_deliveries",
        ["request_ref", "first_attempt_at"],
    )


def create_users() -> None:
    """The people who may sign in, with their roles."""
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("member_group", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def create_api_tokens() -> None:
    """Bearer tokens, by the SHA-256 digest that is all the database keeps of them."""
    op.create_table(
        "api_tokens",
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_digest"),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"]),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


TABLES: dict[str, Callable[[], None]] = {
    "register_entries": create_register_entries,
    "register_agreed_funding": create_register_agreed_funding,
    "notice_deliveries": create_notice_deliveries,
    "users": create_users,
    "api_tokens": create_api_tokens,
}
"""Each table of this revision and what creates it, in an order foreign keys allow."""


def upgrade() -> None:
    for create in TABLES.values():
        create()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
