"""Re-clustering (newsdive.aggregate.recluster): the stories become a function of their articles, whatever order built
them, with the in-memory adapters and the real assignment code."""

from __future__ import annotations

from newsdive.aggregate.recluster import canonical_order, is_recluster_event, recluster, recluster_depth, target_stories
from newsdive.aggregate.stage import Aggregator, assign, member_of, resolve
from newsdive.model.errors import VersionConflictError
from newsdive.model.story import StoryRecord, with_members
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

from ..factories import BRIDGE, CHESS, FLOOD, article

BRIDGE_A = article("plain-times", *BRIDGE, hours=0, n=1)
BRIDGE_B = article("red-post", *BRIDGE, hours=2, n=2)
BRIDGE_C = article("iron-courier", *BRIDGE, hours=4, n=3)
FLOOD_A = article("mid-wire", *FLOOD, hours=1, n=4)
FLOOD_B = article("blue-herald", *FLOOD, hours=3, n=5)
CHESS_A = article("rose-daily", *CHESS, hours=2, n=6)
ALL = [BRIDGE_A, BRIDGE_B, BRIDGE_C, FLOOD_A, FLOOD_B, CHESS_A]


def _world(repository: MemoryStoryRepository | None = None) -> Aggregator:
    return Aggregator(stories=repository or MemoryStoryRepository(), index=MemoryCandidateIndex(),
                      sleep=lambda _s: None)


def _live(deps: Aggregator) -> dict[str, set[str]]:
    return {s.story_id: set(s.members) for s in deps.stories.stories.values() if s.members and not s.merged_into}


def _scrambled() -> Aggregator:
    """A stored state online assignment could have left: the floods split, a bridge report among them."""
    deps = _world()
    groups = {BRIDGE_C.id: [BRIDGE_C, BRIDGE_B], FLOOD_B.id: [FLOOD_B, BRIDGE_A], FLOOD_A.id: [FLOOD_A],
              CHESS_A.id: [CHESS_A]}
    for story_id, items in groups.items():
        members = [member_of(a) for a in items]
        deps.stories.save(with_members(StoryRecord(story_id=story_id), members, deps.rule), expected_version=None)
        for item in items:
            deps.index.claim_assignment(item.id, story_id)
    return deps


def test_canonical_order_is_published_time_then_id_with_undated_last():
    members = [member_of(a) for a in ALL]
    undated = members[0].model_copy(update={"published_at": None, "article_id": "0-undated"})
    ordered = canonical_order([*reversed(members), undated])
    assert [m.article_id for m in ordered] == [a.id for a in sorted(ALL, key=lambda a: (a.published_at, a.id))] + [
        "0-undated"]


def test_the_target_stories_do_not_depend_on_the_order_members_are_given_in():
    members = [member_of(a) for a in ALL]
    one = target_stories(members, _world())
    other = target_stories(list(reversed(members)), _world())
    assert {k: set(v.members) for k, v in one.items()} == {k: set(v.members) for k, v in other.items()}
    assert {k: set(v.members) for k, v in one.items()} == {
        BRIDGE_A.id: {BRIDGE_A.id, BRIDGE_B.id, BRIDGE_C.id},
        FLOOD_A.id: {FLOOD_A.id, FLOOD_B.id},
        CHESS_A.id: {CHESS_A.id},
    }


def test_recluster_rewrites_a_scrambled_state_into_the_canonical_stories():
    deps = _scrambled()
    report = recluster(deps, depth=100)
    assert _live(deps) == {
        BRIDGE_A.id: {BRIDGE_A.id, BRIDGE_B.id, BRIDGE_C.id},
        FLOOD_A.id: {FLOOD_A.id, FLOOD_B.id},
        CHESS_A.id: {CHESS_A.id},
    }
    assert report.stories_before == 4 and report.stories_after == 3 and report.conflicts == []
    # the stories that no longer exist redirect to the story holding most of their articles
    assert deps.stories.get(BRIDGE_C.id).merged_into == BRIDGE_A.id
    # one flood report, one bridge report: a tie, the smaller id wins
    assert deps.stories.get(FLOOD_B.id).merged_into == min(FLOOD_A.id, BRIDGE_A.id)
    assert sorted(report.redirected) == sorted([BRIDGE_C.id, FLOOD_B.id])


