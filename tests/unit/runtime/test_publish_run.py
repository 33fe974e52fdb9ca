"""One publish invocation (newsdive.runtime.publish_run) on the memory adapters: stories published, then the
index, with one CDN invalidation; the settle schedule; failures that are logged and failures that are lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdive.aggregate.stage import assign
from newsdive.model.errors import StorageError
from newsdive.runtime import settings as cfg
from newsdive.runtime.publish_run import PublishRun

from ..factories import BRIDGE, CHESS, FLOOD, article, stream_event
from .fakes import NO_FAILURES, failed, lost_reasons

ROOT = Path(__file__).resolve().parents[3]


PUBLISH = cfg.PublishSettings(stories_table="stories", index_table="index", public_bucket="public",
                              crawl_table="crawl")


@pytest.fixture
def stories(wiring):
    for n, (outlet, text) in enumerate([("plain-times", BRIDGE), ("mid-wire", FLOOD), ("blue-herald", CHESS)]):
        assign(article(outlet, *text, hours=n), wiring.aggregator())
    return wiring.stories.newest(limit=10)


def test_a_stream_batch_publishes_each_story_then_the_index_with_one_invalidation(wiring, logger, metrics, context,
                                                                                  stories):
    assert PublishRun(PUBLISH, logger, metrics, wiring=wiring).batch(stream_event(stories), context) == NO_FAILURES
    assert metrics.added["StoriesPublished"] == 3 and metrics.added["IndexDocumentsWritten"] > 0
    assert logger.messages("info").count("story published") == 3 and "index published" in logger.messages()
    assert len(wiring.cdn.invalidations) == 1


def test_the_settle_schedule_rerenders_from_the_table(wiring, logger, metrics, stories):
    result = PublishRun(PUBLISH, logger, metrics, wiring=wiring).settle(depth=50)
    assert result == {"settled": 3, "written": metrics.added["DocumentsSettled"], "removed": 0}
    assert "published state settled" in logger.messages()


def test_a_failed_invalidation_is_logged_and_counted_not_raised(wiring, logger, metrics, context, stories,
                                                                  monkeypatch):
    def refused(paths, *, reference):
        raise StorageError("cloudfront: TooManyInvalidationsInProgress")

    monkeypatch.setattr(wiring.cdn, "invalidate", refused)
    assert PublishRun(PUBLISH, logger, metrics, wiring=wiring).batch(stream_event(stories), context) == NO_FAILURES
    assert metrics.added["InvalidationsFailed"] == 1 and "invalidation failed" in logger.messages("warning")


def test_a_story_that_fails_for_good_counts_its_articles_against_their_sources(wiring, logger, metrics, context,
                                                                               stories, monkeypatch):
    from newsdive.publish import batch as publish_batch

    def broken(story, deps):
        raise KeyError("template slot 'overview'")

    monkeypatch.setattr(publish_batch, "publish", broken)
    story = stories[0]
    assert failed(PublishRun(PUBLISH, logger, metrics, wiring=wiring).batch(stream_event([story]), context)) == ["1000"]
    [member] = story.members.values()
    assert lost_reasons(wiring.crawl, member.outlet_id) == {"publish:KeyError": 1}

