"""Alembic's environment: migrates the connection ``storage.migrations`` hands it.

Run through ``storage.migrations`` (``upgrade_database``, or
``python -m storage.migrations``), which opens that connection in a locked
transaction and commits it; the migrations run inside it. There is no offline
(``--sql``) mode and no ``alembic.ini``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from storage.migrations import schema_metadata

connection = context.config.attributes.get("connection")
if context.is_offline_mode() or not isinstance(connection, Connection):
    raise RuntimeError(
        "forumflow's migrations run on a connection from storage.migrations: "
        "use upgrade_database() or python -m storage.migrations"
    )
context.configure(
    connection=connection,
    # A sequence, not one MetaData: the stores' naming conventions differ, so revisions
    # name their constraints explicitly and op.create_table applies no convention.
    target_metadata=list(schema_metadata()),
    # SQLite alters most things by rebuilding the table: autogenerate drafts batch ops.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
