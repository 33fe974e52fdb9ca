"""Publishing that does not depend on event order (newsdive.publish.settle, StoryRecord.public_id), with the in-memory
adapters and the real assignment and publish code."""

from __future__ import annotations

import pytest

from newsdive.aggregate.stage import Aggregator, assign
from newsdive.publish.settle import is_live, is_settle_event, retire_moved, settle, settle_depth
from newsdive.publish.stage import Publisher, publish
from newsdive.storage.memory import MemoryCandidateIndex, MemoryObjectStore, MemoryStoryRepository

from ...factories import BRIDGE, CHESS, FLOOD, article

BRIDGE_EARLY = article("plain-times", *BRIDGE, hours=0, n=1)
BRIDGE_LATE = article("red-post", *BRIDGE, hours=3, n=2)
FLOOD_ONE = article("mid-wire", *FLOOD, hours=1, n=3)
CHESS_ONE = article("blue-herald", *CHESS, hours=2, n=4)


def _world():
    stories, index = MemoryStoryRepository(), MemoryCandidateIndex()
    aggregator = Aggregator(stories=stories, index=index, sleep=lambda _s: None)
    publisher = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    return aggregator, publisher


def _run(order) -> dict[str, bytes]:
    """Assign and publish one article at a time, as the stream would, then settle."""
    aggregator, publisher = _world()
    for item in order:
        result = assign(item, aggregator)
        story = publisher.stories.get(result.story_id)
        retire_moved(story, [story], publisher)
        publish(story, publisher)
    settle(publisher, depth=1000)
    return {k: v.body for k, v in publisher.public.objects.items()}


def test_a_story_is_published_under_its_first_report_whatever_came_first():
    aggregator, publisher = _world()
    founded = assign(BRIDGE_LATE, aggregator)
    first = publisher.stories.get(founded.story_id)
    publish(first, publisher)
    assert f"deep-dives/{BRIDGE_LATE.id}.json" in publisher.public.objects
    joined = assign(BRIDGE_EARLY, aggregator)
    assert joined.story_id == BRIDGE_LATE.id  # the stored key stays the founder's
    story = publisher.stories.get(joined.story_id)
    assert story.public_id == BRIDGE_EARLY.id  # ... the published one is the earliest report's
    assert retire_moved(story, [first, story], publisher) == [f"deep-dives/{BRIDGE_LATE.id}.json"]
    publish(story, publisher)
    deep_dives = [k for k in publisher.public.objects if k.startswith("deep-dives/")]
    assert deep_dives == [f"deep-dives/{BRIDGE_EARLY.id}.json"]


def test_two_orders_of_the_same_articles_settle_to_byte_identical_documents():
    one = _run([BRIDGE_LATE, FLOOD_ONE, BRIDGE_EARLY, CHESS_ONE])
    other = _run([CHESS_ONE, BRIDGE_EARLY, FLOOD_ONE, BRIDGE_LATE])
    assert sorted(one) == sorted(other)
    assert [k for k in one if one[k] != other[k]] == []
    assert sum(k.startswith("deep-dives/") for k in one) == 3


def test_settle_removes_deep_dives_no_story_is_published_under():
    aggregator, publisher = _world()
    assign(FLOOD_ONE, aggregator)
    publisher.public.put("deep-dives/gone.json", b"{}", content_type="application/json")
    report = settle(publisher, depth=1000)
    assert report.removed == ["deep-dives/gone.json"] and report.stories == 1
    assert f"deep-dives/{FLOOD_ONE.id}.json" in publisher.public.objects


def test_a_partial_settle_removes_nothing():
    aggregator, publisher = _world()
    for item in (FLOOD_ONE, CHESS_ONE):
        assign(item, aggregator)
    publisher.public.put("deep-dives/older.json", b"{}", content_type="application/json")
    report = settle(publisher, depth=1)  # covered one story of two: the rest is unknown, keep it
    assert report.removed == [] and "deep-dives/older.json" in publisher.public.objects


def test_a_settled_state_settles_to_no_writes():
    aggregator, publisher = _world()
    for item in (BRIDGE_EARLY, FLOOD_ONE):
        assign(item, aggregator)
    settle(publisher, depth=1000)
    assert settle(publisher, depth=1000).written == []


def test_a_merged_away_story_is_not_live():
    aggregator, publisher = _world()
    story = publisher.stories.get(assign(FLOOD_ONE, aggregator).story_id)
    assert is_live(story)
    if "merged_into" not in type(story).model_fields:
        pytest.skip("stories have no merge redirect in this version")
    assert not is_live(story.model_copy(update={"merged_into": "other"}))


@pytest.mark.parametrize(("event", "expected"), [
    ({"source": "newsdive.settle", "detail": {"depth": 50}}, (True, 50)),
    ({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, (True, 200)),
    ({"Records": []}, (False, None)),
    ({"source": "newsdive.settle", "detail": {"depth": "lots"}}, (True, 200)),
])
def test_settle_events_are_told_from_stream_batches(event, expected):
    settles, depth = expected
    assert is_settle_event(event) is settles
    if settles:
        assert settle_depth(event) == depth
