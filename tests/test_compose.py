"""docker-compose.yml is valid Compose and agrees with forumflow's settings.

No Docker engine is needed: the file is parsed and checked, never run. The
Compose Specification JSON schema comes from the ``check-jsonschema`` package
(its vendored copy of compose-spec.json), so it is not kept in this repository.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from forumflow.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

SCHEMA_PACKAGE = "check_jsonschema.builtin_schemas.vendor"
SCHEMA_RESOURCE = "compose-spec.json"

NAMESPACE_SERVICE = "temporal-namespace"
EXPECTED_SEARCH_ATTRIBUTES = {
    "ForumflowStage": "Keyword",
    "ForumflowMeetingDate": "Datetime",
    "ForumflowFundingSources": "KeywordList",
    "ForumflowNextDeadline": "Datetime",
}

Service = dict[str, Any]


@cache
def _compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


def _compose() -> dict[str, Any]:
    """A fresh parse of docker-compose.yml (callers may mutate it)."""
    document = yaml.safe_load(_compose_text())
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return cast(dict[str, Any], document)


def _services() -> dict[str, Service]:
    services = _compose().get("services")
    assert isinstance(services, dict), "docker-compose.yml has no services mapping"
    assert services, "docker-compose.yml defines no services"
    return cast(dict[str, Service], services)


@cache
def _compose_schema() -> dict[str, Any]:
    text = resources.files(SCHEMA_PACKAGE).joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema = json.loads(text)
    assert isinstance(schema, dict)
    return cast(dict[str, Any], schema)


def _validator() -> Validator:
    schema = _compose_schema()
    # The draft the schema declares in "$schema" (2020-12 for current compose-spec).
    validator_cls = validator_for(schema)
    validator_cls.check_schema(schema)
    return validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)


def _schema_errors(document: dict[str, Any]) -> list[str]:
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


def _environment(service: Service) -> dict[str, str]:
    """A service's `environment`, in either Compose form, as a name -> value map."""
    raw = service.get("environment", {})
    if isinstance(raw, list):
        pairs = (str(item).partition("=") for item in raw)
        return {name: value for name, _, value in pairs}
    assert isinstance(raw, dict)
    return {str(name): "" if value is None else str(value) for name, value in raw.items()}


def _depends_on(service: Service) -> dict[str, str]:
    """A service's `depends_on`, in either Compose form, as target -> condition."""
    raw = service.get("depends_on", {})
    if isinstance(raw, list):
        return {str(target): "service_started" for target in raw}
    assert isinstance(raw, dict)
    return {
        str(target): str(spec.get("condition", "service_started")) for target, spec in raw.items()
    }


def _image_tag(image: str) -> str | None:
    """The tag of an image reference, or None when it has none (a digest counts as pinned)."""
    if "@" in image:
        return image.rsplit("@", 1)[1]
    last_segment = image.rsplit("/", 1)[-1]  # a registry's `host:port/` is not a tag
    if ":" not in last_segment:
        return None
    return last_segment.rsplit(":", 1)[1]


def _settings_prefix() -> str:
    prefix = Settings.model_config.get("env_prefix")
    assert isinstance(prefix, str)
    assert prefix
    return prefix


def test_compose_file_matches_compose_specification() -> None:
    """docker-compose.yml validates against the Compose Specification JSON schema."""
    assert _schema_errors(_compose()) == []


@pytest.mark.parametrize(
    ("mutation", "description"),
    [
        (lambda d: d["services"]["worker"].update(imagee="forumflow:1"), "misspelt service key"),
        (
            lambda d: d["services"]["worker"]["depends_on"]["temporal"].update(
                condition="service_ready"
            ),
            "unknown depends_on condition",
        ),
        (lambda d: d["services"]["temporal"].update(ports="7233:7233"), "ports not a list"),
    ],
)
def test_compose_schema_rejects_invalid_documents(
    mutation: Callable[[dict[str, Any]], object], description: str
) -> None:
    """The schema check is strict: a broken copy of docker-compose.yml fails it."""
    document = copy.deepcopy(_compose())
    mutation(document)
    assert _schema_errors(document), f"schema accepted a {description}"


