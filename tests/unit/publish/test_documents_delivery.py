"""Delivery through the CDN: publish invalidates only what a short max-age does not cover (removed documents, the
schemas), in one batched request per invocation, on its own distribution only; nothing when nothing such changed."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber

from newsdive.publish.stage import REMOVED, Publisher, PublishReport, invalidate, invalidation_paths, publish_index
from newsdive.storage.aws import CloudFrontCdn
from newsdive.storage.memory import MemoryCandidateIndex, MemoryCdn, MemoryObjectStore, MemoryStoryRepository

from ..factories import BRIDGE, CHESS, FLOOD, article, stream_event

ROOT = Path(__file__).resolve().parents[3]


def test_few_changed_keys_are_invalidated_one_by_one_many_by_folder():
    assert invalidation_paths(["deep-dives/a.json", "index/latest.json", "sitemap.xml"]) == [
        "/deep-dives/a.json", "/index/latest.json", "/sitemap.xml"]
    many = [f"deep-dives/{i}.json" for i in range(30)] + ["index/latest.json", "feeds/politics.xml", "sitemap.xml"]
    assert invalidation_paths(many) == ["/deep-dives/*", "/feeds/*", "/index/*", "/sitemap.xml"]


def test_one_invalidation_per_report_with_a_reference_that_repeats_for_the_same_bytes():
    cdn = MemoryCdn()
    deps = Publisher(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), public=MemoryObjectStore(), cdn=cdn)
    report = PublishReport(written=["schemas/v1/card.schema.json", "deep-dives/a.json"],
                           digests={"schemas/v1/card.schema.json": "1", "deep-dives/a.json": REMOVED})
    assert invalidate(report, deps) == ["/deep-dives/a.json", "/schemas/v1/card.schema.json"]
    assert invalidate(copy.deepcopy(report), deps)  # a retried invocation that wrote the same bytes ...
    assert len(cdn.invalidations) == 1  # ... repeats the same request
    report.digests["schemas/v1/card.schema.json"] = "3"
    invalidate(report, deps)
    assert len(cdn.invalidations) == 2
    assert invalidate(PublishReport(), deps) == []
    assert invalidate(report, Publisher(stories=deps.stories, index=deps.index, public=deps.public)) == []


def test_written_index_feeds_and_deep_dives_are_not_invalidated_they_carry_a_short_max_age():
    class Recording(MemoryObjectStore):
        def put(self, key, body, *, cache_control=None, **kwargs):  # noqa: ANN001, ANN003
            self.cache_control[key] = cache_control
            super().put(key, body, cache_control=cache_control, **kwargs)

    cdn, public = MemoryCdn(), Recording()
    public.cache_control = {}
    deps = Publisher(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), public=public, cdn=cdn)
    report = PublishReport(written=["index/latest.json", "feeds/latest.xml", "sitemap.xml", "deep-dives/a.json"],
                           digests=dict.fromkeys(["index/latest.json", "feeds/latest.xml", "sitemap.xml",
                                                  "deep-dives/a.json"], "1"))
    assert invalidate(report, deps) == []
    assert cdn.invalidations == {}
    written = publish_index(["politics"], deps).written
    assert "index/latest.json" in written
    assert {public.cache_control[k] for k in written} == {"public, max-age=60"}


def test_cloudfront_adapter_sends_one_create_invalidation_for_its_distribution():
    client = boto3.client("cloudfront", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_response(
            "create_invalidation",
            {"Location": "https://cloudfront.amazonaws.com/2020-05-31/distribution/E1ABC/invalidation/I1",
             "Invalidation": {"Id": "I1", "Status": "InProgress", "CreateTime": "2026-11-21T09:00:00Z",
                              "InvalidationBatch": {"Paths": {"Quantity": 2, "Items": ["/a", "/b/*"]},
                                                    "CallerReference": "ref1"}}},
            {"DistributionId": "E1ABC",
             "InvalidationBatch": {"Paths": {"Quantity": 2, "Items": ["/a", "/b/*"]}, "CallerReference": "ref1"}},
        )
        assert CloudFrontCdn("E1ABC", client=client).invalidate(["/a", "/b/*"], reference="ref1") == "I1"
        stubber.assert_no_pending_responses()


@pytest.fixture
def handler(monkeypatch):
    """functions/publish/handler.py with an in-memory publisher and CDN (its own module, a fresh cold start)."""
    for name, value in {"STORIES_TABLE": "stories", "INDEX_TABLE": "index", "PUBLIC_BUCKET": "public",
                        "POWERTOOLS_METRICS_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    from newsdive.aggregate.stage import Aggregator, assign
    from newsdive.runtime import wiring

    stories, index = MemoryStoryRepository(), MemoryCandidateIndex()
    agg = Aggregator(stories=stories, index=index, sleep=lambda _s: None)
    for n, (outlet, (title, body)) in enumerate([("plain-times", BRIDGE), ("mid-wire", FLOOD), ("blue-herald", CHESS)]):
        assign(article(outlet, title, body, hours=n), agg)
    cdn = MemoryCdn()
    publisher = Publisher(stories=stories, index=index, public=MemoryObjectStore(), cdn=cdn)
    monkeypatch.setattr(wiring, "publisher", lambda: publisher)
    spec = importlib.util.spec_from_file_location("publish_handler_under_test", ROOT / "functions/publish/handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = SimpleNamespace(function_name="publish", memory_limit_in_mb=512, aws_request_id="req-1",
                              invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:publish")
    return module, context, stories, publisher, cdn


def test_a_stream_batch_is_published_with_a_single_invalidation_of_everything_it_wrote(handler):
    module, context, stories, publisher, cdn = handler
    event = stream_event(stories.newest(limit=10))
    assert module.lambda_handler(event, context) == {"batchItemFailures": []}
    [paths] = cdn.invalidations.values()  # three stories, their feeds, sitemap, schemas: one request, for the schemas
    written = publisher.public.keys("")
    assert any(k.startswith("deep-dives/") for k in written) and "index/latest.json" in written
    assert paths == sorted(f"/{k}" for k in written if k.startswith("schemas/"))
    # The same records again change nothing: no write, no invalidation.
    assert module.lambda_handler(event, context) == {"batchItemFailures": []}
    assert len(cdn.invalidations) == 1


def test_keys_without_a_digest_in_the_report_are_identified_by_the_stored_objects_hash():
    cdn, public = MemoryCdn(), MemoryObjectStore()
    deps = Publisher(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), public=public, cdn=cdn)
    key = "schemas/v1/card.schema.json"
    public.put(key, b"{}", content_type="application/json", metadata={"sha256": "v1"})
    invalidate(PublishReport(written=[key]), deps)
    invalidate(PublishReport(written=[key]), deps)
    assert len(cdn.invalidations) == 1
    public.put(key, b"{ }", content_type="application/json", metadata={"sha256": "v2"})
    invalidate(PublishReport(written=[key]), deps)  # new bytes under the same key: a new request
    assert len(cdn.invalidations) == 2


def test_a_batch_renders_each_state_of_a_story_once(handler, monkeypatch):
    """Several stream records of one story in a batch: rendered once from the table, the rest acknowledged."""
    module, context, stories, publisher, _ = handler
    story = stories.newest(limit=1)[0]
    rendered = []
    from newsdive.publish import batch as publish_batch  # the decision lives in the invocation's PublishBatch

    real = publish_batch.publish
    monkeypatch.setattr(publish_batch, "publish", lambda s, deps: rendered.append(s.story_id) or real(s, deps))
    event = stream_event([story, story, story])
    assert module.lambda_handler(event, context) == {"batchItemFailures": []}
    assert rendered == [story.story_id]
    assert f"deep-dives/{story.public_id}.json" in publisher.public.keys("deep-dives/")
    assert module.lambda_handler(event, context) == {"batchItemFailures": []}  # a new invocation renders again
    assert rendered == [story.story_id] * 2
