"""`newsdive bench coldstart`: each function's cold start as Lambda pays it, against a bare `import boto3`.

What Lambda does, reproduced here: Python 3.12 (the runtime's version), a fresh interpreter per container, the
built layer on the path before the runtime's boto3 (Lambda's order: /var/task, /opt/python, then the runtime),
and no bytecode but what the layer ships (the layer is read-only on Lambda, so nothing compiled at run time is
kept: every interpreter here runs with -B, on a handler file without a __pycache__).

  * init: importing the handler module (settings validated, clients created), median of --runs interpreters;
  * first record: one cold container per function handles the first event the local pipeline gives it (the
    sample web on moto: the tick, a scrape batch, a parse batch, an aggregate batch, a publish batch), the lazy
    imports of the first record counted (feedparser, the extractor, word frequencies, VADER ...). Its peak memory
    (VmHWM, else ru_maxrss) is printed too: the template's MemorySize is sized from it.
  * peer: `import boto3` in the same kind of interpreter, the floor of any Python Lambda that talks to AWS;
  * peer: an empty handler built the house way (`FLOOR_HANDLER`: Powertools Logger, Metrics and BatchProcessor,
    boto3 and one client, one pydantic model) on one SQS record, in --runs cold containers: what any of our
    handlers pays before its own work, so that the goal can be read against what the stack itself costs here.

The layer is built for this machine from the same lock and Makefile as `sam build` (shared/Makefile, with
LAYER_PLATFORM for this machine's wheels), or taken from --layer DIR (a built layer's root, holding python/).
The runtime's boto3 is installed once under .newsdive/coldstart/runtime (precompiled, as in the runtime image).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess  # noqa: S404 - runs Python 3.12 and make on fixed argument lists of our own
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsdive_tools.bench import positive_int

FUNCTIONS = ("schedule", "scrape", "parse", "aggregate", "publish")
GOAL_MS = 400  # init + first record, per handler
_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x",
    "AWS_SECRET_ACCESS_KEY": "x",  # noqa: S105 - dummy
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "newsdive", "NEWSDIVE_TRACER": "off",
    "SOURCES_BUCKET": "bucket", "SCRAPE_QUEUE_URL": "q", "CRAWL_TABLE": "t", "RAW_BUCKET": "bucket",
    "IDEMPOTENCY_TABLE": "t", "AGGREGATE_QUEUE_URL": "q", "STORIES_TABLE": "t", "INDEX_TABLE": "t",
    "PUBLIC_BUCKET": "bucket", "STATUS_BUCKET": "bucket",
}

# Runs in the Python 3.12 interpreter: argv = [task dir, layer site, runtime dir, mode, out file, event file].
# Imports nothing before the timer starts but what the runtime has loaded itself (sys, time).
_PROBE = r"""
import sys, time
t0, c0 = time.perf_counter(), time.process_time()
task, layer, runtime, mode, out = sys.argv[1:6]
profiled = mode.endswith("+profile")
mode = mode.removesuffix("+profile")
if profiled:
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
sys.path[:0] = [task, layer, runtime]
first = first_cpu = None
if mode == "boto3":
    import boto3
    init, init_cpu = time.perf_counter() - t0, time.process_time() - c0
