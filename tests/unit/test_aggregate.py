"""Story assignment through the same code the aggregate function uses, on in-memory ports."""

from __future__ import annotations

import pytest

from newsdive.aggregate import Aggregator, assign
from newsdive.errors import VersionConflictError
from newsdive.sources import Side
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

from .factories import BRIDGE, CHESS, FLOOD, article


@pytest.fixture
def deps() -> Aggregator:
    return Aggregator(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), sleep=lambda _s: None)


def _variant(pair: list[str], twist: str) -> tuple[str, str]:
    title, body = pair
    return f"{title} {twist}", f"{twist.capitalize()}. {body}"


def test_articles_about_the_same_event_join_one_story_and_others_do_not(deps):
    a = assign(article("red-post", *BRIDGE), deps)
    b = assign(article("iron-courier", *_variant(BRIDGE, "critics fume"), hours=3), deps)
    c = assign(article("plain-times", *FLOOD, hours=1), deps)
    d = assign(article("mid-wire", *_variant(FLOOD, "commuters stranded"), hours=5), deps)
    e = assign(article("town-notes", *CHESS, hours=2), deps)
    assert a.created and not b.created and b.story_id == a.story_id
    assert c.created and d.story_id == c.story_id
    assert len({a.story_id, c.story_id, e.story_id}) == 3


def test_duplicate_delivery_counts_article_once(deps):
    first = article("red-post", *BRIDGE)
    assign(first, deps)
    again = assign(first, deps)
    assert not again.changed
    story = deps.stories.get(again.story_id)
    assert story is not None and len(story.members) == 1 and story.version == 1


def test_outlet_with_two_articles_counts_once_in_the_bias_figures(deps):
    assign(article("red-post", *BRIDGE), deps)
    assign(article("red-post", *_variant(BRIDGE, "second look"), hours=1, n=2), deps)
    result = assign(article("blue-herald", *_variant(BRIDGE, "taxpayers wait"), hours=2), deps)
    story = deps.stories.get(result.story_id)
    assert len(story.members) == 3
    assert (story.bias.left, story.bias.center, story.bias.right) == (50, 0, 50)
    assert story.bias.counts.left == 1


def test_blindspot_is_recomputed_from_members(deps):
    for i, outlet in enumerate(["red-post", "rose-daily", "plain-times"]):
        result = assign(article(outlet, *_variant(BRIDGE, f"angle {i}"), hours=i), deps)
    story = deps.stories.get(result.story_id)
    assert story.blindspot == Side.RIGHT and len(story.members) == 3


def test_a_retry_after_a_crash_finishes_the_claimed_assignment(deps):
    first = article("red-post", *BRIDGE)
    deps.index.claim_assignment(first.id, "claimed-story")  # crashed right after the claim
    result = assign(first, deps)
    assert result.story_id == "claimed-story" and result.created
    assert list(deps.stories.get("claimed-story").members) == [first.id]


def test_conflicting_writers_retry_until_the_story_is_written(deps):
    original = deps.stories.save
    calls = {"n": 0}

    def flaky_save(story, *, expected_version):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise VersionConflictError("lost the race")
        return original(story, expected_version=expected_version)

    deps.stories.save = flaky_save
    result = assign(article("red-post", *BRIDGE), deps)
    assert calls["n"] == 3 and deps.stories.get(result.story_id) is not None


def test_late_article_outside_the_window_starts_a_new_story(deps):
    a = assign(article("red-post", *BRIDGE), deps)
    b = assign(article("plain-times", *_variant(BRIDGE, "months later"), hours=24 * 30), deps)
    assert b.story_id != a.story_id


def test_per_article_reads_do_not_grow_with_stored_stories(deps):
    for i in range(300):
        title = f"Unrelated item number {i} about topic{i} and thing{i}"
        assign(article("mid-wire", title, f"Body of topic{i} with word{i} and more{i}.", hours=i % 48, n=i), deps)
    before = sum(deps.index.ops.values()) + sum(deps.stories.ops.values())
    assign(article("red-post", *BRIDGE, hours=10), deps)
    after = sum(deps.index.ops.values()) + sum(deps.stories.ops.values())
    assert after - before <= 20
