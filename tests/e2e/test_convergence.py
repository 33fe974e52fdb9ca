"""Every faulty run converges to the clean run's published state.

`newsdive demo` runs once cleanly and then under injected faults from several seeds (duplicates, reordered and
split batches, processes dying after a write, DynamoDB/S3 throttling and 5xx, visibility timeouts lapsing in
flight, stream records delivered again), one of them with several workers per stage. Each faulty run must
publish byte-identical documents, and its DLQs must hold exactly the clean run's dead letters: the genuinely bad
input, with the reason it failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [(101, 1), (202, 1), (303, 3)]  # (seed, workers)
KINDS_RETRIED_BY_THE_SDK = {"throttle", "server-error"}
KINDS_THAT_REDELIVER = {"duplicate", "reorder", "split", "visibility", "crash", "exhausted", "stream-duplicate"}

pytestmark = pytest.mark.e2e


def _start(out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "newsdive.cli", "demo", "--out", str(out / "docs"), "--log",
               str(out / "run.log"), "--json", "-q", *extra]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The clean run and the faulty runs, side by side (separate processes, separate moto servers)."""
    base = tmp_path_factory.mktemp("convergence")
    started = {"clean": _start(base / "clean")}
    for seed, workers in SEEDS:
        started[f"seed-{seed}"] = _start(base / f"seed-{seed}", "--chaos", str(seed), "--chaos-rate", "0.3",
                                         "--workers", str(workers))
    results = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=900)
        assert process.returncode == 0, f"{name}: {stderr[-3000:]}"
        summary = json.loads(stdout.strip().splitlines()[-1])
        docs = base / name.replace("seed-", "seed-") / "docs"
        files = {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}
        results[name] = (summary, files)
    return results


def _dead_letters(summary: dict) -> list[tuple[str, str, str | None, bool | None]]:
    return sorted((queue, m["subject"], m["error"], m["permanent"])
                  for queue, messages in summary["dead_letter_messages"].items() for m in messages)


@pytest.mark.parametrize("seed", [s for s, _ in SEEDS])
def test_faulty_run_publishes_byte_identical_documents(runs, seed):
    _, clean = runs["clean"]
    _, faulty = runs[f"seed-{seed}"]
    assert sorted(faulty) == sorted(clean)
    differing = sorted(key for key in clean if faulty[key] != clean[key])
    assert differing == []


@pytest.mark.parametrize("seed", [s for s, _ in SEEDS])
def test_dlqs_hold_only_the_genuinely_bad_input_with_its_reason(runs, seed):
    clean, _ = runs["clean"]
    faulty, _ = runs[f"seed-{seed}"]
    expected = _dead_letters(clean)
    assert expected == [("ParseQueue", expected[0][1], "NoArticleError", True)]  # the sample web's photo gallery
    assert _dead_letters(faulty) == expected
    assert all(m["reason"] for messages in faulty["dead_letter_messages"].values() for m in messages)


@pytest.mark.parametrize("seed", [s for s, _ in SEEDS])
def test_faults_were_really_injected_and_retried(runs, seed):
    summary, _ = runs[f"seed-{seed}"]
    injected = summary["chaos"]["injected"]
    assert summary["chaos"]["seed"] == seed
    assert sum(injected.get(k, 0) for k in KINDS_RETRIED_BY_THE_SDK) > 0
    assert sum(injected.get(k, 0) for k in KINDS_THAT_REDELIVER) > 0
    assert summary["retries"]["sdk"] >= sum(injected.get(k, 0) for k in KINDS_RETRIED_BY_THE_SDK)


def test_a_clean_run_injects_nothing(runs):
    summary, _ = runs["clean"]
    assert summary["chaos"] is None and summary["retries"]["sdk"] == 0
