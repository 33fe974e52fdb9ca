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
from typing import Any

from newsdive.local.events import patched_environ
from newsdive.paths import template_path

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
    replayed_events: int = 0
    replay_changed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        dlq = ", ".join(f"{k} {v}" for k, v in self.dead_letters.items() if v) or "none"
        stages = " · ".join(f"{k} {v['records']}" + (f" ({v['failed']} failed)" if v["failed"] else "")
                            for k, v in self.stages.items())
        return [
            f"stories:     {self.stories}",
            f"articles:    {self.articles}",
            f"outlets:     {self.outlets}",
            f"blindspots:  {self.blindspots}",
            f"documents:   {self.documents} written to {self.out}",
            f"records:     {stages}",
            f"dead-letter: {dlq}",
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
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - our own loopback server

    try:
        reset()
        yield endpoint
    finally:
        reset()
        server.stop()


@contextlib.contextmanager
def local_stack(*, env_overrides: dict[str, str] | None = None, parameters: dict[str, str] | None = None) -> Iterator[Any]:
    """moto server + deployed stack + process environment pointing at it, as one context."""
    import boto3

    from newsdive import wiring
    from newsdive.local.stack import deploy_stack

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
    from newsdive.local.sample_server import SampleWebServer
    from newsdive.sources import load_sources

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
        stack, session = stack_ctx.enter_context(local_stack(env_overrides=env))
        progress(f"stack deployed on moto at {stack.endpoint_url} ({len(stack.resources)} resources)")
        log_file = options.log_file
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            log_stream = stack_ctx.enter_context(open(log_file, "w", encoding="utf-8"))  # noqa: SIM115
            stack_ctx.enter_context(contextlib.redirect_stdout(log_stream))
        pump = _pump(stack, session, progress)
        upload_sources(stack, session, options.sources)
        pump.tick(options.clock or datetime.now(UTC))
        report = pump.drain()
        replayed, changed = 0, []
        if options.replay:
            progress(f"replaying {len(pump.journal)} events")
            before = public_digests(stack, session)
            replayed = pump.replay()
            after = public_digests(stack, session)
            changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
            report = pump.report
        documents = download_public(stack, session, options.out)
    summary = _summarise(options.out, documents, report, time.monotonic() - started, log_file)
    summary.replayed_events, summary.replay_changed = replayed, changed
    return summary


def _pump(stack: Any, session: Any, progress: Any) -> Any:
    from newsdive.local.pump import EventPump

    return EventPump(stack, session=session, progress=progress)


def upload_sources(stack: Any, session: Any, sources: Path) -> None:
    function = stack.functions["schedule"]
    s3 = session.client("s3", endpoint_url=stack.endpoint_url, region_name=stack.region)
    s3.put_object(Bucket=function.environment["SOURCES_BUCKET"], Key=function.environment["SOURCES_KEY"],
                  Body=sources.read_bytes(), ContentType="application/json")


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