else:
    import importlib.util
    spec = importlib.util.spec_from_file_location("handler", task + "/handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["handler"] = module
    spec.loader.exec_module(module)
    init, init_cpu = time.perf_counter() - t0, time.process_time() - c0
    result = None
    if mode == "first":
        import json
        waits = []
        event = json.load(open(sys.argv[6], encoding="utf-8"))
        attributes = json.loads(sys.argv[7])
        deadline = time.monotonic() + attributes.pop("timeout_seconds")
        context = type("Context", (), {**attributes, "get_remaining_time_in_millis":
                                       lambda self: int((deadline - time.monotonic()) * 1000)})()
        t1, c1 = time.perf_counter(), time.process_time()
        import botocore.httpsession  # what the first AWS call imports anyway: counted in the first record
        send, waits = botocore.httpsession.URLLib3Session.send, []
        def timed_send(self, request):
            started = time.perf_counter()
            try:
                return send(self, request)
            finally:
                waits.append(time.perf_counter() - started)
        botocore.httpsession.URLLib3Session.send = timed_send
        result = module.lambda_handler(event, context)
        first, first_cpu = time.perf_counter() - t1, time.process_time() - c1
if profiled:
    profiler.disable()
    profiler.dump_stats(out + ".prof")
import json, resource
# the peak of this interpreter's own memory: Linux's ru_maxrss keeps the high-water mark of the process before its
# exec, the bench's, which grows with every pipeline run; VmHWM is this image's alone
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:
    with open("/proc/self/status", encoding="ascii") as status:
        peak_mb = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration, ValueError):
    pass
with open(out, "w", encoding="utf-8") as f:
    json.dump({"init_ms": init * 1000, "first_ms": None if first is None else first * 1000,
               "init_cpu_ms": init_cpu * 1000, "first_cpu_ms": None if first_cpu is None else first_cpu * 1000,
               "result": None if mode != "first" else result,
               "aws_calls": len(waits) if mode == "first" else 0,
               "aws_ms": sum(waits) * 1000 if mode == "first" else 0.0,
               "maxrss_mb": peak_mb,
               "modules": len(sys.modules)}, f)
"""


# The second peer: the least a handler built the house way costs before any work of its own (Powertools Logger,
# Metrics and BatchProcessor, imported before pydantic as the handlers do; boto3 and one client; one pydantic model
# validating each record's body), run like a handler on one SQS record that it validates and otherwise ignores.
FLOOR_HANDLER = """\
import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

import pydantic

logger, metrics = Logger(service="floor"), Metrics(namespace="newsdive", service="floor")
SQS = boto3.session.Session().client("sqs")


class Body(pydantic.BaseModel):
    key: str


def record_handler(record):
    return Body.model_validate_json(record.body)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=BatchProcessor(event_type=EventType.SQS), context=context)
"""
FLOOR_EVENT = {"Records": [{
    "messageId": "m-1", "receiptHandle": "r-1", "body": "{\"key\": \"raw/example.org/1.html\"}",
    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000", "SenderId": "x",
                   "ApproximateFirstReceiveTimestamp": "1700000000000"},
    "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:floor", "awsRegion": "us-east-1"}]}


class ColdStartError(RuntimeError):
    """Something the bench needs is missing (the message says what)."""


def find_python312(root: Path) -> str:
    """A Python 3.12 interpreter: scripts/python312.sh finds or installs one, or says what is missing."""
    tools_uv = root / ".venv-tools" / "bin" / "uv"
    env = {**os.environ, **({"UV": str(tools_uv)} if tools_uv.is_file() else {})}
    found = subprocess.run([str(root / "scripts" / "python312.sh")], capture_output=True, text=True, env=env,  # noqa: S603
                           check=False, timeout=900)
    if found.returncode != 0:
        raise ColdStartError(found.stderr.strip())
    return found.stdout.strip()


def _uv(root: Path) -> str:
    uv = root / ".venv-tools" / "bin" / "uv"
    if uv.is_file():
        return str(uv)
    if shutil.which("uv"):
        return str(shutil.which("uv"))
    raise ColdStartError("uv is missing: `make .venv-tools/.uv-stamp` installs it into .venv-tools")


def build_layer(root: Path, python312: str, target: Path) -> Path:
    """The layer as `sam build` makes it (shared/Makefile), with this machine's wheels; returns its python/."""
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(
        platform.machine().lower())
    if machine is None:
        raise ColdStartError(f"no manylinux wheels for this machine ({platform.machine()}): pass --layer DIR")
    make = shutil.which("make")
    if make is None:
        raise ColdStartError("make is missing (the layer is built by shared/Makefile): pass --layer DIR")
    subprocess.run([make, "--no-print-directory", "-s", "-C", str(root / "shared"), "build-SharedLayer",  # noqa: S603
                    f"ARTIFACTS_DIR={target}", f"LAYER_PLATFORM={machine}-manylinux2014",
                    f"PYTHON312={python312}", f"UV={_uv(root)}", "TRACER=off"],
                   check=True, timeout=900, capture_output=True)
    return target / "python"