def test_forumflow_env_vars_are_settings_fields() -> None:
    """Every FORUMFLOW_* variable set on a service names a field of Settings."""
    prefix = _settings_prefix()
    fields = set(Settings.model_fields)
    unknown = {
        f"{service_name}: {name}"
        for service_name, service in _services().items()
        for name in _environment(service)
        if name.upper().startswith(prefix) and name[len(prefix) :].lower() not in fields
    }
    assert not unknown, f"not Settings fields: {sorted(unknown)}"


def test_worker_settings_point_at_the_compose_services() -> None:
    """The worker sets the Temporal address, namespace and a Postgres register URL that parse."""
    services = _services()
    prefix = _settings_prefix()
    env = _environment(services["worker"])
    values = {
        name[len(prefix) :].lower(): value
        for name, value in env.items()
        if name.upper().startswith(prefix)
    }
    assert {"temporal_address", "temporal_namespace", "register_url"} <= values.keys()

    settings = Settings.model_validate(values)

    host, _, port = settings.temporal_address.partition(":")
    assert host in services
    assert port == "7233"

    namespace_env = _environment(services[NAMESPACE_SERVICE])
    assert settings.temporal_namespace == namespace_env["NAMESPACE"] == "forumflow"

    assert settings.register_url is not None
    url = urlsplit(settings.register_url)
    assert url.scheme == "postgresql+psycopg"
    assert url.hostname == "postgresql"
    assert url.hostname in services
    assert url.path == "/forumflow"
    assert settings.log_format == "json"


def test_namespace_job_creates_the_search_attributes() -> None:
    """The namespace one-shot creates every forumflow search attribute with its type."""
    service = _services()[NAMESPACE_SERVICE]
    env = _environment(service)
    declared = dict(pair.split("=", 1) for pair in env["SEARCH_ATTRIBUTES"].split())
    assert declared == EXPECTED_SEARCH_ATTRIBUTES
    script = "\n".join(service["command"])
    assert "temporal operator namespace create" in script
    assert "temporal operator search-attribute create" in script


def test_depends_on_targets_exist_and_conditions_hold() -> None:
    """Every depends_on target is a service; service_healthy targets define a healthcheck."""
    services = _services()
    problems: list[str] = []
    for name, service in services.items():
        for target, condition in _depends_on(service).items():
            if target not in services:
                problems.append(f"{name} depends on missing service {target}")
            elif condition == "service_healthy" and "healthcheck" not in services[target]:
                problems.append(f"{name} waits for {target} to be healthy; it has no healthcheck")
            elif condition == "service_completed_successfully" and services[target].get(
                "restart"
            ) in ("always", "unless-stopped"):
                problems.append(f"{name} waits for {target} to complete; it never does")
    assert not problems, problems


def test_images_are_pinned() -> None:
    """Every image has an explicit tag other than `latest`; services without one are built."""
    problems: list[str] = []
    for name, service in _services().items():
        image = service.get("image")
        if image is None:
            if "build" not in service:
                problems.append(f"{name} has neither image nor build")
            continue
        tag = _image_tag(str(image))
        if tag is None or tag == "latest" or "${" in str(image):
            problems.append(f"{name}: {image}")
    assert not problems, f"unpinned images: {problems}"


def test_worker_image_pins_its_base_and_runs_as_non_root() -> None:
    """The Dockerfile's base images are tagged and its final USER is not root."""
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    bases = [line.split()[1] for line in lines if re.match(r"(?i)FROM\s", line)]
    assert bases, "Dockerfile has no FROM"
    unpinned = [base for base in bases if _image_tag(base) in (None, "latest")]
    assert not unpinned, unpinned
    users = [line.split()[1] for line in lines if re.match(r"(?i)USER\s", line)]
    assert users, "Dockerfile sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert any(line.startswith("CMD") and "worker" in line for line in lines)
