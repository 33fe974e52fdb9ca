"""Fault injection and request accounting for the local run (`newsdive run --chaos SEED`, the load bench).

Two places inject faults, both local-run only (never imported by a Lambda handler):
- the event pump (pump.py) asks `Chaos` whether to duplicate, reorder, split, expire or crash a delivery;
- botocore itself: `Instrumentation` adds handlers to every botocore session created while it is installed
  (the handlers' cached clients and Powertools' own), which answer some DynamoDB and S3 calls with the error
  responses AWS sends when it throttles or fails (ProvisionedThroughputExceededException, ThrottlingException,
  InternalServerError, SlowDown, InternalError). The SDK's own retry logic then decides what happens: a short
  burst is retried away, a burst longer than the retry budget fails the call, and the adapter fails the record.
  The same handlers count every AWS request by function, service and operation (the bench's requests/article).

Faults happen only inside a handler invocation, never to the pump's own calls (they play Lambda's pollers).
Every decision comes from one `random.Random(seed)`: with one worker the same seed makes the same decisions at
the same opportunities. Faults that make a record fail are budgeted (a message or stream record is harmed at
most once, on its first delivery), so a good input always has deliveries left before its DLQ: what ends in a DLQ
is what fails on every delivery.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsdive_tools.local.metering import Requests, capacity_units

KINDS = (
    "duplicate",  # a batch delivered twice (at-least-once delivery)
    "reorder",  # a batch's records shuffled, and batches merged and re-cut
    "split",  # a batch cut into smaller invocations
    "visibility",  # a message's visibility timeout expires while it is in flight: delivered again at once
    "crash",  # the handler's process dies right after one of its writes (nothing cleans up)
    "throttle",  # DynamoDB/S3 throttling answers, retried by the SDK
    "server-error",  # DynamoDB/S3 5xx answers, retried by the SDK
    "exhausted",  # a throttling burst longer than the SDK's retries: the call fails, the record fails
    "stream-duplicate",  # stream records delivered again (the checkpoint goes back)
)
WRITE_OPERATIONS = frozenset({
    "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
    "PutObject", "DeleteObject", "DeleteObjects", "CopyObject", "SendMessage", "SendMessageBatch",
})
_DYNAMODB_ERRORS = (
    (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
     "The level of configured provisioned throughput for the table was exceeded.", "throttle"),
    (400, "com.amazon.coral.availability#ThrottlingException", "Rate of requests exceeds the allowed throughput.",
     "throttle"),
    (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error", "server-error"),
)
_S3_ERRORS = (
    (503, "SlowDown", "Please reduce your request rate.", "throttle"),
    (500, "InternalError", "We encountered an internal error. Please try again.", "server-error"),
)
SDK_RETRIES = 6  # storage/clients.py: standard retry mode, max_attempts=6 (botocore counts retries there)
SDK_MAX_ATTEMPTS = SDK_RETRIES + 1
# How often each kind strikes at an opportunity, relative to the run's rate (--chaos-rate).
WEIGHTS = {"reorder": 1.0, "split": 1.0, "visibility": 0.5, "duplicate": 0.5, "crash": 0.25, "exhausted": 0.25,
           "throttle": 0.15, "stream-duplicate": 0.5}


class ChaosCrash(BaseException):  # noqa: N818 - a process death, not an error a handler may catch
    """The function's process died (out of memory, timeout, a host failure): not an Exception, so neither the
    batch processor nor Powertools Idempotency can catch it and clean up, exactly as when Lambda kills a process."""


@dataclass
class Plan:
    """What happens to one handler invocation."""

    crash_after_write: int | None = None  # die right after this many successful writes
    exhaust_call: int | None = None  # the n-th eligible storage call fails through all its retries


@dataclass
class _Invocation:
    function: str
    plan: Plan
    writes: int = 0
    eligible_calls: int = 0
    exhausted: bool = False


@dataclass
class _Call:
    service: str
    operation: str
    function: str
    params: dict[str, Any] = field(default_factory=dict)
    inject: list[tuple[int, str, str, str]] = field(default_factory=list)  # queued error responses
    attempts: int = 0


class Chaos:
    """The seeded decisions of one chaotic run, and what was injected."""

    def __init__(self, seed: int, rate: float = 0.2, *, protected_tables: Sequence[str] = (),
                 weights: dict[str, float] | None = None, stages: Sequence[str] | None = None) -> None:
        if not 0 <= rate <= 1:
            raise ValueError("chaos rate must be between 0 and 1")
        self.seed = seed
        self.rate = rate
        self.weights = {**WEIGHTS, **(weights or {})}
        # Where deliveries may be reordered, split, expired or killed (None: every stage). SDK-level throttling
        # and duplicate deliveries strike everywhere: they never change the order work gets done in.
        self.stages = set(stages) if stages is not None else None
        self.protected_tables = set(protected_tables)
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not secrets
        self._lock = threading.Lock()
        self._harmed: set[str] = set()

    def applies(self, stage: str) -> bool:
        """Whether order-changing faults strike this stage's deliveries."""
        return self.stages is None or stage in self.stages

    # --- decisions (thread-safe) -------------------------------------------------------------------
    def chance(self, kind: str) -> bool:
        with self._lock:
            return self._random.random() < self.rate * self.weights.get(kind, 1.0)

    def randint(self, low: int, high: int) -> int:
        with self._lock:
            return self._random.randint(low, high)

    def shuffled(self, items: Sequence[Any]) -> list[Any]:
        out = list(items)
        with self._lock:
            self._random.shuffle(out)
        return out

    def count(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self.injected[kind] += n

    def may_harm(self, keys: Sequence[str]) -> bool:
        """True when none of these deliveries was made to fail by chaos before (one harm each, at most)."""
        with self._lock:
            return bool(keys) and not any(k in self._harmed for k in keys)

    def harm(self, keys: Sequence[str]) -> None:
        with self._lock:
            self._harmed.update(keys)

    def plan(self, keys: Sequence[str], *, first_delivery: bool) -> Plan:
        """Crash or exhausted-retries for an invocation over these records, within their harm budget."""
        if not first_delivery or not self.may_harm(keys):
            return Plan()
        if self.chance("crash"):
            return Plan(crash_after_write=self.randint(1, 4))
        if self.chance("exhausted"):
            return Plan(exhaust_call=self.randint(1, 6))
        return Plan()

    def storage_errors(self, service: str, operation: str, params: dict[str, Any],
                       invocation: _Invocation) -> list[tuple[int, str, str, str]]:
        """The error answers (status, code, message, kind) to give this call before letting it through."""
        if service not in ("dynamodb", "s3"):
            return []
        table = params.get("TableName") or next(iter(params.get("RequestItems") or {}), None)
        protected = service == "dynamodb" and table in self.protected_tables
        choices = _DYNAMODB_ERRORS if service == "dynamodb" else _S3_ERRORS
        if not protected:
            invocation.eligible_calls += 1
            if invocation.plan.exhaust_call == invocation.eligible_calls and not invocation.exhausted:
                invocation.exhausted = True
                self.count("exhausted")
                with self._lock:
                    throttles = choices[:2] if service == "dynamodb" else choices[:1]
                    status, code, message, _ = self._random.choice(throttles)
                return [(status, code, message, "exhausted")] * SDK_MAX_ATTEMPTS
        if not self.chance("throttle"):
            return []
        # One error answer: the SDK retries it. (Two in a row would cost botocore's retry quota 10 tokens and give
        # back 5 on success, so sustained throttling would drain the quota and stop retries: that is "exhausted".)
        with self._lock:
            return [self._random.choice(choices)]


class _ErrorBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kw: Any) -> Iterator[bytes]:
        yield self._body


