"""The publish function's decisions for one invocation (newsdive.publish.batch), on the in-memory adapters."""

from __future__ import annotations

import pytest

from newsdive.aggregate.stage import Aggregator, assign
from newsdive.publish.batch import PublishBatch
from newsdive.publish.settle import SettleReport
from newsdive.publish.stage import Publisher
from newsdive.storage.memory import MemoryCandidateIndex, MemoryCdn, MemoryObjectStore, MemoryStoryRepository

from ..factories import BRIDGE, CHESS, FLOOD, article


@pytest.fixture
def deps():
    stories, index = MemoryStoryRepository(), MemoryCandidateIndex()
    agg = Aggregator(stories=stories, index=index, sleep=lambda _s: None)
    for n, (outlet, (title, body)) in enumerate([("plain-times", BRIDGE), ("mid-wire", FLOOD), ("blue-herald", CHESS)]):
        assign(article(outlet, title, body, hours=n), agg)
    return Publisher(stories=stories, index=index, public=MemoryObjectStore(), cdn=MemoryCdn())


def test_each_story_is_published_once_and_the_feeds_of_its_category_once_at_the_end(deps):
    batch = PublishBatch(deps)
    stories = deps.stories.newest(limit=10)
    results = [batch.story(s) for s in stories]
    assert [r.outcome for r in results] == ["published"] * 3
    assert all(r.story.public_id and f"deep-dives/{r.story.public_id}.json" in deps.public.keys("deep-dives/")
               for r in results)
    # A batch often holds several versions of a hot story: the same version again renders nothing.
    assert batch.story(stories[0]).outcome == "rendered in this batch"
    assert batch.touched == {s.category for s in stories}
    index = batch.index()
    assert "index/latest.json" in index.written and batch.reports[-1] is index
    # one invalidation for the invocation: the schemas (documents carry a short max-age)
    assert batch.invalidate() == sorted(f"/{k}" for k in index.written if k.startswith("schemas/"))
    assert len(deps.cdn.invalidations) == 1


def test_a_later_invocation_finds_the_story_current_and_still_refreshes_its_feeds(deps):
    story = deps.stories.newest(limit=1)[0]
    PublishBatch(deps).story(story)
    again = PublishBatch(deps)  # a new invocation: nothing is remembered from the first one
    result = again.story(story)
    assert result.outcome == "current" and result.report.current
    assert again.reports == [] and again.touched == {story.category}


def test_the_table_decides_not_the_stream_image(deps):
    story = deps.stories.newest(limit=1)[0]
    stale = story.model_copy(update={"version": story.version - 1, "title": "an older title"})
    result = PublishBatch(deps).story(stale)
    assert result.story.version == story.version and result.story.title == story.title


def test_a_merged_story_is_retired_and_its_category_refreshed(deps):
    story = deps.stories.newest(limit=1)[0]
    PublishBatch(deps).story(story)
    merged = deps.stories.save(story.model_copy(update={"merged_into": "another-story"}),
                               expected_version=story.version)
    batch = PublishBatch(deps)
    result = batch.story(merged, before=story)
    assert result.outcome == "retired" and f"deep-dives/{story.public_id}.json" in result.retired
    assert f"deep-dives/{story.public_id}.json" not in deps.public.keys("deep-dives/")
    assert batch.touched == {story.category} and batch.reports == []


def test_the_category_a_story_left_is_refreshed_too(deps):
    story = deps.stories.newest(limit=1)[0]
    batch = PublishBatch(deps)
    batch.story(story, left_category="sports" if story.category != "sports" else "world")
    assert batch.touched == {story.category, "sports" if story.category != "sports" else "world"}


def test_a_settle_run_invalidates_what_it_removed(deps):
    batch = PublishBatch(deps)
    batch.story(deps.stories.newest(limit=1)[0])
    batch.settled(SettleReport(stories=1, written=["index/latest.json"], removed=["deep-dives/gone.json"]))
    assert batch.invalidate() == ["/deep-dives/gone.json"]