def runtime_boto3(root: Path, python312: str) -> Path:
    """boto3 as the runtime image has it (compiled), installed once under .newsdive/coldstart/runtime."""
    target = root / ".newsdive" / "coldstart" / "runtime"
    if not (target / "boto3").is_dir():
        subprocess.run([_uv(root), "pip", "install", "--quiet", "--target", str(target), "--python", python312,  # noqa: S603
                        "--compile-bytecode", "boto3"], check=True, timeout=900, capture_output=True)
    return target


class _Probe:
    def __init__(self, python312: str, layer: Path, runtime: Path, work: Path) -> None:
        self.python312, self.layer, self.runtime, self.work = python312, layer, runtime, work
        self.tasks: dict[str, Path] = {}

    def task(self, name: str) -> Path:
        """functions/<name>/ as Lambda's /var/task: the handler alone, no __pycache__."""
        if name not in self.tasks:
            from newsdive_tools.paths import project_root

            task = self.work / "task" / name
            task.mkdir(parents=True, exist_ok=True)
            if name == "floor":
                (task / "handler.py").write_text(FLOOR_HANDLER, encoding="utf-8")
            else:
                shutil.copy2(project_root() / "functions" / name / "handler.py", task / "handler.py")
            self.tasks[name] = task
        return self.tasks[name]

    def run(self, mode: str, name: str, env: dict[str, str], *extra: str, profile: bool = False) -> dict[str, Any]:
        """One fresh interpreter. With `profile`, under cProfile and `-X importtime` (its times are then inflated):
        the report gains `profile`, the top cumulative imports and calls."""
        out = self.work / f"{name}-{mode}-{time.monotonic_ns()}.json"
        task = str(self.task(name)) if name != "boto3" else str(self.work)
        command = [self.python312, "-I", "-B", *(["-X", "importtime"] if profile else []), "-c", _PROBE, task,
                   str(self.layer), str(self.runtime), mode + ("+profile" if profile else ""), str(out), *extra]
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=600)  # noqa: S603
        if result.returncode != 0 or not out.is_file():
            raise ColdStartError(f"{name} ({mode}) failed in Python 3.12:\n{result.stderr[-3000:]}")
        report = json.loads(out.read_text(encoding="utf-8"))
        if profile:
            report["profile"] = {"imports": top_imports(result.stderr), "calls": top_calls(Path(f"{out}.prof"))}
        return report


PROFILE_TOP = 15


def top_imports(importtime: str, *, top: int = PROFILE_TOP) -> list[dict[str, Any]]:
    """The modules whose import cost most, cumulative (their own imports included), from `-X importtime`'s lines
    (`import time: self [us] | cumulative | imported package`); a module nested under one listed is listed too,
    with its depth, so that the list reads as where the time went."""
    imports: list[dict[str, Any]] = []
    for line in importtime.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        own, cumulative, package = line.removeprefix("import time:").split("|", 2)
        name = package.rstrip()
        depth = (len(name) - len(name.lstrip(" "))) // 2
        imports.append({"module": name.strip(), "depth": depth, "cumulative_ms": round(int(cumulative) / 1000, 1),
                        "self_ms": round(int(own) / 1000, 1)})
    return sorted(imports, key=lambda i: -i["cumulative_ms"])[:top]