def error_response(service: str, url: str, status: int, code: str, message: str) -> Any:
    """The HTTP answer AWS gives for an error, as botocore receives it (so its parsers and retry rules apply)."""
    from botocore.awsrequest import AWSResponse

    if service == "dynamodb":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "chaos"}
    else:
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                "<RequestId>chaos</RequestId></Error>").encode()
        headers = {"Content-Type": "application/xml", "x-amz-request-id": "chaos"}
    return AWSResponse(url, status, headers, _ErrorBody(body))


class _ScaledTime:
    """Stands in for the `time` module inside botocore.endpoint: its retry back-off sleeps `factor` times shorter.
    The retry decisions stay botocore's own; a local run just does not wait seconds for them."""

    def __init__(self, factor: float) -> None:
        self._factor = factor

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds / self._factor)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class Instrumentation:
    """botocore event handlers for the local run: count requests, and (with a `Chaos`) inject storage errors."""

    def __init__(self, chaos: Chaos | None = None, *, backoff_factor: float = 50.0) -> None:
        self.chaos = chaos
        self.requests = Requests()
        self.backoff_factor = backoff_factor
        self._local = threading.local()
        self._installed = False
        self._saved_time: Any = None

    # --- the pump marks handler invocations ------------------------------------------------------------
    @contextlib.contextmanager
    def invocation(self, function: str, plan: Plan | None = None) -> Iterator[_Invocation]:
        current = _Invocation(function=function, plan=plan or Plan())
        self._local.invocation = current
        try:
            yield current
        finally:
            self._local.invocation = None

    # --- installation --------------------------------------------------------------------------------
    def install(self) -> None:
        """From now on every new botocore session (hence client) carries our handlers."""
        import botocore.endpoint
        from botocore import handlers

        if self._installed:
            return
        handlers.BUILTIN_HANDLERS.extend(self._specs())
        if self.chaos is not None and self.backoff_factor != 1:
            self._saved_time = botocore.endpoint.time
            botocore.endpoint.time = _ScaledTime(self.backoff_factor)
        self._installed = True

    def uninstall(self) -> None:
        import botocore.endpoint
        from botocore import handlers

        if not self._installed:
            return
        for spec in self._specs():
            with contextlib.suppress(ValueError):
                handlers.BUILTIN_HANDLERS.remove(spec)
        if self._saved_time is not None:
            botocore.endpoint.time = self._saved_time
            self._saved_time = None
        self._installed = False

    def __enter__(self) -> Instrumentation:
        self.install()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def _specs(self) -> list[tuple[str, Any]]:
        # before-parameter-build: once per call, with the API parameters (before-call only sees the serialised
        # request); before-send: once per HTTP attempt; after-call: once the call has its answer.
        return [("before-parameter-build", self._before_call), ("before-send", self._before_send),
                ("after-call", self._after_call)]

    # --- botocore handlers -----------------------------------------------------------------------------
    def _before_call(self, params: dict[str, Any], model: Any, event_name: str, **_kw: Any) -> None:
        invocation: _Invocation | None = getattr(self._local, "invocation", None)
        if invocation is None:
            self._local.call = None
            return
        service = event_name.split(".")[1]
        operation = model.name
        if service == "sqs" and str(params.get("QueueUrl", "")).endswith(".fifo"):
            operation += "(fifo)"  # priced apart
        call = _Call(service=service, operation=operation, function=invocation.function, params=params)
        with self.requests.lock:
            self.requests.calls[(invocation.function, service, operation)] += 1
        if self.chaos is not None:
            call.inject = self.chaos.storage_errors(service, model.name, params, invocation)
        self._local.call = call

    def _before_send(self, request: Any, event_name: str, **_kw: Any) -> Any:
        call: _Call | None = getattr(self._local, "call", None)
        if call is None:
            return None
        call.attempts += 1
        with self.requests.lock:
            self.requests.attempts[(call.function, call.service, call.operation)] += 1
        if call.inject and self.chaos is not None:
            status, code, message, kind = call.inject.pop(0)
            if kind != "exhausted":
                self.chaos.count(kind)
            return error_response(call.service, request.url, status, code, message)
        return None

    def _after_call(self, http_response: Any, model: Any, parsed: Any = None, **_kw: Any) -> None:
        invocation: _Invocation | None = getattr(self._local, "invocation", None)
        call: _Call | None = getattr(self._local, "call", None)
        self._local.call = None
        if call is not None and call.service == "dynamodb" and isinstance(parsed, dict):
            try:
                size = len(getattr(http_response, "content", b"") or b"")
                kind, units = capacity_units(model.name, call.params, parsed, response_bytes=size)
            except Exception:  # noqa: BLE001 - accounting must never fail the call it watches
                kind, units = "rru", 0.0
            if units:
                with self.requests.lock:
                    self.requests.capacity[kind] += units
                    if invocation is not None:
                        self.requests.capacity_by_function[(invocation.function, kind)] += units
            if kind == "wru" and http_response is not None and http_response.status_code < 300:
                with self.requests.lock:
                    try:
                        index_units = self.requests.index_writes.units(model.name, call.params)
                    except Exception:  # noqa: BLE001 - accounting must never fail the call it watches
                        index_units = 0.0
                    if index_units:
                        self.requests.capacity["wru_index"] += index_units
                        if invocation is not None:
                            self.requests.capacity_by_function[(invocation.function, "wru_index")] += index_units
        if invocation is None or self.chaos is None or model.name not in WRITE_OPERATIONS:
            return
        if http_response is None or http_response.status_code >= 300:
            return
        invocation.writes += 1
        if invocation.plan.crash_after_write == invocation.writes:
            invocation.plan.crash_after_write = None
            self.chaos.count("crash")
            raise ChaosCrash(f"chaos: {invocation.function} died after write {invocation.writes} ({model.name})")
