"""`newsdive bench coldstart`: import time of each function's handler module, in fresh interpreters.

Cold start counts: each handler must import only what its stage needs. The peer measured in the same run is a
bare `import boto3` (what any Python Lambda that talks to AWS pays), so the ratio says how much newsdive adds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess  # noqa: S404 - runs this interpreter on the handlers, with a fixed argument list
import sys
from pathlib import Path

from newsdive.bench import positive_int

FUNCTIONS = ("schedule", "scrape", "parse", "aggregate", "publish")
_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",  # noqa: S105 - dummy
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "newsdive",
    "SOURCES_BUCKET": "bucket", "SCRAPE_QUEUE_URL": "q", "CRAWL_TABLE": "t", "RAW_BUCKET": "bucket",
    "IDEMPOTENCY_TABLE": "t", "AGGREGATE_QUEUE_URL": "q", "STORIES_TABLE": "t", "INDEX_TABLE": "t",
    "PUBLIC_BUCKET": "bucket",
}
_TIMER = (
    "import time, importlib.util, sys; t = time.perf_counter(); {body}; "
    "print((time.perf_counter() - t) * 1000)"
)


def _handler_body(path: Path) -> str:
    return (f"spec = importlib.util.spec_from_file_location('handler', {str(path)!r}); "
            "m = importlib.util.module_from_spec(spec); sys.modules['handler'] = m; spec.loader.exec_module(m)")


def _measure(body: str, runs: int) -> float:
    env = {**os.environ, **_ENV}
    env.pop("AWS_ENDPOINT_URL", None)
    times = []
    for _ in range(runs):
        command = [sys.executable, "-c", _TIMER.format(body=body)]  # our own code, no outside input
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # noqa: S603
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsdive bench coldstart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=positive_int, default=5,
                        help="fresh interpreters per module (median is reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    from newsdive.paths import project_root

    root = project_root() / "functions"
    peer = _measure("import boto3", args.runs)
    results = {name: _measure(_handler_body(root / name / "handler.py"), args.runs) for name in FUNCTIONS}
    if args.json:
        print(json.dumps({"runs": args.runs, "peer_import_boto3_ms": round(peer, 1),
                          "handlers_ms": {k: round(v, 1) for k, v in results.items()},
                          "ratio_vs_boto3": {k: round(v / peer, 2) for k, v in results.items()}}, sort_keys=True))
        return 0
    print(f"import time, median of {args.runs} fresh interpreters (ms)")
    print(f"{'module':<22}{'ms':>8}{'x boto3':>10}")
    print(f"{'peer: import boto3':<22}{peer:>8.0f}{1.0:>10.2f}")
    for name, ms in results.items():
        print(f"{'functions/' + name:<22}{ms:>8.0f}{ms / peer:>10.2f}")
    return 0
