"""The command line as a user runs it (subprocesses, real moto servers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "tests" / "fixtures" / "site"


def _newsdive(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsdive_tools.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, check=False)


def test_invoke_runs_one_handler_with_a_sample_event():
    result = _newsdive("invoke", "schedule", "--event", "events/schedule_tick.json",
                       "--sources", str(SITE / "sources.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == {"due": ["test-paper"]}


def test_run_over_a_sources_file_with_local_sites(tmp_path):
    out = tmp_path / "out"
    result = _newsdive("run", "--sources", str(SITE / "sources.json"), "--sites", str(SITE), "--out", str(out),
                       "--log", str(tmp_path / "run.log"), "--json", "-q")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["stories"] == 1 and summary["articles"] == 2 and summary["dead_letters"]["ParseQueue"] == 1
    assert (out / "index" / "latest.json").is_file()


def test_private_hosts_are_unreachable_unless_allowed(tmp_path):
    """Without --sites/--allow-host the fetcher refuses the loopback sample server: nothing is scraped."""
    from newsdive_tools.local.sample_server import SampleWebServer

    with SampleWebServer(SITE) as web:
        sources = json.loads((SITE / "sources.json").read_text())
        sources[0]["feeds"] = [f"http://{web.address}/feed.xml"]
        path = tmp_path / "sources.json"
        path.write_text(json.dumps(sources))
        result = _newsdive("run", "--sources", str(path), "--out", str(tmp_path / "out"), "--json", "-q",
                           "--log", str(tmp_path / "run.log"))
    assert result.returncode == 1, result.stderr[-2000:]  # every source failed: the run failed
    assert "every source failed (1): test-paper: " in result.stderr and "BlockedDestinationError" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["articles"] == 0 and summary["dead_letters"]["ScrapeQueue"] == 1
    assert summary["sources_health"]["counts"] == {"failing": 1}


def test_a_host_that_does_not_resolve_names_the_options_that_route_hosts_locally(tmp_path):
    """The fixture's sources live under .example, which resolves nowhere: without --sites the run fails, says
    which name did not resolve (its own error, not a timeout) and how to route hosts locally."""
    result = _newsdive("run", "--sources", str(SITE / "sources.json"), "--out", str(tmp_path / "out"), "-q",
                       "--log", str(tmp_path / "run.log"))
    assert result.returncode == 1, result.stderr[-2000:]
    assert "NameResolutionError: cannot resolve www.testpaper.example" in result.stderr
    assert "FetchTimeoutError" not in result.stderr
    assert "--sites DIR" in result.stderr and "--resolve HOST=IP:PORT" in result.stderr
    assert "--allow-host HOST:PORT" in result.stderr
    assert "sources:     1 failing" in result.stdout


def test_extract_prints_an_article_as_json():
    page = SITE / "www.testpaper.example" / "news" / "glassworks-rehires.html"
    result = _newsdive("extract", str(page), "--url", "http://www.testpaper.example/news/glassworks-rehires")
    assert result.returncode == 0, result.stderr[-2000:]
    article = json.loads(result.stdout)
    assert article["title"] == "Ferndale glassworks rehires eighty workers"
    assert article["authors"] == ["Bram Okoye"] and article["word_count"] > 80


def test_bad_sources_file_is_a_clear_error(tmp_path):
    path = tmp_path / "sources.json"
    path.write_text('[{"id": "Bad Id", "name": "x", "homepage": "https://x"}]')
    result = _newsdive("run", "--sources", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "newsdive: error:" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_every_command():
    result = _newsdive("--help")
    for command in ("demo", "run", "invoke", "extract", "schemas", "bench"):
        assert command in result.stdout


def test_every_command_answers_help():
    commands = ("demo", "run", "invoke", "extract", "schemas", "serve", "sources", "dlq", "bench")
    for command in commands:
        for flag in ("--help", "-h"):
            result = _newsdive(command, flag, timeout=60)
            assert result.returncode == 0, (command, flag, result.stderr)
            assert result.stdout.startswith("usage: newsdive "), (command, flag, result.stdout)


def test_bench_help_lists_each_benchmark_with_what_it_measures():
    result = _newsdive("bench", "--help", timeout=60)
    assert result.returncode == 0
    listed = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"cluster", "extract", "pipeline", "coldstart"} <= set(listed)
    assert "story assignment" in listed["cluster"] and "`" not in listed["cluster"]
    bare = _newsdive("bench", timeout=60)
    assert bare.returncode == 2 and bare.stderr.startswith("usage: newsdive bench")


def test_an_unreachable_stack_is_one_clear_line():
    for args in (("sources", "health", "--table", "crawl"), ("dlq", "list")):
        result = _newsdive(*args, "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1", timeout=120)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr.startswith(f"newsdive {args[0]}: error: Could not connect"), (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_bad_options_and_events_are_one_clear_line(tmp_path):
    for workers in ("0", "abc"):
        result = _newsdive("run", "--sources", "x.json", "--workers", workers, timeout=60)
        assert result.returncode == 2 and "argument --workers:" in result.stderr, result.stderr
    for bench, option in (("pipeline", "--articles"), ("coldstart", "--runs")):
        result = _newsdive("bench", bench, option, "0", timeout=60)  # refused before any stack is started
        assert result.returncode == 2 and f"argument {option}: must be at least 1" in result.stderr, result.stderr
    not_json = tmp_path / "event.json"
    not_json.write_bytes(b"\x1f\x8b\x08 not an event")
    a_list = tmp_path / "list.json"
    a_list.write_text("[1]")
    for path, says in ((not_json, "not a JSON event"), (a_list, "an event is a JSON object")):
        result = _newsdive("invoke", "parse", "--event", str(path), timeout=60)
        assert result.returncode == 1 and says in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_the_sample_parse_event_reaches_the_parse_function_on_a_fresh_stack():
    """The sample S3 notification names a deployed stack's bucket: invoke points it at the local raw bucket, so
    parse handles it (and reports it failed, the fresh stack holding no page) instead of ignoring it silently."""
    result = _newsdive("invoke", "parse", "--event", "events/parse_s3_notification.json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "is not in this fresh stack's raw bucket" in result.stderr
    assert "ignored notification" not in result.stderr
    failed = [{"itemIdentifier": "a1b2c3d4-0002-4000-8000-000000000002"}]
    assert json.loads(result.stdout) == {"batchItemFailures": failed}


def test_a_stack_parameter_reaches_the_functions_of_a_local_run(tmp_path):
    from newsdive_tools.local.runner import local_stack

    with local_stack(parameters={"BlindspotLowPct": "30", "MatchThreshold": "0.5"}) as (stack, _session):
        assert stack.functions["aggregate"].environment["BLINDSPOT_LOW_PCT"] == "30"
        assert stack.functions["aggregate"].environment["MATCH_THRESHOLD"] == "0.5"
    result = _newsdive("run", "--sources", str(SITE / "sources.json"), "--param", "BlindspotLowPc=30", timeout=60)
    assert result.returncode == 1 and "no stack parameter 'BlindspotLowPc'" in result.stderr, result.stderr


def test_a_yaml_sources_file_reaches_the_functions_as_json(local, tmp_path):
    """The command line reads YAML; the schedule function reads JSON from S3: the local upload converts."""
    import yaml

    from newsdive.model.sources import parse_sources
    from newsdive_tools.local.runner import upload_sources

    entries = [{"id": "yaml-outlet", "name": "YAML Outlet", "homepage": "https://yaml.example/",
                "feeds": ["https://yaml.example/feed.xml"], "bias": "center"}]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(entries), encoding="utf-8")
    upload_sources(local.stack, local.session, path)

    body = local.client("s3").get_object(Bucket=local.env("schedule", "SOURCES_BUCKET"),
                                         Key=local.env("schedule", "SOURCES_KEY"))["Body"].read()
    assert [s.id for s in parse_sources(body)] == ["yaml-outlet"]  # JSON, as the function parses it
