# syntax=docker/dockerfile:1
#
# The forumflow image: `docker compose build`. It runs the worker by default;
# the `api` service runs the HTTP API from the same image with
# `python -m forumflow api` (port 8000, FORUMFLOW_API_PORT).
# Three stages: the pages' assets; then exactly the versions requirements-runtime.lock pins (with
# their hashes, psycopg for PostgreSQL among them), then forumflow itself, into a
# virtualenv; the second copies only that virtualenv onto a clean base and runs as
# an unprivileged user. Configuration comes from FORUMFLOW_* environment variables
# (config/settings.py); docker-compose.yml sets them.

# The pages' assets: exactly package-lock.json's npm packages, copied into web/static/
# by the same script scripts/setup runs.
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
COPY scripts/web-assets scripts/
COPY web/static web/static
RUN ./scripts/web-assets


FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src
# The lock first, so this layer is rebuilt only when it changes. Every package is
# checked against its hash, and --no-deps lets pip install only what the lock names:
# it resolves nothing, so nothing unpinned can slip in. requirements-runtime.lock is
# requirements.lock's runtime subset (scripts/lock makes both): the versions the tests
# ran on, without the development tools.
COPY requirements-runtime.lock ./
RUN pip install --require-hashes --no-deps -r requirements-runtime.lock
# .dockerignore keeps the context to the project sources (no .venv, tests, caches).
COPY . .
# GOV.UK Frontend and htmx from the assets stage; the wheel carries them as artifacts.
COPY --from=assets /src/web/static web/static
# The project alone, built by the locked build backend (no isolated build environment
# fetched from the index); pip check fails the build if the lock missed a dependency.
RUN pip install --no-deps --no-build-isolation . && pip check


FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}" \
    FORUMFLOW_DATA_DIR=/var/lib/forumflow

# A fixed numeric uid/gid so orchestrators can check runAsNonRoot.
RUN groupadd --system --gid 10001 forumflow \
    && useradd --system --uid 10001 --gid forumflow --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin forumflow \
    && install -d -o forumflow -g forumflow -m 0750 /var/lib/forumflow /var/lib/forumflow/outbox

COPY --from=build /opt/venv /opt/venv

WORKDIR /var/lib/forumflow
USER 10001:10001

# The HTTP API's port, when the container runs `python -m forumflow api`.
EXPOSE 8000

CMD ["python", "-m", "worker"]