def test_a_second_pass_over_a_reclustered_state_writes_nothing():
    deps = _scrambled()
    recluster(deps, depth=100)
    writes = deps.stories.ops["write"], deps.index.ops["write"]
    report = recluster(deps, depth=100)
    assert (report.rewritten, report.redirected, report.moved) == ([], [], 0)
    assert (deps.stories.ops["write"], deps.index.ops["write"]) == writes


def test_a_moved_article_delivered_again_stays_in_its_new_story():
    deps = _scrambled()
    recluster(deps, depth=100)
    before = _live(deps)
    for item in ALL:
        result = assign(item, deps)
        assert not result.changed and resolve(result.story_id, deps) == result.story_id
    assert _live(deps) == before
    assert deps.index.assignment(BRIDGE_A.id) == BRIDGE_A.id


def test_articles_arriving_after_a_pass_join_the_reclustered_stories():
    deps = _world()
    for item in [BRIDGE_C, FLOOD_A, BRIDGE_A, CHESS_A]:
        assign(item, deps)
    recluster(deps, depth=100)
    late = assign(BRIDGE_B, deps)
    assert not late.created
    assert _live(deps)[late.story_id] == {BRIDGE_A.id, BRIDGE_B.id, BRIDGE_C.id}


def test_a_story_that_already_has_its_canonical_members_keeps_its_id_and_is_not_written():
    deps = _world()
    for item in [BRIDGE_C, FLOOD_A, BRIDGE_A, CHESS_A]:  # the bridge story is founded by its latest report
        assign(item, deps)
    before = {k: v.version for k, v in deps.stories.stories.items()}
    report = recluster(deps, depth=100)
    assert (report.rewritten, report.redirected, report.moved) == ([], [], 0)
    assert {k: v.version for k, v in deps.stories.stories.items()} == before
    assert _live(deps)[BRIDGE_C.id] == {BRIDGE_A.id, BRIDGE_C.id}
    assert deps.stories.get(BRIDGE_C.id).public_id == BRIDGE_A.id  # documents are named by the first report


class _Busy(MemoryStoryRepository):
    """A repository where one story is written by someone else between the pass's read and its write."""

    def __init__(self, busy: str) -> None:
        super().__init__()
        self.busy = busy

    def save(self, story: StoryRecord, *, expected_version: int | None) -> StoryRecord:
        if story.story_id == self.busy and expected_version is not None:
            raise VersionConflictError(story.story_id)
        return super().save(story, expected_version=expected_version)


def test_a_story_changed_during_the_pass_is_left_for_the_next_one():
    deps = _scrambled()
    busy = _world(_Busy(FLOOD_B.id))
    busy.stories.stories, busy.index = deps.stories.stories, deps.index
    report = recluster(busy, depth=100)
    assert report.conflicts == [FLOOD_B.id]
    assert FLOOD_B.id in _live(busy)  # untouched: still live with what it had
    busy.stories.busy = ""
    recluster(busy, depth=100)
    assert FLOOD_B.id not in _live(busy) and _live(busy)[FLOOD_A.id] == {FLOOD_A.id, FLOOD_B.id}


def test_recluster_events_are_recognised_and_their_depth_read():
    event = {"source": "newsdive.recluster", "detail": {"depth": 40}}
    assert is_recluster_event(event) and recluster_depth(event) == 40
    assert recluster_depth({"source": "newsdive.recluster", "detail": {"depth": "x"}}) == 500
    assert not is_recluster_event({"Records": []})
    assert not is_recluster_event({"source": "newsdive.settle"})
