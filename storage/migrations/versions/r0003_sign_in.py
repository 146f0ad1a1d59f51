"""Sign-in for the web pages: one-time email links, the attempts the rate limit counts,
and browser sessions (storage.signin).

New tables only, so nothing existing is touched; downgrading drops them, which signs
everyone out of the web pages and forgets unused links.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_links",
        sa.Column("link_digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("link_digest", name="pk_sign_in_links"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_sign_in_links_user_id_users"
        ),
    )
    op.create_index("ix_sign_in_links_user_id", "sign_in_links", ["user_id"])

    op.create_table(
        "sign_in_attempts",
        # SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("address_digest", sa.String(64), nullable=False),
        sa.Column("client_digest", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_attempts"),
    )
    op.create_index(
        "ix_sign_in_attempts_address", "sign_in_attempts", ["address_digest", "attempted_at"]
    )
    op.create_index(
        "ix_sign_in_attempts_client", "sign_in_attempts", ["client_digest", "attempted_at"]
    )
    op.create_index("ix_sign_in_attempts_attempted_at", "sign_in_attempts", ["attempted_at"])

    op.create_table(
        "web_sessions",
        sa.Column("session_digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("signed_in_by", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("session_digest", name="pk_web_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_web_sessions_user_id_users"
        ),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("sign_in_attempts")
    op.drop_table("sign_in_links")
