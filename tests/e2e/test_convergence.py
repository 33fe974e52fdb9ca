"""Every faulty run converges to the clean run's published state.

`newsdive demo` runs once cleanly, then under injected faults, side by side. Seeds 101 and 202 inject every fault
kind (duplicates, reordered and split batches, processes dying after a write, visibility timeouts lapsing in
flight, stream records delivered again) at the aggregate and publish stages, and DynamoDB/S3 throttling and 5xx
plus duplicate deliveries everywhere. Two more runs change the order in which articles reach the aggregator: seed
808 with faults at every stage, and a fault-free run with 3 workers per stage. Online assignment depends on that
order; re-clustering in canonical order (newsdive.aggregate.recluster) once the run has drained, then settling, makes
the stories and the documents a function of the articles alone. Every run's documents must be byte-identical to the
clean run's, each article published exactly once, and its DLQs must hold exactly the clean run's dead letters: the
genuinely bad input, with its reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER_KEPT = [101, 202]  # faults that keep the order articles reach the aggregator in
RUNS = {  # name -> extra arguments
    "clean": [],
    **{f"seed-{seed}": ["--chaos", str(seed), "--chaos-rate", "0.3", "--chaos-stages", "aggregate,publish"]
       for seed in ORDER_KEPT},
    "seed-808": ["--chaos", "808", "--chaos-rate", "0.3"],
    "workers-3": ["--workers", "3"],
}
ORDER_CHANGED = ["seed-808", "workers-3"]
REORDERING_SEED = "seed-808"  # one worker, so the same reordering every time: it changes online decisions
FAULTY = [name for name in RUNS if name != "clean"]
KINDS_RETRIED_BY_THE_SDK = {"throttle", "server-error"}
KINDS_THAT_REDELIVER = {"duplicate", "reorder", "split", "visibility", "crash", "exhausted", "stream-duplicate"}

pytestmark = pytest.mark.e2e


def _start(out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "newsdive_tools.cli", "demo", "--out", str(out / "docs"), "--log",
               str(out / "run.log"), "--json", "-q", *extra]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every run, side by side (separate processes, separate moto servers)."""
    base = tmp_path_factory.mktemp("convergence")
    started = {name: _start(base / name, *extra) for name, extra in RUNS.items()}
    results = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=900)
        assert process.returncode == 0, f"{name}: {stderr[-3000:]}"
        summary = json.loads(stdout.strip().splitlines()[-1])
        docs = base / name / "docs"
        files = {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}
        results[name] = (summary, files)
    return results


def _articles(files: dict[str, bytes]) -> list[str]:
    return sorted(s["url"] for key, body in files.items() if key.startswith("deep-dives/")
                  for s in json.loads(body)["sources"])


def _dead_letters(summary: dict) -> list[tuple[str, str, str | None, bool | None]]:
    return sorted((queue, m["subject"], m["error"], m["permanent"])
                  for queue, messages in summary["dead_letter_messages"].items() for m in messages)


def _differing(runs, name: str) -> list[str]:
    _, clean = runs["clean"]
    _, faulty = runs[name]
    return sorted(k for k in clean.keys() | faulty.keys() if clean.get(k) != faulty.get(k))


@pytest.mark.parametrize("name", [f"seed-{seed}" for seed in ORDER_KEPT])
def test_faulty_run_publishes_byte_identical_documents(runs, name):
    assert _differing(runs, name) == []


@pytest.mark.parametrize("name", ORDER_CHANGED)
def test_a_run_that_reorders_the_articles_publishes_byte_identical_documents(runs, name):
    assert _differing(runs, name) == []


def test_the_reordered_runs_really_built_other_stories_before_reclustering(runs):
    """Re-clustering had work to do: online, the seeded reordering built other stories than the clean run (how
    many threads reorder depends on scheduling, so only the seeded run is held to it)."""
    clean, _ = runs["clean"]
    assert clean["recluster"]["articles"] == 55 and clean["recluster"]["conflicts"] == 0
    assert clean["recluster"]["moved"] == 0 and clean["recluster"]["stories_before"] == 21
    reordered, _ = runs[REORDERING_SEED]
    assert reordered["recluster"]["moved"] > 0  # 7 with seed 808 (seed 606 moved none once the Ukrainian outlets came)
    assert reordered["recluster"]["stories_after"] == 21


@pytest.mark.parametrize("name", FAULTY)
def test_every_article_is_published_exactly_once(runs, name):
    _, clean = runs["clean"]
    _, faulty = runs[name]
    assert _articles(faulty) == _articles(clean)
    assert len(set(_articles(clean))) == len(_articles(clean))


@pytest.mark.parametrize("name", FAULTY)
def test_dlqs_hold_only_the_genuinely_bad_input_with_its_reason(runs, name):
    clean, _ = runs["clean"]
    faulty, _ = runs[name]
    expected = _dead_letters(clean)
    assert expected == [("ParseQueue", expected[0][1], "NoArticleError", True)]  # the sample web's photo gallery
    assert _dead_letters(faulty) == expected
    assert all(m["reason"] for messages in faulty["dead_letter_messages"].values() for m in messages)


@pytest.mark.parametrize("name", [n for n in FAULTY if n.startswith("seed-")])
def test_faults_were_really_injected_and_retried(runs, name):
    summary, _ = runs[name]
    injected = summary["chaos"]["injected"]
    assert summary["chaos"]["seed"] == int(name.split("-")[1])
    assert sum(injected.get(k, 0) for k in KINDS_RETRIED_BY_THE_SDK) > 0
    assert sum(injected.get(k, 0) for k in KINDS_THAT_REDELIVER) > 0
    assert summary["retries"]["sdk"] >= sum(injected.get(k, 0) for k in KINDS_RETRIED_BY_THE_SDK)


def test_a_clean_run_injects_nothing(runs):
    summary, _ = runs["clean"]
    assert summary["chaos"] is None and summary["retries"]["sdk"] == 0
