"""Schemathesis over the whole OpenAPI document with every check it has, as each role.

This is ``schemathesis run --checks all`` in the suite: schemathesis's own engine runs
its phases (examples, coverage, fuzzing, stateful) with every registered check against
the app served by uvicorn over real HTTP, beside a real worker and dev server, signed
in as each of the officer, the chair, the clerk and a member in turn.

Each operation is exercised past its 403s: a probe first finds which roles get past
each operation's role check, and each operation's coverage phase (every boundary and
every violation the document allows, unexpected methods, a missing Authorization) runs
once, as one of those roles. The fuzzing and stateful phases run for every role on
every operation: in depth where the role may act, a few examples where it may not.
Paths naming a request or a meeting often name a real one, so reads and actions reach
real workflows.

Every failure of every check is collected and reported at once, with the curl command
that reproduces it. The only refusals left out are those of rules that compare one
value with another (a period's end with its start), which JSON Schema cannot state;
the document states each in its description (see api.openapi.rules), and UNSTATABLE lists them.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import HealthCheck, OperationConfig, SchemathesisConfig
from schemathesis.engine import events
from schemathesis.openapi.checks import RejectedPositiveData

from api.app import create_app
from clients.requests import FundingRequests
from devtools.seeds import MEMBERS, middlesbrough_draft
from tests.api.conftest import Api
from tests.api.test_meetings_api import days_ahead, schedule
from tests.lifecycle.drive import draft_to_options, evaluated_request, new_reference

pytestmark = pytest.mark.devserver_only

ROLES = {
    "officer": "sean.hogg",
    "chair": "chair",
    "clerk": "clerk",
    "member": MEMBERS[0].member_id,
}
PHASES = ["examples", "coverage", "fuzzing", "stateful"]
EXAMPLES_WHERE_PERMITTED = 5
"""Fuzzing examples per operation for a role that gets past its role check."""
EXAMPLES_WHERE_FORBIDDEN = 2
"""Fuzzing examples per operation for a role it refuses (each a 403)."""
SEED = 20180704

# Well-formed ids for the probe, naming nothing that exists.
PROBE_IDS = {"reference": "SMF-PROBE", "meeting_id": "meeting-probe", "user_id": "probe.nobody"}

UNSTATABLE: tuple[tuple[str, str], ...] = (
    (r"body\.meeting_date", "a move takes the meeting to another day"),
    (r"body(\.[a-z_]+|\.[0-9]+)*\.end", "the period ends ("),
    (r"body(\.[a-z_]+)*\.quorum_numerator", "the quorum cannot exceed the whole membership"),
    (r"body(\.[a-z_]+)*\.members", "member_id must be unique"),
    (r"body(\.[a-z_]+)*\.actions", "action_id must be unique"),
    (r"body\.carried_items", "agenda: request_ref must be unique"),
    (r"body\.carried_actions", "actions: action_id must be unique"),
    (r"body\.draft\.co_author_ids", "the author is already the author"),
    (r"query\.until", "must be on or after since"),
    # JSON Schema's integer admits 8.0, which is 8; the server takes no decimal point.
    (r"body(\.[a-z_0-9]+)*", "must be a whole number"),
)
"""422s of rules that compare one value with another, which JSON Schema cannot state
(the document says each in a description): (the field, how its rule begins)."""


def all_checks() -> list[str]:
    """The name of every check schemathesis has: what ``--checks all`` enables."""
    load_all_checks()
    names: list[str] = CHECKS.get_all_names()
    return names


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free loopback port in this loop; its base URL.

    The socket is made with IPPROTO_TCP so asyncio sets TCP_NODELAY on each connection;
    without it every answer waits out a delayed ACK (40 ms), eight times the request.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        sock.close()


Operations = list[tuple[str, str]]
"""(method, path template) of every documented operation, in document order."""


def operations_of(document: Mapping[str, Any]) -> Operations:
    """Every operation the document lists."""
    return [
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    ]


async def permitted_roles(api: Api, operations: Operations) -> dict[str, list[str]]:
    """For each operation ("POST /meetings"), the roles that get past its role check.

    Each role sends the operation once with an empty body and ids naming nothing; a 403
    role-not-permitted is a refusal, anything else (a 422, a 404) got past it.
    """
    permitted: dict[str, list[str]] = {}
    for method, template in operations:
        path = re.sub(r"\{(\w+)\}", lambda m: PROBE_IDS[m[1]], template)
        body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
        roles = []
        for role, user in ROLES.items():
            response = await api.http.request(method, path, headers=api.auth(user), json=body)
            refused = response.status_code == 403 and response.json()["rule"] == (
                "role-not-permitted"
            )
            if not refused:
                roles.append(role)
        permitted[f"{method} {template}"] = roles
    return permitted


def coverage_roles(permitted: Mapping[str, list[str]]) -> dict[str, str]:
    """The one role each operation's coverage phase runs as: one that may take it, taking
    turns where several may, so the four runs share the work."""
    return {
        label: (roles or list(ROLES))[index % len(roles or ROLES)]
        for index, (label, roles) in enumerate(permitted.items())
    }


@dataclass
class Run:
    """What one engine run sent, got and found."""

    statuses: Counter[int] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    unstatable: int = 0
    seconds: float = 0.0

    @property
    def cases(self) -> int:
        """How many requests were sent and answered."""
        return self.statuses.total()

    def record(self, phase: str, recorder: Any) -> None:
        """Count a scenario's answers and keep the first instance of each failure."""
        for interaction in recorder.interactions.values():
            if interaction.response is not None:
                self.statuses[interaction.response.status_code] += 1
                self.phases[phase] += 1
        self.unstatable += sum(recorder.filtered_failures.values())
        for checks in recorder.checks.values():
            for check in checks:
                info = check.failure_info
                if info is not None:
                    failure = info.failure
                    key = (check.name, str(failure.operation), str(failure.title))
                    self.failures.setdefault(key, f"{failure.message}\n{info.code_sample}")