def top_calls(stats_file: Path, *, top: int = PROFILE_TOP) -> list[dict[str, Any]]:
    """The functions with the largest cumulative time in a cProfile dump, the import machinery and the probe's
    own frames left out (the imports are listed apart). A chain of wrappers that pass the same time down (the
    handler's decorators, the batch processor) shows as its innermost function only: of consecutive functions
    within 2% of each other's cumulative time, the last is kept."""
    import pstats

    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    calls = []
    for (file, line, function), (_, ncalls, _own, cumulative, _) in stats.items():
        if file.startswith(("<frozen", "<string>")) or function in (
                "<module>", "<built-in method builtins.exec>", "<built-in method builtins.__import__>"):
            continue
        where = f"{file}:{line}({function})" if file != "~" else function
        calls.append({"function": _short(where), "calls": ncalls, "cumulative_ms": round(cumulative * 1000, 1)})
    kept: list[dict[str, Any]] = []
    for call in sorted(calls, key=lambda c: -c["cumulative_ms"]):
        if kept and call["cumulative_ms"] >= 0.98 * kept[-1]["cumulative_ms"]:
            kept[-1] = call
        else:
            kept.append(call)
        if len(kept) > top:
            break
    return kept[:top]


def _short(where: str) -> str:
    for marker in ("/site-packages/", "/coldstart/runtime/", "/python/", "/lib/python3.12/"):
        if marker in where:
            return where.split(marker, 1)[1]
    return where


