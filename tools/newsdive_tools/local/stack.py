"""Deploy infra/template.yaml into a moto server, the way `sam package` + `sam deploy` would on AWS.

moto has no SAM transform, runs no Lambda code and skips parts of CloudFormation, so this module:
translates SAM to CloudFormation offline (samtranslator), uploads zipped code to a staging bucket, drops the
event source mappings (without Docker moto would burn every message; the local pump polls instead, using the
triggers read from the template's `Events`), creates the stack, then applies by API what moto's CloudFormation
ignores or does not know (bucket notifications/CORS/lifecycle/public access block, table TTL, queue and
bucket policies, alarms, schedules, asynchronous invocation settings), all read from the same template: there is
no second copy of the infrastructure.

Local-run only: never imported by a Lambda handler, and it never imports moto (the caller starts the server).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "LocalFunction",
    "LocalStack",
    "QueueTrigger",
    "ScheduleTrigger",
    "StackDeployError",
    "StreamTrigger",
]

DEFAULT_STACK_NAME = "newsdive-local"


class StackDeployError(RuntimeError):
    """The template could not be deployed into the moto server (the message names the resource and reason)."""


# ----------------------------------------------------------------------------------------------------
# What the local event pump consumes


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS event source of a function, as the SAM template declares it."""

    queue_logical_id: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_failures: bool
    visibility_timeout: int = 30
    max_receive_count: int | None = None
    dead_letter_queue_url: str | None = None
    maximum_batching_window_seconds: int = 0
    maximum_concurrency: int | None = None


@dataclass(frozen=True)
class StreamTrigger:
    """A DynamoDB stream event source of a function, as the SAM template declares it."""

    table_logical_id: str
    table_name: str
    stream_arn: str
    batch_size: int
    max_retries: int  # -1 = retry until the record expires (Lambda's default)
    bisect: bool
    report_failures: bool
    on_failure_queue_url: str | None
    starting_position: str
    maximum_record_age_seconds: int = -1
    on_failure_queue_logical_id: str | None = None


@dataclass(frozen=True)
class ScheduleTrigger:
    """A schedule (EventBridge rule or Scheduler) that invokes a function."""

    expression: str
    enabled: bool = True


Trigger = QueueTrigger | StreamTrigger | ScheduleTrigger


@dataclass(frozen=True)
class LocalFunction:
    """One function of the stack: where its code is, how to call it, with what environment and triggers."""

    name: str
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    triggers: tuple[Trigger, ...]
    physical_name: str = ""
    timeout: int = 3
    memory_size: int = 128


@dataclass(frozen=True)
class LocalStack:
    """The deployed stack: physical ids, outputs, functions and queues by logical id."""

    endpoint_url: str
    region: str
    stack_name: str
    resources: dict[str, str]
    outputs: dict[str, str]
    functions: dict[str, LocalFunction]  # keyed by short name: "scrape"
    queues: dict[str, str]
    dead_letter_queues: dict[str, str]
    tables: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    account_id: str = ""


def save_stack(stack: LocalStack, path: Path) -> None:
    """Write what another process needs to call this stack's functions (`newsdive invoke --endpoint-url`):
    endpoint, ids and each function's resolved environment. Triggers are left out: only the kept run polls."""
    data = {k: v for k, v in stack.__dict__.items() if k != "functions"}
    data["functions"] = {
        name: {k: (str(v) if isinstance(v, Path) else v) for k, v in f.__dict__.items() if k != "triggers"}
        for name, f in stack.functions.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_stack(path: Path) -> LocalStack:
    """A stack saved by `save_stack` (its functions have no triggers)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    functions = {name: LocalFunction(**{**f, "code_dir": Path(f["code_dir"]), "triggers": ()})
                 for name, f in data.pop("functions").items()}
    return LocalStack(functions=functions, **data)