def real_ids(ids: Mapping[str, list[str]]) -> Callable[..., st.SearchStrategy[Any]]:
    """A ``flatmap_path_parameters`` hook: a well-formed id is often swapped for a real one.

    Only an id that already matches its pattern is swapped, so a negative case stays
    negative wherever it was made invalid.
    """
    patterns = {
        "reference": re.compile(r"^[A-Z0-9][A-Z0-9-]{2,40}$"),
        "meeting_id": re.compile(r"^meeting-[a-z0-9][a-z0-9-]{1,60}$"),
    }

    def flatmap_path_parameters(
        context: Any, path_parameters: dict[str, Any] | None
    ) -> st.SearchStrategy[dict[str, Any] | None]:
        if not path_parameters:
            return st.just(path_parameters)
        choices: list[dict[str, Any] | None] = [path_parameters]
        for name, values in ids.items():
            value = path_parameters.get(name)
            if isinstance(value, str) and patterns[name].fullmatch(value):
                choices += [{**path_parameters, name: real} for real in values]
        return st.sampled_from(choices)

    return flatmap_path_parameters


def unstatable(problem: Mapping[str, Any]) -> bool:
    """Whether a Problem's field problem is one of the UNSTATABLE rules."""
    return any(
        re.fullmatch(pattern, problem.get("field") or "") and problem["rule"].startswith(rule)
        for pattern, rule in UNSTATABLE
    )


def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a schema-valid case refused only by UNSTATABLE rules."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return True
    problems = response.json().get("problems") or []
    return not (problems and all(unstatable(problem) for problem in problems))


