"""Durable storage on SQLAlchemy: one database (opened by ``storage.engine``) holding the
decision register, the notice delivery log and the user directory, and its Alembic
migrations; imports contracts, config and the domain, never Temporal.
"""
