"""Every sample event in events/ loads through load_event() and parses with its handler's model."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdive.model.story import StoryRecord
from newsdive.runtime.records import ArticleRecord, S3NotificationRecordSqs, ScrapeRecord
from newsdive_tools.local.event_shapes import load_event

EVENTS = Path(__file__).resolve().parents[3] / "events"


def test_every_event_file_has_a_parser_test():
    assert {p.name for p in EVENTS.glob("*.json")} == {
        "schedule_tick.json", "scrape_request.json", "parse_s3_notification.json", "parse_s3_test_event.json",
        "aggregate_article_stored.json", "publish_stream_insert.json", "aggregate_recluster.json",
        "publish_settle.json",
    }


@pytest.mark.parametrize("name, model", [("scrape_request", ScrapeRecord), ("aggregate_article_stored", ArticleRecord),
                                         ("parse_s3_notification", S3NotificationRecordSqs),
                                         ("parse_s3_test_event", S3NotificationRecordSqs)])
def test_sqs_events_parse(name, model):
    [record] = load_event(name)["Records"]
    parsed = model.model_validate(record)
    assert parsed.eventSource == "aws:sqs"


def test_s3_notification_yields_the_decoded_raw_key_and_test_events_nothing():
    [record] = load_event("parse_s3_notification.json")["Records"]
    body = S3NotificationRecordSqs.model_validate(record).body
    assert body.created_keys() == [("newsdive-dev-raw-123456789012", "raw/3f6c1a8e0b2d4c5f9a7e6d5c4b3a2f1e.html.gz")]
    [test_record] = load_event("parse_s3_test_event")["Records"]
    assert S3NotificationRecordSqs.model_validate(test_record).body.is_test_event


def test_stream_record_carries_a_story():
    [record] = load_event("publish_stream_insert")["Records"]
    story = StoryRecord.model_validate_json(record["dynamodb"]["NewImage"]["doc"]["S"])
    assert story.members and story.story_id == record["dynamodb"]["Keys"]["story_id"]["S"]


def test_schedule_event_has_a_time():
    assert load_event("schedule_tick")["time"] == "2026-11-21T09:00:00Z"


def test_the_scheduled_maintenance_events_are_recognised_by_their_functions():
    from newsdive.aggregate.recluster import is_recluster_event, recluster_depth
    from newsdive.publish.settle import is_settle_event, settle_depth

    recluster, settle = load_event("aggregate_recluster"), load_event("publish_settle")
    assert is_recluster_event(recluster) and recluster_depth(recluster) == 500 and not is_recluster_event(settle)
    assert is_settle_event(settle) and settle_depth(settle) == 200
