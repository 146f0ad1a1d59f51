"""docker-compose.yml is valid Compose and agrees with forumflow's settings.

No Docker engine is needed: the file is parsed and checked, never run. The
Compose Specification JSON schema comes from the ``check-jsonschema`` package
(its vendored copy of compose-spec.json), so it is not kept in this repository.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
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

from config.settings import Settings
from forumflow.__main__ import build_parser

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


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def _interpolated(value: str) -> str:
    """``value`` as Compose reads it with none of its variables set: ``${NAME:-default}``
    gives the default, ``${NAME}`` nothing, and ``$$`` a dollar sign."""
    return _VARIABLE.sub(lambda m: m.group(2) or "", value).replace("$$", "$")


def _environment(service: Service) -> dict[str, str]:
    """A service's `environment`, in either Compose form, as a name -> value map, with
    variables interpolated as Compose does when none is set."""
    raw = service.get("environment", {})
    if isinstance(raw, list):
        pairs = (str(item).partition("=") for item in raw)
        return {name: _interpolated(value) for name, _, value in pairs}
    assert isinstance(raw, dict)
    return {
        str(name): "" if value is None else _interpolated(str(value)) for name, value in raw.items()
    }


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


def _settings_of(service: Service) -> dict[str, str]:
    """A service's FORUMFLOW_* variables as Settings field names -> values."""
    prefix = _settings_prefix()
    return {
        name[len(prefix) :].lower(): value
        for name, value in _environment(service).items()
        if name.upper().startswith(prefix)
    }


@pytest.mark.parametrize("service_name", ["worker", "api"])
def test_settings_point_at_the_compose_services(service_name: str) -> None:
    """Worker and API set the Temporal address, namespace and a Postgres register URL."""
    services = _services()
    values = _settings_of(services[service_name])
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
    assert "EXPOSE 8000" in lines, "the API's port"


def test_worker_and_api_share_their_temporal_and_register_settings() -> None:
    """The API reaches the same namespace, task queue and register as the worker."""
    services = _services()
    worker, api = _settings_of(services["worker"]), _settings_of(services["api"])
    shared = ("temporal_address", "temporal_namespace", "task_queue", "register_url")
    assert {name: api.get(name) for name in shared} == {name: worker[name] for name in shared}


def test_api_service_runs_the_api_command_of_the_worker_image() -> None:
    """The api service builds the worker's image and runs `python -m forumflow api`."""
    services = _services()
    api = services["api"]
    assert api["build"] == services["worker"]["build"]
    command = api["command"]
    assert command[:3] == ["python", "-m", "forumflow"]
    assert build_parser().parse_args(command[3:]).command == "api"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["no-such-command"])


def test_api_service_listens_where_it_is_published_and_checked() -> None:
    """The API listens on all container interfaces, on the port published and health-checked."""
    api = _services()["api"]
    settings = Settings.model_validate(_settings_of(api))
    assert settings.api_host == "0.0.0.0"  # noqa: S104 - inside the container only
    published = [str(port).rsplit(":", 1) for port in api["ports"]]
    assert [target for _, target in published] == [str(settings.api_port)]
    assert all(host.startswith("127.0.0.1:") for host, _ in published), "loopback only"
    check = " ".join(api["healthcheck"]["test"])
    assert f"127.0.0.1:{settings.api_port}/health" in check


def test_api_waits_for_temporal_the_namespace_and_postgres() -> None:
    """The API starts once Postgres and Temporal are healthy and the namespace exists."""
    assert _depends_on(_services()["api"]) == {
        "postgresql": "service_healthy",
        "temporal": "service_healthy",
        NAMESPACE_SERVICE: "service_completed_successfully",
    }


def test_the_worker_keeps_its_outbox_on_a_volume() -> None:
    """With no mail relay set, the worker's embedded outbox is a named volume, so notices
    kept there survive the container; the Dockerfile creates it for the forumflow user."""
    worker = _services()["worker"]
    values = _settings_of(worker)
    assert values.get("smtp_host", "") == ""
    dockerfile = (ROOT / "Dockerfile").read_text()
    data_dir = re.search(r"FORUMFLOW_DATA_DIR=(\S+)", dockerfile)
    assert data_dir is not None
    outbox = Settings(data_dir=data_dir.group(1), smtp_host=None).outbox_dir.as_posix()
    mounts = [str(volume).split(":") for volume in worker.get("volumes", [])]
    assert [m for m in mounts if m[1] == outbox and m[0] in _compose()["volumes"]], mounts
    assert outbox in dockerfile


def _dockerfile_lines() -> list[str]:
    """The Dockerfile's instructions, one per line, continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = (line.strip() for line in text.splitlines())
    return [" ".join(line.split()) for line in lines if line and not line.startswith("#")]


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ \\;]+)", text, re.M)
    return {name.lower(): version for name, version in found}


def test_image_installs_exactly_the_locked_versions() -> None:
    """The image installs the runtime lock with every hash checked and no resolving, then
    the project alone; that lock pins every runtime dependency and the postgres extra."""
    lines = _dockerfile_lines()
    installs = [line for line in lines if line.startswith("RUN pip install")]
    assert installs[0] == "RUN pip install --require-hashes --no-deps -r requirements-runtime.lock"
    assert installs[1].startswith("RUN pip install --no-deps --no-build-isolation . ")
    assert len(installs) == 2, installs
    assert lines.index("COPY requirements-runtime.lock ./") < lines.index(installs[0])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["postgres"]]
    names = {re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower() for requirement in wanted}
    assert {"psycopg", "psycopg-binary"} | names <= set(_pins("requirements-runtime.lock"))


def test_the_image_runs_the_tested_versions_without_the_development_tools() -> None:
    """Every package the image installs is pinned at the version the tests installed, and
    none of the development extra's tools is among them."""
    runtime, tested = _pins("requirements-runtime.lock"), _pins("requirements.lock")
    assert {name: tested.get(name) for name in runtime} == runtime
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = {
        re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower()
        for r in project["optional-dependencies"]["dev"]
    }
    assert not dev & set(runtime), dev & set(runtime)
