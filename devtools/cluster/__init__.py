"""forumflow's production topology on one machine, without Docker.

What docker-compose.yml runs, as processes on loopback: PostgreSQL (Debian's), the
Temporal server built from its Go module on it, the Temporal Web UI, N workers and the
HTTP API. The server reads the same configuration files compose mounts
(``deploy/temporal/``). ``python -m devtools cluster --workers N`` runs it until Ctrl-C;
the tests in tests/cluster put it through crashes and restarts.
"""
