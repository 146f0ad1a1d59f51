"""structlog for the program's own logs, and the bridge that formats Temporal's
stdlib loggers (``workflow.logger``, ``activity.logger``) the same way.

Inside the workflow sandbox only ``workflow.logger`` is used; it is a stdlib
logger, so its records reach structlog here, outside the sandbox, through a
``ProcessorFormatter``. The workflow and activity context Temporal attaches to
each record is lifted into flat ``workflow_id`` / ``run_id`` keys so operators
can grep and filter on them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog
from structlog.typing import Processor
from temporalio import activity, workflow

_TEMPORAL_CONTEXT_KEYS = {
    "temporal_workflow": ("workflow_id", "run_id", "workflow_type", "task_queue", "namespace"),
    "temporal_activity": (
        "workflow_id",
        "workflow_run_id",
        "activity_id",
        "activity_type",
        "attempt",
    ),
}


def lift_temporal_context(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Copy Temporal's per-record context (workflow id, run id, ...) to top-level keys."""
    record = event_dict.get("_record")
    if record is None:
        return event_dict
    for attribute, keys in _TEMPORAL_CONTEXT_KEYS.items():
        event_dict.pop(attribute, None)
        context = getattr(record, attribute, None)
        if not isinstance(context, dict):
            continue
        for key in keys:
            if key in context:
                flat_key = "run_id" if key == "workflow_run_id" else key
                event_dict.setdefault(flat_key, context[key])
    return event_dict


def drop_color_message(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Drop uvicorn's ``color_message`` extra: the same text with terminal escape codes."""
    event_dict.pop("color_message", None)
    return event_dict


def _renderer(fmt: Literal["auto", "json", "console"]) -> Processor:
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    if use_json:
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer()


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def build_formatter(fmt: Literal["auto", "json", "console"] = "auto") -> logging.Formatter:
    """The stdlib formatter that renders structlog and foreign (Temporal) records alike."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *_shared_processors(),
            structlog.stdlib.ExtraAdder(),
            drop_color_message,
            lift_temporal_context,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(fmt),
        ],
    )


def configure_logging(
    level: str = "INFO", fmt: Literal["auto", "json", "console"] = "auto"
) -> None:
    """Route structlog and stdlib logging (including Temporal's) to one formatted stream."""
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # The context is lifted into fields, so it need not be appended to each message too.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(build_formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The embedded outbox's SMTP server logs every connection's every step at INFO.
    logging.getLogger("mail.log").setLevel(max(logging.WARNING, root.level))
