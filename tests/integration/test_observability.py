"""Observability: one article followed through every stage's logs by its id, per-stage metrics with failures by
reason, and the alarms and dashboard the template gives operators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_log(tmp_path_factory) -> list[dict]:
    from newsdive_tools.local.runner import RunOptions, run

    base = tmp_path_factory.mktemp("observability")
    log = base / "run.log"
    run(RunOptions(sources=SITE / "sources.json", sites=SITE, out=base / "out", log_file=log, quiet=True))
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def _lines(entries: list[dict]) -> list[dict]:
    return [e for e in entries if "level" in e]


def test_one_article_is_followed_through_every_stage_by_its_id(run_log):
    from newsdive.model.article import url_id

    article_id = url_id("http://www.testpaper.example/news/glassworks-reopens")
    journey = [e for e in _lines(run_log)
               if e.get("article_id") == article_id or article_id in e.get("article_ids", [])]
    stages = [(e["service"], e["message"]) for e in journey]
    assert ("scrape", "page stored") in stages
    assert ("parse", "article parsed") in stages
    assert ("aggregate", "article assigned") in stages
    assert ("publish", "story published") in stages
    order = [s for s in ("scrape", "parse", "aggregate", "publish") if s in {service for service, _ in stages}]
    assert order == ["scrape", "parse", "aggregate", "publish"]
    # every line about this article's raw page or story carries the article's id as well
    raw_key = next(e["raw_key"] for e in journey if e["message"] == "page stored")
    story_id = next(e["story_id"] for e in journey if e["message"] == "article assigned")
    related = [e for e in _lines(run_log) if e.get("raw_key") == raw_key
               or (e.get("story_id") == story_id and e["message"] == "story published")]
    assert related and all(e in journey for e in related)


def test_every_stage_emits_its_metrics_and_failures_by_reason(run_log):
    emitted: dict[str, set[str]] = {}
    reasons = set()
    for entry in run_log:
        if "_aws" not in entry:
            continue
        for directive in entry["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                emitted.setdefault(entry.get("service", ""), set()).add(metric["Name"])
        if "FailuresByReason" in entry:
            reasons.add((entry["service"], entry["reason"]))
    assert {"PagesStored", "RecordsSucceeded", "RecordsFailed"} <= emitted["scrape"]
    assert {"ArticlesParsed", "RecordsFailed"} <= emitted["parse"]
    assert {"ArticlesAssigned"} <= emitted["aggregate"]
    assert {"StoriesPublished", "DocumentsWritten"} <= emitted["publish"]
    assert ("parse", "NoArticleError") in reasons  # the fixture's photo gallery


def test_a_failed_record_is_logged_with_the_id_its_dead_letter_keeps(run_log):
    failed = [e for e in _lines(run_log) if e["message"] == "record failed"]
    assert failed and all(e["message_id"] and e["error"] and "permanent" in e for e in failed)


def test_the_template_has_pipeline_alarms_and_a_dashboard():
    from newsdive_tools.local.template import load_template

    resources = load_template(ROOT / "infra" / "template.yaml")["Resources"]
    alarms = {k for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert {"RecordFailuresAlarm", "AggregateBacklogAlarm", "PublishLagAlarm", "ScrapeDeadLetterAlarm",
            "ParseDeadLetterAlarm", "AggregateDeadLetterAlarm", "PublishDeadLetterAlarm"} <= alarms
    [dashboard] = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    text, variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    body = json.loads(text.replace("${AWS::Region}", "us-east-1").replace("${", "").replace("}\"", "\""))
    titles = {w["properties"]["title"] for w in body["widgets"]}
    assert {"Articles through each stage", "Failed records by stage", "Failures by reason", "Dead letters"} <= titles
    named = json.dumps(body)
    for metric in ("PagesStored", "ArticlesParsed", "ArticlesAssigned", "StoriesPublished", "FailuresByReason",
                   "StoriesReclustered", "ArticlesMoved", "DocumentsSettled"):
        assert metric in named
    assert set(variables) >= {"Aggregate", "ParseDlq", "PublishFn"}
