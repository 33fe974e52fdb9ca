"""The load bench's own bookkeeping: the synthetic web it serves, how it counts losses, and how it prices a run
(CDN invalidation paths read from the publish log)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from newsdive_tools.bench.pipeline import PRICES, _invalidation_paths, cost_per_million, generate_web, losses


def test_synthetic_web_has_every_article_in_its_outlets_feed(tmp_path):
    web = generate_web(tmp_path, articles=50, seed=3)
    sources = json.loads(web.sources.read_text(encoding="utf-8"))
    assert len(web.urls) == 50 and len(sources) == web.outlets == 8
    in_feeds = set()
    for source in sources:
        host = source["homepage"].split("/")[2]
        feed = (web.sites / host / "feed.xml").read_text(encoding="utf-8")
        in_feeds |= {u for u in web.urls if f"<link>{u}</link>" in feed}
    assert in_feeds == set(web.urls)
    assert generate_web(tmp_path / "again", articles=50, seed=3).urls == web.urls  # reproducible from the seed


def test_losses_count_missing_and_doubly_published_articles(tmp_path):
    web = generate_web(tmp_path / "web", articles=12, seed=5)
    urls = sorted(web.urls)
    out = tmp_path / "out"
    (out / "deep-dives").mkdir(parents=True)
    (out / "deep-dives" / "a.json").write_text(json.dumps({"sources": [{"url": u} for u in urls[:8]]}))
    (out / "deep-dives" / "b.json").write_text(json.dumps({"sources": [{"url": u} for u in urls[7:10]]}))
    lost = losses(web, out)
    assert (lost["missing"], lost["published_twice"], lost["published_articles"]) == (2, 1, 11)


def test_invalidation_paths_are_read_from_the_publish_log_and_priced(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("\n".join([
        json.dumps({"message": "invalidation requested", "paths": ["/deep-dives/a.json", "/schemas/v1/x.json"]}),
        json.dumps({"message": "story published", "paths": ["/not/counted"]}),
        "not json at all",
    ]) + "\n", encoding="utf-8")
    assert _invalidation_paths(log) == 2
    assert _invalidation_paths(log, schemas=True) == 1 and _invalidation_paths(log, schemas=False) == 1
    summary = SimpleNamespace(durations={"publish": [1.0]})
    cost = cost_per_million(summary, {}, {}, {"publish": 1024}, 1000, 0, invalidation_paths=2)
    assert cost["by_part"]["cloudfront_invalidations"] == round(2 * 1000 * PRICES["cloudfront_invalidation_path"], 2)
    assert cost["by_part"]["lambda_compute"] == round(1.0 * 1000 * PRICES["lambda_gb_second_arm64"], 2)


def test_a_small_run_publishes_every_article_once_and_keeps_its_figures(tmp_path, capsys):
    """The whole bench on a moto server at a tiny size: every figure the README quotes is there, and the
    work folder keeps them as figures.json beside the logs."""
    from newsdive_tools.bench.pipeline import main

    assert main(["--articles", "24", "--workdir", str(tmp_path), "--json", "-q"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    kept = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert printed == kept
    assert kept["losses"] == {**kept["losses"], "missing": 0, "published_twice": 0}
    assert kept["requests_per_article"]["dynamodb.UpdateItem"] > 0
    assert kept["requests_per_article"]["s3.PutObject"] > 0
    assert kept["cost"]["usd_per_million_articles"] > 0 and kept["articles_per_minute"] > 0
    fixed = kept["fixed_monthly"]
    assert fixed["usd_per_month"] > 0 and fixed["alarms"] >= 1
    measured = {job["stage"]: job for job in fixed["scheduled"]}
    assert set(measured) == {"tick", "recluster", "settle"}  # each scheduled job ran and was measured
    assert all(job["measured_invocations"] >= 1 and job["seconds_p50"] > 0 for job in measured.values())
    assert {"recluster", "settle"} <= set(kept["stages"])  # the scheduled jobs are shown as their own stages


# --- the one cost account: per million articles and the fixed monthly cost ------------------------------------


def test_template_counts_read_alarms_dashboards_and_schedules():
    from newsdive_tools.bench.pipeline import template_counts

    counts = template_counts({
        "Parameters": {"Rate": {"Type": "String", "Default": "rate(15 minutes)"}},
        "Resources": {
            "A1": {"Type": "AWS::CloudWatch::Alarm"}, "A2": {"Type": "AWS::CloudWatch::Alarm"},
            "Board": {"Type": "AWS::CloudWatch::Dashboard"},
            "ScheduleFunction": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
                "Tick": {"Type": "ScheduleV2", "Properties": {"ScheduleExpression": {"Ref": "Rate"}}}}}},
            "PublishFunction": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
                "Settle": {"Type": "ScheduleV2", "Properties": {"ScheduleExpression": "rate(1 hour)"}},
                "Odd": {"Type": "ScheduleV2", "Properties": {"ScheduleExpression": "cron(0 12 * * ? *)"}},
                "Queue": {"Type": "SQS", "Properties": {}}}}},
        }})
    assert (counts["alarms"], counts["dashboards"]) == (2, 1)
    by_event = {s["event"]: s for s in counts["schedules"]}
    assert by_event["Tick"]["per_month"] == 730 * 4 and by_event["Tick"]["expression"] == "rate(15 minutes)"
    assert by_event["Settle"]["per_month"] == 730 and by_event["Odd"]["per_month"] is None
    assert "Queue" not in by_event


def test_the_real_templates_schedules_are_all_priced():
    from newsdive_tools.bench.pipeline import template_counts

    counts = template_counts()
    assert counts["alarms"] >= 1 and counts["dashboards"] >= 1
    assert {(s["function"], s["event"]) for s in counts["schedules"]} >= {
        ("schedule", "Tick"), ("aggregate", "Recluster"), ("publish", "Settle")}
    assert all(s["per_month"] for s in counts["schedules"]), "a schedule whose rate the cost account cannot read"


def test_scheduled_work_is_priced_by_the_month_not_per_article():
    from newsdive_tools.bench.pipeline import HOURS_PER_MONTH, fixed_monthly_cost

    summary = SimpleNamespace(
        durations={"parse": [1.0], "settle": [2.0, 4.0], "schedule": [0.5]},
        capacity_by_function={"settle": {"wru": 20.0, "rru": 100.0}, "parse": {"wru": 1000.0}})
    by_function = {"settle": {"s3.PutObject": 6, "s3.GetObject": 2}, "parse": {"s3.PutObject": 1000}}
    counts = {"alarms": 10, "dashboards": 1, "schedules": [
        {"function": "publish", "event": "Settle", "expression": "rate(1 hour)", "per_month": HOURS_PER_MONTH}]}
    fixed = fixed_monthly_cost(summary, by_function, {"publish": 1024}, counts)
    per_settle = (3.0 * PRICES["lambda_gb_second_arm64"] + PRICES["lambda_request"] + PRICES["scheduler_invocation"]
                  + 10 * PRICES["dynamodb_wru"] + 50 * PRICES["dynamodb_rru"] + 3 * PRICES["s3_put_class"]
                  + 1 * PRICES["s3_get_class"])  # the median invocation, requests and units per invocation
    assert fixed["by_part"]["scheduled_settle"] == round(HOURS_PER_MONTH * per_settle, 2)
    assert fixed["by_part"]["cloudwatch_alarms"] == 1.0 and fixed["by_part"]["cloudwatch_dashboards"] == 3.0
    # ... and the same work is not in the per-article account
    cost = cost_per_million(summary, by_function, {"wru": 1020.0, "rru": 100.0}, {"publish": 1024, "parse": 1024},
                            1000, 0, invalidation_paths=0)
    assert cost["by_part"]["lambda_compute"] == round(1.0 * 1000 * PRICES["lambda_gb_second_arm64"], 2)
    assert cost["by_part"]["dynamodb_writes"] == round(1000 * 1000 * PRICES["dynamodb_wru"], 2)
    assert cost["by_part"]["dynamodb_reads"] == 0
    assert cost["by_part"]["s3_requests"] == round(1000 * 1000 * PRICES["s3_put_class"], 2)
