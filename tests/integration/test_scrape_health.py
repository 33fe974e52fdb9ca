"""Scraping done right, end to end through the handlers on the moto server (tests/fixtures/sites): robots.txt
kept, paywalled and script-only pages flagged in the deep dives, a second tick costing one conditional request
per feed, source health in the crawl table, `newsdive sources health`, and sources/status.json published."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
TICK = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # sitemaps are read relative to now


@dataclass
class Run:
    stack: Any
    session: Any
    web: Any
    first: dict[str, bytes]  # the public bucket after the first tick
    first_requests: list[Any]
    second: dict[str, bytes]
    second_requests: list[Any]
    raw_keys: tuple[int, int]  # raw pages after each tick
    replayed_changes: list[str]
    cli_json: dict[str, Any]
    cli_table: str
    metrics: list[dict[str, Any]]  # the EMF documents the schedule function printed at the second tick


def _public(stack, session) -> dict[str, bytes]:
    s3 = session.client("s3", endpoint_url=stack.endpoint_url, region_name=stack.region)
    bucket = stack.functions["publish"].environment["PUBLIC_BUCKET"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in sorted(keys)}


def _raw_pages(stack, session) -> int:
    s3 = session.client("s3", endpoint_url=stack.endpoint_url, region_name=stack.region)
    bucket = stack.functions["scrape"].environment["RAW_BUCKET"]
    return len(s3.list_objects_v2(Bucket=bucket, Prefix="raw/").get("Contents", []))


def _cli(*args: str) -> str:
    from newsdive_tools.health import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def run() -> Run:
    from newsdive_tools.local.pump import EventPump
    from newsdive_tools.local.runner import local_stack, upload_sources
    from newsdive_tools.local.sample_server import SampleWebServer

    with SampleWebServer(SITES) as web, local_stack(env_overrides={
        "FETCH_ALLOW_HOSTS": web.address, "FETCH_HOST_MAP": web.host_map(), "FETCH_HOST_INTERVAL_SECONDS": "0.05",
    }) as (stack, session):
        pump = EventPump(stack, session=session)
        upload_sources(stack, session, SITES / "sources.json")
        pump.tick(TICK)
        pump.drain()
        first, first_requests, first_raw = _public(stack, session), list(web.requests), _raw_pages(stack, session)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            pump.tick(TICK + timedelta(minutes=15))
        metrics = [json.loads(line) for line in printed.getvalue().splitlines() if line.startswith('{"_aws"')]
        pump.drain()
        second = _public(stack, session)
        second_requests, second_raw = web.requests[len(first_requests):], _raw_pages(stack, session)
        pump.replay()
        replayed = _public(stack, session)
        changed = sorted(k for k in second.keys() | replayed.keys() if second.get(k) != replayed.get(k))
        cli_json = json.loads(_cli("health", "--endpoint-url", stack.endpoint_url, "--json"))
        cli_table = _cli("health", "--endpoint-url", stack.endpoint_url)
        return Run(stack, session, web, first, first_requests, second, list(second_requests),
                   (first_raw, second_raw), changed, cli_json, cli_table, metrics)


def _sources(public: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {s["url"]: s for key, body in public.items() if key.startswith("deep-dives/")
            for s in json.loads(body)["sources"]}


def test_disallowed_pages_are_never_requested_and_robots_txt_once_per_host(run):
    paths = [(r.host, r.path) for r in run.first_requests + run.second_requests]
    assert not [p for _, p in paths if p.startswith(("/private/", "/members/"))]
    robots = [h for h, p in paths if p == "/robots.txt"]
    assert sorted(robots) == ["news.mapgazette.example", "www.echowire.example", "www.politepaper.example"]


def test_paywalled_and_script_rendered_pages_are_flagged_in_the_deep_dives(run):
    entries = _sources(run.first)
    assert entries["http://www.politepaper.example/news/cannery-site"]["flags"] == ["paywall", "truncated"]
    assert entries["http://www.politepaper.example/news/storm-map"]["flags"] == ["script-rendered"]
    assert entries["http://www.politepaper.example/news/harbour-bridge-reopens"]["flags"] == []


def test_each_article_is_published_once_whatever_links_to_it(run):
    urls = [s["url"] for key, body in run.first.items() if key.startswith("deep-dives/")
            for s in json.loads(body)["sources"]]
    assert len(urls) == len(set(urls))
    assert "http://www.echowire.example/wire/harbour-bridge-reopens" not in urls  # the syndicated copy
    assert "http://www.politepaper.example/print/council-votes-budget" not in urls  # the print copy


def test_the_second_tick_costs_one_conditional_request_per_feed_and_no_work(run):
    assert sorted((r.host, r.path, r.status) for r in run.second_requests) == [
        ("news.mapgazette.example", "/rss.xml", 304),
        ("news.mapgazette.example", "/sitemap_index.xml", 304),
        ("www.echowire.example", "/feed.xml", 304),
        ("www.politepaper.example", "/feed-town.xml", 304),
        ("www.politepaper.example", "/feed.xml", 304),
    ]
    assert run.raw_keys[0] == run.raw_keys[1]
    def work(documents: dict) -> dict:  # the status document and its schema are the schedule's, not work
        return {k: v for k, v in documents.items() if not k.startswith(("sources/", "schemas/v1/source-status"))}

    assert work(run.second) == work(run.first)


def test_source_status_is_published_from_the_first_tick_with_something_to_report(run):
    assert "sources/status.json" not in run.first  # nothing had been scraped at the first tick
    status = json.loads(run.second["sources/status.json"])
    schema = json.loads(run.second["schemas/v1/source-status.schema.json"])
    jsonschema.Draft202012Validator(schema).validate(status)
    by_id = {s["id"]: s for s in status["sources"]}
    assert set(by_id) == {"polite-paper", "echo-wire", "map-gazette"}
    assert all(s["status"] == "ok" and s["error_streak"] == 0 for s in by_id.values())
    assert by_id["polite-paper"]["flagged"] == 2 and by_id["polite-paper"]["parse_share"] == 0.5
    # the wire's copy of the bridge story (syndicated) counted once, for the paper; its link to the paper's budget
    # story was left to the paper (the wire was scraped first)
    assert by_id["echo-wire"]["duplicates"] == {"cross_feed": 0, "cross_source": 1}
    assert by_id["echo-wire"]["parsed"] == 1
    assert run.replayed_changes == []  # a redelivered tick publishes nothing new


def test_sources_health_command_reads_the_crawl_table(run):
    by_id = {s["id"]: s for s in run.cli_json["sources"]}
    assert by_id["polite-paper"]["checks"] == 4 and by_id["polite-paper"]["unchanged_checks"] == 2
    assert by_id["map-gazette"]["items_per_day"] >= 1
    assert run.cli_json["counts"] == {"ok": 3}
    assert run.cli_table.splitlines()[-1] == "3 sources: 3 ok"


def test_the_schedule_emits_what_the_source_alarms_watch(run):
    from newsdive_tools.local.template import translate_template
    from newsdive_tools.paths import template_path

    resources = translate_template(template_path())["Resources"]
    alarms = {k: resources[k]["Properties"] for k in ("StaleSourceAlarm", "SourceParseQualityAlarm")}
    assert {a["MetricName"] for a in alarms.values()} == {"StaleSources", "DegradedSources"}
    for alarm in alarms.values():
        [emitted] = [m for m in run.metrics if alarm["MetricName"] in m]
        [directive] = emitted["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == alarm["Namespace"]
        assert directive["Dimensions"] == [[d["Name"] for d in alarm["Dimensions"]]]
        assert all(emitted[d["Name"]] == d["Value"] for d in alarm["Dimensions"])
        assert emitted[alarm["MetricName"]] == [0.0]  # every source is fine: the alarm stays quiet
    per_source = {(m["source"], name) for m in run.metrics if "source" in m
                  for name in ("ItemsPerDay", "ParseQualityPct", "HoursSinceNewItem") if name in m}
    assert {("polite-paper", "ParseQualityPct"), ("map-gazette", "HoursSinceNewItem")} <= per_source
