"""The local run: moto server + the stack from infra/template.yaml + the event pump, end to end.

Used by `newsdive demo` (bundled sample web) and `newsdive run` (any sources file).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsdive_tools.local.event_shapes import patched_environ
from newsdive_tools.paths import template_path

if TYPE_CHECKING:
    from newsdive_tools.local.pump import EventPump

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's dummy credentials
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "newsdive",
}


LOCAL_BASE_URL = "http://127.0.0.1:8000"


@dataclass
class RunOptions:
    sources: Path
    out: Path
    allow_hosts: list[str] = field(default_factory=list)
    host_map: list[str] = field(default_factory=list)
    sites: Path | None = None  # serve this folder of sites locally (the sample web)
    log_file: Path | None = None
    clock: datetime | None = None
    replay: bool = False  # deliver every event twice (idempotency check)
    quiet: bool = False
    host_interval: float | None = None  # FETCH_HOST_INTERVAL_SECONDS for this run (None: the template's)
    chaos_seed: int | None = None  # inject faults, reproducibly from this seed (local/chaos.py)
    chaos_rate: float = 0.2
    chaos_stages: list[str] | None = None  # stages whose deliveries chaos may reorder, split or kill (None: all)
    workers: int = 1  # concurrent pollers (Lambda containers) per queue stage
    keep: bool = False  # keep the moto server and stack up after the run (for `newsdive dlq ...`)
    count_requests: bool = False  # count AWS requests per function/service/operation (the load bench)
    parameters: dict[str, str] = field(default_factory=dict)  # template parameters (those the template has)


@dataclass
class RunSummary:
    stories: int
    articles: int
    outlets: int
    blindspots: int
    documents: int
    seconds: float
    dead_letters: dict[str, int]
    stages: dict[str, dict[str, int]]
    out: str
    log_file: str | None
    requests: dict[str, dict[str, int]] = field(default_factory=dict)  # function -> "service.Operation" -> calls
    capacity: dict[str, float] = field(default_factory=dict)  # DynamoDB capacity units, estimated (wru, rru)
    capacity_by_function: dict[str, dict[str, float]] = field(default_factory=dict)  # the same, per function/stage
    durations: dict[str, list[float]] = field(default_factory=dict)  # function -> seconds per invocation
    # request id -> seconds of every invocation: joined with the functions' log lines (function_request_id), it
    # tells which records' work the time was (the real-web bench's seconds per language)
    request_seconds: dict[str, float] = field(default_factory=dict)
    replayed_events: int = 0
    replay_changed: list[str] = field(default_factory=list)
    sources_health: dict[str, Any] = field(default_factory=dict)  # health.run_health: status counts, per source
    chaos: dict[str, Any] | None = None  # seed, rate, injected faults by kind
    recluster: dict[str, Any] | None = None  # what re-clustering after the drain changed (newsdive.aggregate.recluster)
    retries: dict[str, Any] = field(default_factory=dict)  # SDK retries, redeliveries by stage
    dead_letter_messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # queue -> id, reason
    workers: int = 1
    endpoint_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (per-invocation durations as p50/p95 per stage, not every sample)."""
        import statistics

        out = {k: v for k, v in self.__dict__.items() if k not in ("durations", "request_seconds")}
        out["stage_seconds"] = {
            name: {"invocations": len(d), "p50": round(statistics.median(d), 4),
                   "p95": round(sorted(d)[max(0, round(0.95 * len(d)) - 1)], 4)}
            for name, d in sorted(self.durations.items()) if d
        }
        return out

    def lines(self) -> list[str]:
        dlq = ", ".join(f"{k} {v}" for k, v in self.dead_letters.items() if v) or "none"
        reasons = [f"             {queue} {m['message_id']}: {m.get('reason') or 'no reason logged'}"
                   for queue, messages in self.dead_letter_messages.items() for m in messages]
        chaos = []
        if self.chaos is not None:
            injected = ", ".join(f"{k} {v}" for k, v in sorted(self.chaos["injected"].items()) if v) or "nothing"
            redelivered = ", ".join(f"{k} {v}" for k, v in self.retries.get("redelivered", {}).items() if v) or "none"
            chaos = [f"chaos:       seed {self.chaos['seed']}, rate {self.chaos['rate']}: {injected}",
                     f"retries:     SDK {self.retries.get('sdk', 0)} · redelivered {redelivered}"]
        stages = " · ".join(f"{k} {v['records']}" + (f" ({v['failed']} failed)" if v["failed"] else "")
                            for k, v in self.stages.items() if v["records"])
        return [
            f"stories:     {self.stories}",
            f"articles:    {self.articles}",
            f"outlets:     {self.outlets}",
            f"blindspots:  {self.blindspots}",
            f"documents:   {self.documents} written to {self.out}",
            f"records:     {stages}",
            f"dead-letter: {dlq}",
            *([f"sources:     {self.sources_health['line']}"] if self.sources_health else []),
            *reasons,
            *chaos,
            f"seconds:     {self.seconds:.1f}",
        ] + ([f"replay:      {self.replayed_events} events delivered again, "
              f"{len(self.replay_changed)} documents changed"] if self.replayed_events else []) + (
            [f"logs:        {self.log_file}"] if self.log_file else [])


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port; yields its endpoint URL."""
    import logging
    import urllib.request

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the terminal
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    def reset() -> None:  # moto keeps its state per process, shared by every server it starts
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - loopback
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - our own loopback server

    try:
        reset()
        yield endpoint
    finally:
        reset()
        server.stop()


@contextlib.contextmanager
def local_stack(*, env_overrides: dict[str, str] | None = None,
                parameters: dict[str, str] | None = None) -> Iterator[Any]:
    """moto server + deployed stack + process environment pointing at it, as one context."""
    import boto3

    from newsdive.runtime import wiring
    from newsdive_tools.local.deploy import deploy_stack

    with moto_server() as endpoint, patched_environ({**DUMMY_ENV, "AWS_ENDPOINT_URL": endpoint}):
        session = boto3.session.Session()
        stack = deploy_stack(endpoint_url=endpoint, template_path=template_path(), region=DUMMY_ENV["AWS_REGION"],
                             parameters=parameters, env_overrides=env_overrides, session=session)
        # Each function sees only its own environment: the pump swaps it in around every invocation.
        wiring.reset()
        try:
            yield stack, session
        finally:
            wiring.reset()


def run(options: RunOptions) -> RunSummary:
    """Run the whole pipeline once over a sources file and copy the published documents to `options.out`."""
    from newsdive_tools.local.chaos import Chaos, Instrumentation
    from newsdive_tools.local.pump import EventPump
    from newsdive_tools.local.sample_server import SampleWebServer
    from newsdive_tools.sources_file import load_sources

    started = time.monotonic()
    sources = load_sources(options.sources)
    progress = _progress_printer(options.quiet)
    progress(f"{len(sources)} sources from {options.sources}")
    with contextlib.ExitStack() as stack_ctx:
        allow_hosts = list(options.allow_hosts)
        host_map = list(options.host_map)
        if options.sites is not None:
            server = stack_ctx.enter_context(SampleWebServer(options.sites))
            allow_hosts.append(server.address)
            host_map.append(server.host_map())
            progress(f"sample web: {len(server.hosts())} sites on http://{server.address}")
        env = {"FETCH_ALLOW_HOSTS": ",".join(allow_hosts), "FETCH_HOST_MAP": ",".join(h for h in host_map if h)}
        if options.host_interval is not None:
            env["FETCH_HOST_INTERVAL_SECONDS"] = str(options.host_interval)
        # A fixed base URL (where `newsdive serve` serves ./out by default) rather than the fake CloudFront
        # domain moto makes up per deployment: the documents' links are then the same on every run.
        parameters = _known_parameters({"PublicBaseUrl": LOCAL_BASE_URL, **options.parameters})
        stack, session = stack_ctx.enter_context(local_stack(env_overrides=env, parameters=parameters))
        progress(f"stack deployed on moto at {stack.endpoint_url} ({len(stack.resources)} resources)")
        chaos = None
        if options.chaos_seed is not None:
            chaos = Chaos(options.chaos_seed, options.chaos_rate, stages=options.chaos_stages,
                          protected_tables=[stack.tables.get("IdempotencyTable", "")])
            progress(f"chaos: seed {options.chaos_seed}, rate {options.chaos_rate}")
        instrumentation = None
        if chaos is not None or options.count_requests:
            # before any handler runs: every client the functions create from now on carries the hooks
            instrumentation = stack_ctx.enter_context(Instrumentation(chaos))
            instrumentation.requests.index_writes.tables.update(_table_indexes(stack, session))
        log_file = options.log_file
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            log_stream = stack_ctx.enter_context(open(log_file, "w", encoding="utf-8"))  # noqa: SIM115
            stack_ctx.enter_context(function_logs_to(log_stream))
        pump = EventPump(stack, session=session, progress=progress, workers=options.workers, chaos=chaos,
                         instrumentation=instrumentation)
        upload_sources(stack, session, options.sources)
        pump.tick(options.clock or datetime.now(UTC))
        pump.drain()
        report, reclustered = _settle(pump)
        replayed, changed = 0, []
        if options.replay:
            progress(f"replaying {len(pump.journal)} events")
            before = public_digests(stack, session)
            replayed = pump.replay()
            _settle(pump)
            after = public_digests(stack, session)
            changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
            report = pump.report
        documents = download_public(stack, session, options.out)
        if log_file is not None:
            sys.stdout.flush()
        dead = _dead_letter_messages(stack, session, log_file)
        summary = _summarise(options.out, documents, report, time.monotonic() - started, log_file)
        from newsdive_tools.health import run_health

        summary.sources_health = run_health(stack, session, sources, log_file)
        summary.replayed_events, summary.replay_changed = replayed, changed
        summary.recluster = reclustered
        summary.dead_letter_messages, summary.workers, summary.endpoint_url = dead, options.workers, stack.endpoint_url
        summary.retries = {
            "sdk": instrumentation.requests.retries() if instrumentation else 0,
            "redelivered": {k: v.redelivered for k, v in report.stages.items()},
        }
        if chaos is not None:
            summary.chaos = {"seed": chaos.seed, "rate": chaos.rate, "injected": dict(sorted(chaos.injected.items())),
                             "stages": sorted(chaos.stages) if chaos.stages is not None else "all"}
        if instrumentation is not None:
            summary.requests = _requests(instrumentation, pump)
            summary.capacity = dict(instrumentation.requests.capacity)
            by_function: dict[str, dict[str, float]] = {}
            for (function, kind), units in instrumentation.requests.capacity_by_function.items():
                by_function.setdefault(function, {})[kind] = units
            summary.capacity_by_function = by_function
        summary.durations = {k: list(v.durations) for k, v in report.stages.items()}
        summary.request_seconds = {r: s for v in report.stages.values() for r, s in v.request_seconds.items()}
        if options.keep:
            from newsdive_tools.local.stack import save_stack

            save_stack(stack, KEPT_STACK_FILE)
            _wait_for_interrupt(stack, summary, options.quiet)
    return summary


def _table_indexes(stack: Any, session: Any) -> dict[str, Any]:
    """Each table's global secondary indexes, for the index writes the request accounting adds (outside any
    invocation, so this is not counted itself)."""
    from newsdive_tools.local.metering import TableIndexes

    client = session.client("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    return {name: TableIndexes.from_description(client.describe_table(TableName=name)["Table"])
            for name in stack.tables.values()}


def _settle(pump: EventPump) -> tuple[Any, dict | None]:
    """Once drained, as the deployed schedules do: re-cluster the stories in canonical order
    (newsdive.aggregate.recluster),
    let publish render what that changed, then settle the published documents (newsdive.publish.settle). The stories,
    then the documents, become a function of the set of articles, whatever order they arrived in."""
    reclustered = None
    if "aggregate" in pump.stack.functions:
        from newsdive.aggregate.recluster import RECLUSTER_EVENT_SOURCE

        event = {"version": "0", "id": "recluster", "detail-type": "Scheduled Event", "source": RECLUSTER_EVENT_SOURCE,
                 "account": "123456789012", "time": "1970-01-01T00:00:00Z", "region": pump.stack.region,
                 "resources": [], "detail": {"depth": 1_000_000}}
        for attempt in range(1, 6):  # EventBridge Scheduler retries a failed invocation
            try:
                reclustered = pump.invoke("aggregate", event, stage="recluster")
                break
            except Exception as exc:  # noqa: BLE001 - reported, then retried like the schedule would
                pump.progress(f"aggregate: re-clustering failed (attempt {attempt}): {type(exc).__name__}: {exc}")
    report = pump.drain()
    pump.settle()
    return report, reclustered


FUNCTION_SERVICES = ("schedule", "scrape", "parse", "aggregate", "publish")


@contextlib.contextmanager
def function_logs_to(stream: Any) -> Iterator[None]:
    """The functions' JSON logs and EMF metrics into `stream`: standard output is redirected, and the loggers an
    earlier run in this process created (Powertools binds a logger's stream once) are pointed there too."""
    import logging

    def handlers() -> list[logging.StreamHandler]:
        return [h for service in FUNCTION_SERVICES for h in logging.getLogger(service).handlers
                if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]

    def point(handler: logging.StreamHandler, target: Any) -> None:
        if getattr(handler.stream, "closed", False):  # e.g. a finished test's captured output: nothing to flush
            handler.stream = target
        else:
            handler.setStream(target)

    for handler in handlers():
        point(handler, stream)
    try:
        with contextlib.redirect_stdout(stream):
            yield
    finally:
        for handler in handlers():  # also those created meanwhile: the stream may be closed after this
            if handler.stream is stream:
                point(handler, sys.stdout)


def _known_parameters(values: dict[str, str]) -> dict[str, str]:
    """The given template parameters that the template declares (others would fail the deployment)."""
    from newsdive_tools.local.template import load_template

    declared = load_template(template_path()).get("Parameters") or {}
    return {k: v for k, v in values.items() if k in declared}


def _dead_letter_messages(stack: Any, session: Any, log_file: Path | None) -> dict[str, list[dict[str, Any]]]:
    """Every dead letter with the reason its function logged last for it (from the run's log)."""
    from newsdive_tools.dlq import failure_reasons, peek

    sqs = session.client("sqs", endpoint_url=stack.endpoint_url, region_name=stack.region)
    reasons = failure_reasons(log_file.read_text(encoding="utf-8").splitlines()) if log_file else {}
    out: dict[str, list[dict[str, Any]]] = {}
    for owner, url in sorted(stack.dead_letter_queues.items()):
        messages = [m.as_dict(reasons) for m in peek(sqs, url)]
        if messages:
            out[owner] = messages
    return out


def _requests(instrumentation: Any, pump: Any) -> dict[str, Any]:
    calls: dict[str, dict[str, int]] = {}
    for (function, service, operation), n in sorted(instrumentation.requests.calls.items()):
        calls.setdefault(function, {})[f"{service}.{operation}"] = n
    calls["event-source-mappings"] = dict(sorted(pump.esm_requests.items()))
    return calls


KEPT_STACK_FILE = Path(".newsdive/kept-stack.json")  # written by `--keep`, read by `newsdive invoke --endpoint-url`


def _wait_for_interrupt(stack: Any, summary: Any, quiet: bool) -> None:
    """`--keep`: leave the moto server (and the stack in it) up until Ctrl-C, for `newsdive dlq ...`."""
    print("\n".join(summary.lines()), file=sys.stderr)
    print(f"\nstack kept on {stack.endpoint_url} (stack {stack.stack_name}); Ctrl-C stops it. For example:\n"
          f"  newsdive dlq list --endpoint-url {stack.endpoint_url}\n"
          f"  newsdive dlq show parse --endpoint-url {stack.endpoint_url} --log {summary.log_file or ''}\n"
          f"  newsdive invoke aggregate --event events/aggregate_recluster.json --endpoint-url {stack.endpoint_url}",
          file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


def upload_sources(stack: Any, session: Any, sources: Path) -> None:
    """Validate the sources file (JSON or YAML) and upload it as the JSON the schedule function reads."""
    from newsdive.model.sources import dump_sources
    from newsdive_tools.sources_file import load_sources

    function = stack.functions["schedule"]
    s3 = session.client("s3", endpoint_url=stack.endpoint_url, region_name=stack.region)
    s3.put_object(Bucket=function.environment["SOURCES_BUCKET"], Key=function.environment["SOURCES_KEY"],
                  Body=dump_sources(load_sources(sources)), ContentType="application/json")


def public_digests(stack: Any, session: Any) -> dict[str, str]:
    """Key -> SHA-256 of every object in the public bucket."""
    import hashlib

    s3 = session.client("s3", endpoint_url=stack.endpoint_url, region_name=stack.region)
    bucket = stack.functions["publish"].environment["PUBLIC_BUCKET"]
    digests = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            digests[obj["Key"]] = hashlib.sha256(body).hexdigest()
    return digests


def download_public(stack: Any, session: Any, out: Path) -> list[str]:
    """Copy every object of the public bucket into `out` (same keys as paths)."""
    s3 = session.client("s3", endpoint_url=stack.endpoint_url, region_name=stack.region)
    bucket = stack.functions["publish"].environment["PUBLIC_BUCKET"]
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
    out.mkdir(parents=True, exist_ok=True)
    for key in sorted(keys):
        target = (out / key).resolve()
        if out.resolve() not in target.parents:
            continue  # a key that would escape the folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    stale = out / "deep-dives"  # an earlier run's deep dives in the same folder would look published
    if stale.is_dir():
        for path in stale.glob("*.json"):
            if f"deep-dives/{path.name}" not in keys:
                path.unlink()
    return sorted(keys)


def _summarise(out: Path, documents: list[str], report: Any, seconds: float, log_file: Path | None) -> RunSummary:
    stories = articles = 0
    outlets: set[str] = set()
    for key in documents:
        if key.startswith("deep-dives/"):
            doc = json.loads((out / key).read_text(encoding="utf-8"))
            stories += 1
            articles += doc["article_count"]
            outlets.update(s["outlet_id"] for s in doc["sources"])
    blindspots = 0
    if "index/blindspots.json" in documents:
        blindspots = len(json.loads((out / "index/blindspots.json").read_text(encoding="utf-8"))["items"])
    return RunSummary(
        stories=stories, articles=articles, outlets=len(outlets), blindspots=blindspots, documents=len(documents),
        seconds=seconds, dead_letters=dict(report.dead_letters),
        stages={k: {"records": v.records, "failed": v.failed} for k, v in report.stages.items()},
        out=str(out), log_file=str(log_file) if log_file else None,
    )


def _progress_printer(quiet: bool) -> Any:
    interactive = sys.stderr.isatty()
    last = [0.0]

    def progress(message: str) -> None:
        if quiet:
            return
        now = time.monotonic()
        if interactive:
            sys.stderr.write(f"\r\033[K{message[:150]}")
            if "·" not in message:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif "·" not in message or now - last[0] > 2:
            last[0] = now
            print(message, file=sys.stderr, flush=True)

    return progress
