"""`DynamoStoryRepository.newest` over several index partitions (moto server, infra/template.yaml): the merge of
the categories gives exactly the newest stories overall, reading little more than it returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsdive.model.sources import Bias
from newsdive.model.story import Member, StoryRecord
from newsdive.storage.aws import DynamoStoryRepository

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def repository():
    from newsdive_tools.local.runner import local_stack

    with local_stack() as (deployed, session):
        ddb = session.client("dynamodb", endpoint_url=deployed.endpoint_url, region_name=deployed.region)
        yield DynamoStoryRepository(deployed.functions["aggregate"].environment["STORIES_TABLE"], ddb)


def _save(repository, story_id: str, category: str, minutes: float) -> None:
    when = T0 + timedelta(minutes=minutes)
    member = Member(article_id=story_id, outlet_id="plain-times", outlet="Plain Times", bias=Bias.CENTER,
                    title=f"Story {story_id}", url=f"https://plain-times.example/{story_id}", published_at=when,
                    category=category, lead="A short lead of our own.")
    repository.save(StoryRecord(story_id=story_id, members={story_id: member}, category=category, updated_at=when),
                    expected_version=None)


class _Counting:
    """The DynamoDB client, counting the items each query returned (what its read units are charged on)."""

    def __init__(self, client) -> None:
        self.client, self.items, self.queries = client, 0, 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def query(self, **kwargs):
        response = self.client.query(**kwargs)
        self.items += len(response.get("Items", []))
        self.queries += 1
        return response


def test_the_newest_overall_are_merged_from_the_categories_reading_about_what_they_return(repository):
    from newsdive.aggregate.classify import CATEGORIES

    # Every category has stories, and the window is lopsided: politics every 3 minutes, sports every 7.
    times = {f"pol-{n:02d}": ("politics", 3 * n) for n in range(60)}
    times.update({f"spo-{n:02d}": ("sports", 7 * n + 0.5) for n in range(25)})
    for k, category in enumerate(c for c in CATEGORIES if c not in ("politics", "sports")):
        times.update({f"{category[:3]}-{n:02d}": (category, 30 * n + 0.1 * (k + 1)) for n in range(6)})
    for story_id, (category, minutes) in times.items():
        _save(repository, story_id, category, minutes)
    everything = sorted(times, key=lambda s: -times[s][1])
    counting = _Counting(repository._ddb)
    merged = DynamoStoryRepository(repository.table, counting)
    for limit in (1, 5, 20, 50, 120, 200):
        counting.items = counting.queries = 0
        newest = [s.story_id for s in merged.newest(limit=limit)]
        assert newest == everything[:limit]
        # Reading each category's `limit` newest, as before, returned up to len(CATEGORIES) x limit items.
        assert counting.items <= max(2 * limit, limit + 4 * len(CATEGORIES)), (limit, counting.items)
        assert counting.queries <= 3 * len(CATEGORIES), (limit, counting.queries)
    assert [s.story_id for s in merged.newest(category="sports", limit=3)] == ["spo-24", "spo-23", "spo-22"]
    assert merged.newest(limit=0) == []


def test_small_candidate_stories_are_read_whole_in_one_batched_consistent_read(repository):
    """The weakest-link scoring reads up to three candidate stories: one BatchGetItem, not one GetItem each."""
    for n in range(3):
        _save(repository, f"cand-{n}", "world", 500 + n)
    counting = _Counting(repository._ddb)
    calls = []
    counting.batch_get_item = lambda **kw: calls.append(kw) or repository._ddb.batch_get_item(**kw)
    found = DynamoStoryRepository(repository.table, counting).get_many(["cand-2", "cand-0", "missing", "cand-2"])
    assert sorted(found) == ["cand-0", "cand-2"]
    assert found["cand-2"] == repository.get("cand-2")
    assert len(calls) == 1 and calls[0]["RequestItems"][repository.table]["ConsistentRead"] is True
    assert len(calls[0]["RequestItems"][repository.table]["Keys"]) == 3
    assert DynamoStoryRepository(repository.table, counting).get_many([]) == {} and len(calls) == 1
