"""Durable storage on SQLAlchemy: the decision register, the notice delivery log, the user
directory and their Alembic migrations; imports contracts, config and the domain.
"""