def _isolated_env(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ", "TMPDIR")}
    return {**keep, **_ENV, **extra}


def cold_pump(probe: _Probe, measured: dict[str, dict[str, Any]], failures: dict[str, str], *,
              profile: bool = False) -> type:
    """An EventPump whose first invocation of each function runs in a cold Python 3.12 container (the probe) on
    the first record alone; every other invocation, and the batch's other records, run as the pump runs them."""
    from newsdive_tools.local.event_shapes import LocalContext
    from newsdive_tools.local.pump import EventPump

    class ColdPump(EventPump):
        def _invoke(self, name: str, event: dict[str, Any], *, worker: int, plan: Any = None,
                    stage: str | None = None) -> Any:
            if name in measured or name not in FUNCTIONS or stage is not None:  # a stage is a scheduled job
                return super()._invoke(name, event, worker=worker, plan=plan, stage=stage)
            if _is_test_event(event):  # S3's s3:TestEvent when the notification is set up: not a record
                return super()._invoke(name, event, worker=worker, plan=plan, stage=stage)
            function = self.stack.functions[name]
            records = event.get("Records")
            rest = None
            if isinstance(records, list) and len(records) > 1:  # the cold container gets the first record only
                event, rest = {**event, "Records": records[:1]}, {**event, "Records": records[1:]}
            event_file = probe.work / f"{name}-event.json"
            event_file.write_text(json.dumps(event), encoding="utf-8")
            context = LocalContext(function_name=f"newsdive-{name}", region=self.stack.region,
                                   memory_limit_in_mb=function.memory_size, timeout_seconds=function.timeout)
            attributes = {k: getattr(context, k) for k in (
                "function_name", "memory_limit_in_mb", "aws_request_id", "log_group_name", "log_stream_name",
                "function_version", "invoked_function_arn", "timeout_seconds")}
            env = _isolated_env({**{k: v for k, v in os.environ.items() if k.startswith("AWS_")},
                                 **function.environment, "POWERTOOLS_LOG_LEVEL": "ERROR"})
            try:
                measured[name] = probe.run("first", name, env, str(event_file), json.dumps(attributes),
                                           profile=profile)
            except ColdStartError as exc:  # the pump would count it as a failed invocation and carry on
                failures[name] = str(exc)
                raise
            result = measured[name]["result"]
            if rest is None:
                return result
            others = super()._invoke(name, rest, worker=worker, plan=plan) or {}
            return {"batchItemFailures": [*(result or {}).get("batchItemFailures", []),
                                          *others.get("batchItemFailures", [])]}

    return ColdPump


def floor(probe: _Probe, runs: int) -> dict[str, float]:
    """The second peer (`FLOOR_HANDLER`) in `runs` cold containers: the median container's figures (by CPU time)."""
    event = probe.work / "floor-event.json"
    event.write_text(json.dumps(FLOOR_EVENT), encoding="utf-8")
    context = {"function_name": "newsdive-floor", "memory_limit_in_mb": 512, "aws_request_id": "r-1",
               "log_group_name": "/aws/lambda/newsdive-floor", "log_stream_name": "s", "function_version": "$LATEST",
               "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:newsdive-floor",
               "timeout_seconds": 30}
    env = _isolated_env({"POWERTOOLS_LOG_LEVEL": "ERROR"})
    # a record that fails raises (Powertools' BatchProcessingError when all of a batch's records fail): never timed
    containers = [probe.run("first", "floor", env, str(event), json.dumps(context)) for _ in range(runs)]
    c = median_container(containers)
    return {"init_ms": round(c["init_ms"], 1), "init_cpu_ms": round(c["init_cpu_ms"], 1),
            "first_record_cpu_ms": round(c["first_cpu_ms"], 1),
            "init_plus_first_cpu_ms": round(c["init_cpu_ms"] + c["first_cpu_ms"], 1),
            "max_rss_mb": round(c["maxrss_mb"], 1)}


def first_records(probe: _Probe, *, profile: bool = False) -> dict[str, dict[str, Any]]:
    """Run the local pipeline on the sample web; the first invocation of each function is a cold container in
    Python 3.12 (its result goes back to the pump, so the pipeline carries on as on AWS)."""
    from datetime import UTC, datetime

    from newsdive_tools.local.runner import function_logs_to, local_stack, upload_sources
    from newsdive_tools.local.sample_server import SampleWebServer
    from newsdive_tools.paths import sample_web

    measured: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    ColdPump = cold_pump(probe, measured, failures, profile=profile)  # noqa: N806 - a class

    sites = sample_web() / "sites"
    with contextlib.ExitStack() as stack_ctx:
        stack_ctx.enter_context(function_logs_to(stack_ctx.enter_context(open(os.devnull, "w"))))  # noqa: SIM115
        server = stack_ctx.enter_context(SampleWebServer(sites))
        env = {"FETCH_ALLOW_HOSTS": server.address, "FETCH_HOST_MAP": server.host_map(),
               "FETCH_HOST_INTERVAL_SECONDS": "0"}
        stack, session = stack_ctx.enter_context(local_stack(env_overrides=env))
        pump = ColdPump(stack, session=session)
        upload_sources(stack, session, sample_web() / "sources.json")
        pump.tick(datetime.now(UTC))
        pump.drain()
    if failures:
        raise ColdStartError("\n".join(failures.values()))
    missing = set(FUNCTIONS) - set(measured)
    if missing:
        raise ColdStartError(f"the sample pipeline never invoked {sorted(missing)}")
    return measured


def _is_test_event(event: dict[str, Any]) -> bool:
    return any("s3:TestEvent" in str(record.get("body", "")) for record in event.get("Records") or [])


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="newsdive-coldstart-") as work:
        yield Path(work)


def _median(reports: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(r[key] for r in reports), 1)


