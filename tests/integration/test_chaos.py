"""The event pump under faults, against the stack on a moto server: each fault alone, then the DLQ tooling.

The fixture site (tests/fixtures/site) has two articles of one story and a photo gallery without an article,
which fails on every delivery and belongs in the parse DLQ.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdive.model.story import story_from_doc
from newsdive_tools.local.chaos import KINDS, Chaos, Instrumentation

TICK = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
ONLY = {kind: 0.0 for kind in KINDS}

pytestmark = pytest.mark.filterwarnings(
    # A process killed before its handler added a metric flushes none; Powertools warns about that.
    "ignore:No application metrics to publish:UserWarning")


def _chaotic_pump(local, chaos: Chaos, **kwargs):
    from newsdive.runtime import wiring
    from newsdive_tools.local.pump import EventPump

    instrumentation = Instrumentation(chaos)
    instrumentation.install()
    wiring.reset()  # clients made from now on carry the fault hooks
    pump = EventPump(local.stack, session=local.session, chaos=chaos, instrumentation=instrumentation, **kwargs)
    return pump, instrumentation


def _run(local, pump) -> dict[str, bytes]:
    local.upload_sources()
    pump.tick(TICK)
    pump.drain()
    pump.settle()
    return local.public_objects()


def _story(objects: dict[str, bytes]) -> dict:
    [key] = [k for k in objects if k.startswith("deep-dives/")]
    return json.loads(objects[key])


def _check_the_one_story(objects: dict[str, bytes]) -> None:
    doc = _story(objects)
    assert {s["url"].rsplit("/", 1)[1] for s in doc["sources"]} == {"glassworks-reopens", "glassworks-rehires"}


def test_processes_killed_after_a_write_are_finished_by_the_retry(local):
    chaos = Chaos(11, rate=1.0, weights={**ONLY, "crash": 1.0},
                  protected_tables=[local.stack.tables["IdempotencyTable"]])
    pump, instrumentation = _chaotic_pump(local, chaos)
    try:
        objects = _run(local, pump)
    finally:
        instrumentation.uninstall()
    assert chaos.injected["crash"] >= 3  # scrape, parse, aggregate and publish each died once on first delivery
    _check_the_one_story(objects)
    assert pump.report.dead_letters["ParseQueue"] == 1 and sum(pump.report.dead_letters.values()) == 1


def test_throttling_on_every_call_is_retried_away(local):
    chaos = Chaos(12, rate=1.0, weights={**ONLY, "throttle": 1.0},
                  protected_tables=[local.stack.tables["IdempotencyTable"]])
    pump, instrumentation = _chaotic_pump(local, chaos)
    try:
        objects = _run(local, pump)
    finally:
        instrumentation.uninstall()
    injected = chaos.injected["throttle"] + chaos.injected["server-error"]
    assert injected > 20
    assert instrumentation.requests.retries() >= injected
    _check_the_one_story(objects)
    assert sum(pump.report.dead_letters.values()) == 1


def test_bursts_longer_than_the_sdk_retries_fail_the_record_which_redelivery_completes(local):
    chaos = Chaos(13, rate=1.0, weights={**ONLY, "exhausted": 1.0},
                  protected_tables=[local.stack.tables["IdempotencyTable"]])
    pump, instrumentation = _chaotic_pump(local, chaos)
    try:
        objects = _run(local, pump)
    finally:
        instrumentation.uninstall()
    assert chaos.injected["exhausted"] >= 3
    assert sum(s.redelivered for s in pump.report.stages.values()) >= 3
    # Nothing lost, nothing twice. (Whether the two articles share a story depends on whether the failed one was
    # saved before its story-mate was assigned: README "Reliability" says why, and what would remove it.)
    published = [s["url"].rsplit("/", 1)[1] for k, v in objects.items() if k.startswith("deep-dives/")
                 for s in json.loads(v)["sources"]]
    assert sorted(published) == ["glassworks-rehires", "glassworks-reopens"]
    assert sum(pump.report.dead_letters.values()) == 1


def test_duplicates_and_stream_replays_change_no_document(local):
    chaos = Chaos(14, rate=1.0, weights={**ONLY, "duplicate": 1.0, "stream-duplicate": 1.0, "split": 1.0})
    pump, instrumentation = _chaotic_pump(local, chaos)
    try:
        objects = _run(local, pump)
    finally:
        instrumentation.uninstall()
    assert chaos.injected["duplicate"] > 0 and chaos.injected["stream-duplicate"] > 0
    _check_the_one_story(objects)
    versions = [story_from_doc(e["Records"][0]["dynamodb"]["NewImage"]["doc"]["S"]).version
                for name, e in pump.journal if name == "publish" and e.get("Records")]
    assert versions != sorted(set(versions))  # the stream really was read again


def test_an_old_stream_record_delivered_late_does_not_roll_a_deep_dive_back(local):
    from newsdive_tools.local.pump import EventPump

    pump = EventPump(local.stack, session=local.session)
    before = _run(local, pump)
    first = next(e for name, e in pump.journal if name == "publish" and e.get("Records"))
    assert story_from_doc(first["Records"][0]["dynamodb"]["NewImage"]["doc"]["S"]).version == 1
    pump.invoke("publish", first)  # the story's first version, long after its second was published
    assert local.public_objects() == before


def test_several_workers_per_stage_publish_what_one_worker_does(local):
    from newsdive_tools.local.pump import EventPump

    pump = EventPump(local.stack, session=local.session, workers=4)
    objects = _run(local, pump)
    _check_the_one_story(objects)
    assert sum(pump.report.dead_letters.values()) == 1


def test_dlq_command_lists_shows_with_reasons_and_redrives(local, tmp_path: Path):
    from newsdive_tools.dlq import main as dlq
    from newsdive_tools.local.pump import EventPump
    from newsdive_tools.local.runner import function_logs_to

    log = tmp_path / "run.log"
    pump = EventPump(local.stack, session=local.session)
    with log.open("w", encoding="utf-8") as stream, function_logs_to(stream):
        _run(local, pump)
    common = ["--endpoint-url", local.stack.endpoint_url, "--stack", local.stack.stack_name, "--json"]

    def call(*args: str) -> object:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert dlq([*args, *common]) == 0
        return json.loads(out.getvalue())

    listed = {row["queue"]: row["messages"] for row in call("list")}
    assert listed == {"scrape": 0, "parse": 1, "aggregate": 0, "publish": 0}
    [letter] = call("show", "parse", "--log", str(log))
    assert letter["subject"].startswith("raw page raw/") and letter["receive_count"] >= 3
    assert letter["error"] == "NoArticleError" and letter["permanent"] is True and letter["reason"]
    assert call("redrive", "parse") == {"queue": "parse", "moved": 1}
    assert {row["queue"]: row["messages"] for row in call("list")}["parse"] == 0
    pump.drain()  # the gallery still has no article: three more deliveries, and it is back
    assert {row["queue"]: row["messages"] for row in call("list")}["parse"] == 1


def test_dlq_redrive_of_the_stream_failure_queue_is_refused_with_an_explanation(local):
    from newsdive_tools.dlq import main as dlq

    with pytest.raises(SystemExit, match="pointers to stream records"):
        dlq(["redrive", "publish", "--endpoint-url", local.stack.endpoint_url, "--stack", local.stack.stack_name])
