"""Each handler against the moto server, driven with real-shaped events by the local event pump."""

from __future__ import annotations

import json
from datetime import UTC, datetime

TICK = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)


def _queue_depth(local, url: str) -> int:
    attributes = local.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_schedule_sends_one_request_per_due_source_and_a_repeated_tick_sends_none(local):
    local.upload_sources()
    assert local.pump.tick(TICK) == {"due": ["test-paper"]}
    assert local.pump.tick(TICK) == {"due": []}
    assert _queue_depth(local, local.env("schedule", "SCRAPE_QUEUE_URL")) == 1


def test_pipeline_turns_a_feed_into_a_published_story(local):
    local.upload_sources()
    local.pump.tick(TICK)
    report = local.pump.drain()
    objects = local.public_objects()
    deep_dives = [k for k in objects if k.startswith("deep-dives/")]
    assert len(deep_dives) == 1
    doc = json.loads(objects[deep_dives[0]])
    assert doc["article_count"] == 2 and doc["source_count"] == 1
    assert {s["url"] for s in doc["sources"]} == {
        "http://www.testpaper.example/news/glassworks-reopens",
        "http://www.testpaper.example/news/glassworks-rehires",
    }
    assert doc["bias"]["center"] == 100 and doc["category"] == "business"
    assert {"index/latest.json", "index/blindspots.json", "index/categories/business.json",
            "schemas/v1/deep-dive.schema.json", "schemas/v1/index-page.schema.json"} <= set(objects)
    head = local.client("s3").head_object(Bucket=local.env("publish", "PUBLIC_BUCKET"), Key=deep_dives[0])
    assert head["ContentType"] == "application/json; charset=utf-8"
    assert head["CacheControl"].startswith("public, max-age=")
    # the gallery page has no article: it failed alone, was retried, and waits in the parse DLQ
    assert report.dead_letters["ParseQueue"] == 1
    [dead] = local.dlq_bodies("ParseQueue")
    assert json.loads(dead)["Records"][0]["s3"]["object"]["key"].replace("%2F", "/").startswith("raw/")
    assert report.stages["parse"].failed >= 1 and report.stages["aggregate"].failed == 0


def test_redelivering_every_event_changes_nothing(local):
    local.upload_sources()
    local.pump.tick(TICK)
    local.pump.drain()
    before = local.public_objects()
    stories_table = local.env("aggregate", "STORIES_TABLE")
    ddb = local.client("dynamodb")
    versions_before = {i["story_id"]["S"]: i["version"]["N"] for i in ddb.scan(TableName=stories_table)["Items"]}
    replayed = local.pump.replay()
    assert replayed > 5
    assert local.public_objects() == before
    versions_after = {i["story_id"]["S"]: i["version"]["N"] for i in ddb.scan(TableName=stories_table)["Items"]}
    assert versions_after == versions_before


def test_malformed_message_fails_alone_and_lands_in_the_dlq(local):
    local.upload_sources()
    local.pump.tick(TICK)
    local.pump.drain()
    sqs = local.client("sqs")
    url = local.env("parse", "AGGREGATE_QUEUE_URL")
    # the aggregate queue is FIFO with one message group (infra/template.yaml says why)
    sqs.send_message(QueueUrl=url, MessageBody='{"article_id": "not-an-id"}', MessageGroupId="stories")
    sqs.send_message(QueueUrl=url, MessageBody="definitely not json", MessageGroupId="stories")
    report = local.pump.drain()
    assert report.dead_letters["AggregateQueue"] == 2
    bodies = sorted(local.dlq_bodies("AggregateQueue"))
    assert bodies == ["definitely not json", '{"article_id": "not-an-id"}']


def test_stored_raw_page_is_gzip_with_source_metadata(local):
    import gzip

    local.upload_sources()
    local.pump.tick(TICK)
    local.pump.drain()
    s3 = local.client("s3")
    bucket = local.env("scrape", "RAW_BUCKET")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="raw/")["Contents"]]
    assert len(keys) == 3  # two articles and the gallery; the broken link stored nothing
    obj = s3.get_object(Bucket=bucket, Key=keys[0])
    assert gzip.decompress(obj["Body"].read()).lstrip().lower().startswith(b"<!doctype html")
    meta = obj["Metadata"]
    assert meta["source-id"] == "test-paper" and meta["url"].startswith("http://www.testpaper.example/news/")
    assert "utm_" not in meta["url"] and "#" not in meta["url"] and meta["fetched-at"]
