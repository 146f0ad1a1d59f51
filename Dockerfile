# syntax=docker/dockerfile:1
#
# The forumflow image: `docker compose build`. It runs the worker by default;
# the `api` service runs the HTTP API from the same image with
# `python -m forumflow api` (port 8000, FORUMFLOW_API_PORT).
# Two stages: the first builds forumflow (with the postgres extra) into a
# virtualenv, the second copies only that virtualenv onto a clean base and runs
# as an unprivileged user. Configuration comes from FORUMFLOW_* environment
# variables (forumflow/settings.py); docker-compose.yml sets them.

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src
# .dockerignore keeps the context to the project sources (no .venv, tests, caches).
COPY . .
RUN pip install ".[postgres]"


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
