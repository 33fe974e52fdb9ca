"""`newsdive bench coldstart` measures what Lambda does: a fresh interpreter, the layer before the runtime's
boto3 on the path, no bytecode written, the handler imported (init) then called on one record (first record),
with the time spent waiting on AWS counted apart."""

from __future__ import annotations

import json
import site
import sys
import time
from pathlib import Path

from newsdive_tools.bench import coldstart


def _probe(tmp_path: Path) -> coldstart._Probe:
    layer = Path(site.getsitepackages()[0])  # this environment's packages stand in for the layer
    probe = coldstart._Probe(sys.executable, layer, tmp_path / "runtime", tmp_path)
    task = tmp_path / "task" / "fake"
    task.mkdir(parents=True)
    (task / "handler.py").write_text(
        "import sys, time\n"
        "LOADED_FROM = list(sys.path[:3])\n"
        "def lambda_handler(event, context):\n"
        "    import json  # a lazy import, counted in the first record\n"
        "    time.sleep(0.05)\n"
        "    return {'records': len(event['Records']), 'path': LOADED_FROM,\n"
        "            'remaining': context.get_remaining_time_in_millis(), 'name': context.function_name,\n"
        "            'bytecode': sys.dont_write_bytecode}\n",
        encoding="utf-8")
    probe.tasks["fake"] = task
    return probe


def test_the_probe_times_init_and_one_record_in_a_fresh_interpreter(tmp_path):
    probe = _probe(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"Records": [{"body": "x"}]}), encoding="utf-8")
    context = {"function_name": "newsdive-fake", "timeout_seconds": 30}
    report = probe.run("first", "fake", coldstart._isolated_env({}), str(event), json.dumps(context))
    result = report["result"]
    assert result["records"] == 1 and result["name"] == "newsdive-fake"
    assert result["path"] == [str(probe.tasks["fake"]), str(probe.layer), str(tmp_path / "runtime")]
    assert 0 < result["remaining"] <= 30_000
    assert result["bytecode"] is True  # -B: nothing compiled at run time is kept, as on read-only /opt
    assert report["first_ms"] >= 50 and report["init_ms"] > 0
    assert report["aws_calls"] == 0 and report["aws_ms"] == 0
    assert not (probe.tasks["fake"] / "__pycache__").exists()
    # CPU time: the process's own work, not the time it slept or waited
    assert report["init_cpu_ms"] > 0 and report["first_cpu_ms"] <= report["first_ms"] - 45


def test_a_profiled_probe_lists_the_costliest_imports_and_calls(tmp_path):
    probe = _probe(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"Records": [{"body": "x"}]}), encoding="utf-8")
    context = {"function_name": "newsdive-fake", "timeout_seconds": 30}
    report = probe.run("first", "fake", coldstart._isolated_env({}), str(event), json.dumps(context), profile=True)
    assert report["result"]["records"] == 1
    imports, calls = report["profile"]["imports"], report["profile"]["calls"]
    assert "botocore.httpsession" in {i["module"] for i in imports}  # imported by the first record
    assert all(i["cumulative_ms"] >= i["self_ms"] >= 0 for i in imports)
    assert [i["cumulative_ms"] for i in imports] == sorted((i["cumulative_ms"] for i in imports), reverse=True)
    assert calls and [c["cumulative_ms"] for c in calls] == sorted((c["cumulative_ms"] for c in calls), reverse=True)


def _wrapper() -> None:
    _inner()


def _inner() -> None:
    time.sleep(0.06)
    sum(range(10))


def test_a_chain_of_wrappers_shows_as_its_innermost_call(tmp_path):
    import cProfile

    profiler = cProfile.Profile()
    profiler.runcall(_wrapper)
    profiler.dump_stats(tmp_path / "p.prof")
    calls = coldstart.top_calls(tmp_path / "p.prof")
    assert "time.sleep" in calls[0]["function"]
    assert calls[0]["cumulative_ms"] >= 60 and calls[0]["calls"] == 1
    assert not any("_wrapper" in c["function"] or "_inner" in c["function"] for c in calls)


def test_the_cold_pump_takes_every_argument_the_pump_passes():
    """The pump's _invoke gained `stage` (scheduled jobs) and the bench's override broke: keep them in step."""
    import inspect

    from newsdive_tools.local.pump import EventPump

    cold = coldstart.cold_pump(None, {}, {})  # type: ignore[arg-type]
    assert issubclass(cold, EventPump)
    assert set(inspect.signature(EventPump._invoke).parameters) <= set(inspect.signature(cold._invoke).parameters)


def test_the_peer_is_a_bare_import_of_boto3(tmp_path):
    report = _probe(tmp_path).run("boto3", "boto3", coldstart._isolated_env({}))
    assert report["init_ms"] > 0 and report["first_ms"] is None and report["modules"] > 50


def test_s3_test_events_are_not_first_records():
    assert coldstart._is_test_event({"Records": [{"body": '{"Event": "s3:TestEvent"}'}]})
    assert not coldstart._is_test_event({"Records": [{"body": '{"Records": []}'}]})
    assert not coldstart._is_test_event({"source": "aws.scheduler"})


def test_the_median_container_is_reported_whole():
    containers = [{"init_cpu_ms": 300, "first_cpu_ms": 500, "run": 1}, {"init_cpu_ms": 200, "first_cpu_ms": 400,
                  "run": 2}, {"init_cpu_ms": 350, "first_cpu_ms": 100, "run": 3}]
    assert coldstart.median_container(containers)["run"] == 2  # 600 ms: between 450 and 800
    assert coldstart.median_container(containers[::2])["run"] == 3  # an even count: the lower one (450 ms)
    assert coldstart.median_container(containers[:1])["run"] == 1


def test_the_empty_handler_peer_runs_one_record_through_powertools(tmp_path):
    probe = _probe(tmp_path)
    figures = coldstart.floor(probe, runs=1)
    assert figures["init_cpu_ms"] > 0 and figures["first_record_cpu_ms"] > 0
    assert figures["init_plus_first_cpu_ms"] == round(figures["init_cpu_ms"] + figures["first_record_cpu_ms"], 1)
    handler = (probe.tasks["floor"] / "handler.py").read_text(encoding="utf-8")
    # the handlers' own order: Powertools' batch utility before pydantic, so its parser models are not loaded
    assert handler.index("utilities.batch") < handler.index("import pydantic")


def test_the_empty_handler_peer_says_when_its_record_fails(tmp_path, monkeypatch):
    probe = _probe(tmp_path)
    monkeypatch.setattr(coldstart, "FLOOR_EVENT", {"Records": [{**coldstart.FLOOR_EVENT["Records"][0],
                                                                "body": "not json"}]})
    try:
        coldstart.floor(probe, runs=1)
    except coldstart.ColdStartError as exc:
        assert "floor (first) failed" in str(exc) and "ValidationError" in str(exc)
    else:
        raise AssertionError("a failed record must not be timed as the floor")