def median_container(containers: list[dict[str, Any]]) -> dict[str, Any]:
    """Of several cold containers' reports for one function, the one whose CPU time (init + first record) is the
    median (the lower one of an even count): every figure of a row then comes from one container."""
    ranked = sorted(containers, key=lambda c: c["init_cpu_ms"] + c["first_cpu_ms"])
    return ranked[(len(ranked) - 1) // 2]


def measure(*, runs: int, layer: Path | None, python312: str | None, first: bool = True,
            profile: bool = False, first_runs: int = 1) -> dict[str, Any]:
    """The figures, wall and process CPU time (ms): CPU time counts this process's work only, so it varies less
    than wall time on a shared machine. The sample pipeline runs `first_runs` times (a cold container per function
    each time; the median one is reported). With `profile`, each function's top imports and calls (the cold first
    records run under the profiler then, their own figures inflated; with first=False one more init is run)."""
    from newsdive_tools.paths import project_root

    root = project_root()
    python312 = python312 or find_python312(root)
    with _workdir() as work:
        site = layer / "python" if layer is not None else build_layer(root, python312, work / "layer")
        if not site.is_dir():
            raise ColdStartError(f"{site} is missing: --layer takes a built layer's root (holding python/)")
        probe = _Probe(python312, site, runtime_boto3(root, python312), work)
        env = _isolated_env({})
        peer = [probe.run("boto3", "boto3", env) for _ in range(runs)]
        floor_figures = floor(probe, runs)
        init = {name: [probe.run("init", name, env) for _ in range(runs)] for name in FUNCTIONS}
        pipelines = [first_records(probe, profile=profile) for _ in range(first_runs if first else 0)]
        cold = {name: median_container([p[name] for p in pipelines]) for name in FUNCTIONS} if pipelines else {}
        profiles = {name: cold[name]["profile"] for name in cold if "profile" in cold[name]}
        if profile and not first:
            profiles = {name: probe.run("init", name, env, profile=True)["profile"] for name in FUNCTIONS}
        version = subprocess.run([python312, "-c", "import sys; print(sys.version.split()[0])"],  # noqa: S603
                                 capture_output=True, text=True, check=True).stdout.strip()

    def first_figures(c: dict[str, Any]) -> dict[str, Any]:
        return {"cold_init_ms": round(c["init_ms"], 1), "cold_init_cpu_ms": round(c["init_cpu_ms"], 1),
                "first_record_ms": round(c["first_ms"], 1), "first_record_cpu_ms": round(c["first_cpu_ms"], 1),
                "first_record_aws_calls": c["aws_calls"], "first_record_aws_ms": round(c["aws_ms"], 1),
                "first_record_own_ms": round(c["first_ms"] - c["aws_ms"], 1),
                "init_plus_first_own_ms": round(c["init_ms"] + c["first_ms"] - c["aws_ms"], 1),
                "init_plus_first_ms": round(c["init_ms"] + c["first_ms"], 1),
                "init_plus_first_cpu_ms": round(c["init_cpu_ms"] + c["first_cpu_ms"], 1),
                "max_rss_mb": round(c["maxrss_mb"], 1)}

    return {"runs": runs, "first_runs": first_runs if first else 0, "python": version,
            "layer": "given" if layer is not None else "built for this machine",
            "peer_import_boto3_ms": _median(peer, "init_ms"), "peer_import_boto3_cpu_ms": _median(peer, "init_cpu_ms"),
            "peer_floor": floor_figures,
            "handlers": {name: {"init_ms": _median(init[name], "init_ms"),
                                "init_cpu_ms": _median(init[name], "init_cpu_ms"),
                                **(first_figures(cold[name]) if name in cold else {}),
                                **({"profile": profiles[name]} if name in profiles else {})}
                         for name in FUNCTIONS},
            "profiled": profile, "goal_init_plus_first_ms": GOAL_MS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsdive bench coldstart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=positive_int, default=5,
                        help="fresh interpreters per import measurement (median is reported)")
    parser.add_argument("--layer", type=Path, help="a built layer's root (e.g. .aws-sam/build/SharedLayer); "
                                                   "default: build one for this machine with shared/Makefile")
    parser.add_argument("--python", help="the Python 3.12 to use (default: scripts/python312.sh finds one)")
    parser.add_argument("--init-only", action="store_true", help="skip the first records (no local pipeline)")
    parser.add_argument("--first-runs", type=positive_int, default=1,
                        help="runs of the sample pipeline, a cold container per function each (the median "
                             "container, by CPU time, is reported; about 40 s a run)")
    parser.add_argument("--profile", action="store_true",
                        help="print each function's top cumulative imports (-X importtime) and calls (cProfile); "
                             "the cold first records then run under the profiler (their figures inflated)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        report = measure(runs=args.runs, layer=args.layer, python312=args.python, first=not args.init_only,
                         profile=args.profile, first_runs=args.first_runs)
    except (ColdStartError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"newsdive bench coldstart: {exc}\n{detail}".rstrip(), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, sort_keys=True))
        return 0
    print_report(report)
    return 0


