"""The revisions, oldest first by number. Alembic loads them by path; being a package
lets the adoption of an unversioned database call the baseline's table functions."""