def engine_config(
    url: str, role: str, token: str, permitted: Mapping[str, list[str]]
) -> SchemathesisConfig:
    """``--checks all`` with every phase, signed in as ``role``; the coverage phase only
    on the operations it runs as ``role``, fewer examples where ``role`` is refused."""
    config = SchemathesisConfig()
    # Hypothesis's health checks judge the generator (how many examples a pattern
    # filters out, how fast it draws them on a loaded machine), not the API.
    config.update(
        seed=SEED,
        max_failures=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    project = config.projects.override
    project.update(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        workers=1,
        request_timeout=60,
    )
    # Speed is measured by the benchmarks, never asserted by a test.
    project.checks.update(included_check_names=["all"], excluded_check_names=["max_response_time"])
    project.phases.update(phases=PHASES)
    project.generation.update(
        max_examples=EXAMPLES_WHERE_PERMITTED, deterministic=True, database="none"
    )
    covered_by = coverage_roles(permitted)
    for label, roles in permitted.items():
        overrides: dict[str, Any] = {}
        if covered_by[label] != role:
            overrides["phases"] = {"coverage": {"enabled": False}}
        if role not in roles:
            overrides["generation"] = {"max-examples": EXAMPLES_WHERE_FORBIDDEN}
        if overrides:
            project.operations.operations.append(
                OperationConfig.from_dict({"include-name": label, **overrides})
            )
    return config


def run_schemathesis(document: dict[str, Any], config: SchemathesisConfig, ids: Any) -> Run:
    """The engine over ``document`` with ``config``; what it sent, got and found."""
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.hook(real_ids(ids))
    schema.hook(filter_failure)
    run = Run()
    started = time.monotonic()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            run.record(str(event.phase), event.recorder)
        elif isinstance(event, events.FuzzScenarioFinished):
            run.record("fuzzing", event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            detail = getattr(event, "info", None) or getattr(event, "exception", event)
            run.failures[("error", str(getattr(event, "label", "")), "")] = str(detail)
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                key = ("after_run", str(failure.operation), str(failure.title))
                run.failures[key] = failure.message
    run.seconds = time.monotonic() - started
    return run


@pytest.mark.timeout(600)
async def test_every_check_passes_as_every_role(api: Api, forum: FundingRequests) -> None:
    """As each of the four roles in turn, every schemathesis check passes on every operation."""
    ids = {
        "reference": [
            await draft_to_options(forum, middlesbrough_draft(new_reference())),
            await evaluated_request(forum),
        ],
        "meeting_id": [await schedule(api, days_ahead(60))],
    }
    document = (await api.http.get("/openapi.json")).json()
    permitted = await permitted_roles(api, operations_of(document))
    covered_by = coverage_roles(permitted)
    runs: dict[str, Run] = {}
    # One worker serves all four runs: the runs draw the same ids ("000"), and a workflow
    # one run started must still answer the next.
    async with served(create_app(api.services)) as url:
        for role, user in ROLES.items():
            # A fresh token each run: an earlier run may have revoked the role's tokens
            # (the clerk may revoke anyone's), which the API is right to allow.
            token = api.services.directory.mint_token(user).token
            config = engine_config(url, role, token, permitted)
            runs[role] = await asyncio.to_thread(run_schemathesis, document, config, ids)

    for role, run in runs.items():
        covered = sum(1 for by in covered_by.values() if by == role)
        print(
            f"\nschemathesis as {role}: {len(all_checks())} checks, {run.cases} cases "
            f"{dict(sorted(run.phases.items()))} (coverage phase on {covered} of "
            f"{len(permitted)} operations), statuses {dict(sorted(run.statuses.items()))}, "
            f"{len(run.failures)} failures ({run.unstatable} unstatable refusals left out), "
            f"{run.seconds:.1f}s"
        )
    assert all(permitted.values()), [label for label, roles in permitted.items() if not roles]
    assert all(run.phases["fuzzing"] >= len(permitted) for run in runs.values())
    assert all(run.statuses[200] > 0 for run in runs.values()), "a role's token was refused"
    failures = [
        f"[{role}: {name}] {operation}: {title}\n{detail}"[:2000]
        for role, run in runs.items()
        for (name, operation, title), detail in sorted(run.failures.items())
    ]
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures[:20])
