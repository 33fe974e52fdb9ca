"""infra/template.yaml, the scraping side: politeness settings reach the scraper, the schedule may write the
source status and nothing else of the public bucket, parse may only update the crawl table, and the source
health alarms exist."""

from __future__ import annotations

from typing import Any

import pytest

from newsdive_tools.local.template import translate_template
from newsdive_tools.paths import template_path


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return translate_template(template_path(), parameters={"FetchHostIntervalSeconds": "2.5",
                                                            "SourceStaleHours": "48"})


def _statements(cfn: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = cfn["Resources"][f"{function}Role"]["Properties"]
    return [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


def _env(cfn: dict[str, Any], function: str) -> dict[str, Any]:
    return cfn["Resources"][function]["Properties"]["Environment"]["Variables"]


def test_politeness_and_health_settings_are_stack_parameters(cfn):
    assert _env(cfn, "ScrapeFunction")["FETCH_HOST_INTERVAL_SECONDS"] == {"Ref": "FetchHostIntervalSeconds"}
    assert cfn["Parameters"]["FetchHostIntervalSeconds"]["Default"] == "1"
    assert _env(cfn, "ScheduleFunction")["SOURCE_STALE_HOURS"] == {"Ref": "SourceStaleHours"}
    assert _env(cfn, "ScheduleFunction")["STATUS_BUCKET"] == {"Ref": "PublicBucket"}
    assert _env(cfn, "ParseFunction")["CRAWL_TABLE"] == {"Ref": "CrawlTable"}


def test_the_schedule_may_write_only_the_source_status_into_the_public_bucket(cfn):
    public = [s for s in _statements(cfn, "ScheduleFunction") if "PublicBucket" in str(s["Resource"])
              and "s3:PutObject" in s["Action"]]
    assert len(public) == 1
    [statement] = public
    assert sorted(statement["Action"]) == ["s3:GetObject", "s3:PutObject"]
    resources = [r["Fn::Sub"] for r in statement["Resource"]]
    assert resources == ["${PublicBucket.Arn}/sources/*", "${PublicBucket.Arn}/schemas/v1/source-status.schema.json"]


def test_parse_may_only_update_items_of_the_crawl_table(cfn):
    crawl = [s for s in _statements(cfn, "ParseFunction") if "CrawlTable" in str(s["Resource"])]
    assert crawl == [{"Sid": "RecordParseVerdicts", "Effect": "Allow", "Action": "dynamodb:UpdateItem",
                      "Resource": {"Fn::GetAtt": ["CrawlTable", "Arn"]}}]


def test_source_health_alarms_fire_on_one_stale_or_degraded_source(cfn):
    alarms = {k: r["Properties"] for k, r in cfn["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    for name, metric in (("StaleSourceAlarm", "StaleSources"), ("SourceParseQualityAlarm", "DegradedSources")):
        alarm = alarms[name]
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == ("newsdive", metric, 1)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["Dimensions"] == [{"Name": "service", "Value": "schedule"}]
        assert alarm["TreatMissingData"] == "breaching"  # no figure for an hour: the tick itself failed