def print_report(report: dict[str, Any]) -> None:
    peer, peer_cpu = report["peer_import_boto3_ms"], report["peer_import_boto3_cpu_ms"]
    print(f"cold start on Python {report['python']}, layer {report['layer']}, no .pyc but the layer's (ms)")
    print(f"init: median of {report['runs']} fresh interpreters. A cold container per function then handles the "
          f"first record the sample pipeline gives it (the median of {report['first_runs']} pipeline runs);")
    print("'own' leaves out the time spent waiting on the local AWS (moto) server, listed apart (calls/ms);")
    print("'cpu': the process's CPU time (less noisy than wall time on a shared machine); 'total cpu' = cold init + "
          "first record, the figure the goal is checked on.")
    if report["profiled"]:
        print("PROFILED: the cold containers ran under cProfile and -X importtime; their figures are inflated.")
    print(f"{'':<20}{'init':>7}{'x boto3':>8}{'init cpu':>9}{'cold init':>10}{'1st rec own':>12}"
          f"{'AWS calls/ms':>14}{'total own':>10}{'1st cpu':>8}{'total cpu':>10}{'peak MB':>8}")
    print(f"{'peer: import boto3':<20}{peer:>7.0f}{1.0:>8.2f}{peer_cpu:>9.0f}")
    fl = report["peer_floor"]
    print(f"{'peer: empty handler':<20}{fl['init_ms']:>7.0f}{fl['init_ms'] / peer:>8.2f}{fl['init_cpu_ms']:>9.0f}"
          f"{'':>10}{'':>12}{'0/0':>14}{'':>10}{fl['first_record_cpu_ms']:>8.0f}{fl['init_plus_first_cpu_ms']:>10.0f}"
          f"{fl['max_rss_mb']:>8.0f}" + (f"  over {GOAL_MS}" if fl["init_plus_first_cpu_ms"] > GOAL_MS else ""))
    for name, figures in report["handlers"].items():
        line = (f"{'functions/' + name:<20}{figures['init_ms']:>7.0f}{figures['init_ms'] / peer:>8.2f}"
                f"{figures['init_cpu_ms']:>9.0f}")
        if "first_record_ms" in figures:
            calls = f"{figures['first_record_aws_calls']}/{figures['first_record_aws_ms']:.0f}"
            line += (f"{figures['cold_init_ms']:>10.0f}{figures['first_record_own_ms']:>12.0f}{calls:>14}"
                     f"{figures['init_plus_first_own_ms']:>10.0f}{figures['first_record_cpu_ms']:>8.0f}"
                     f"{figures['init_plus_first_cpu_ms']:>10.0f}{figures['max_rss_mb']:>8.0f}")
            if figures["init_plus_first_cpu_ms"] > GOAL_MS:
                line += f"  over {GOAL_MS}"
        print(line)
    for name, figures in report["handlers"].items():
        if "profile" not in figures:
            continue
        print(f"\nfunctions/{name}: top imports (cumulative ms, own ms; indented under the module importing them)")
        for item in figures["profile"]["imports"]:
            print(f"  {item['cumulative_ms']:>8.1f} {item['self_ms']:>7.1f}  {'  ' * item['depth']}{item['module']}")
        print(f"functions/{name}: top calls outside the import machinery (cumulative ms, calls)")
        for item in figures["profile"]["calls"]:
            print(f"  {item['cumulative_ms']:>8.1f} {item['calls']:>7}  {item['function']}")
