"""Story assignment through the same code the aggregate function uses, on in-memory ports."""

from __future__ import annotations

import pytest

from newsdive.aggregate.cluster.assign import AssignConfig
from newsdive.aggregate.stage import Aggregator, assign, member_of, merge_stories, resolve
from newsdive.model.catalog import Catalog, CatalogOutlet
from newsdive.model.errors import VersionConflictError
from newsdive.model.sources import Bias, Side
from newsdive.model.story import with_member
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

from ..factories import BRIDGE, CHESS, FLOOD, article


@pytest.fixture
def deps() -> Aggregator:
    return Aggregator(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), sleep=lambda _s: None,
                      catalog=Catalog([]))


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


# --- story life, merges and redirects --------------------------------------------------------------------------

FERRY = ("Kelsington ferry terminal expansion approved by harbour board",
         "The Kelsington harbour board approved a 40 million pound expansion of the ferry terminal, adding two "
         "berths for larger vessels. Chair Odile Brennick said work starts in spring.")
QUAY = ("Dockers cheer longer quay plan for the harbour",
        "Members of the dockers union welcomed plans for a longer quay and a ferry berth, saying night shifts "
        "would return. Union secretary Amos Pryle called it overdue.")
BOTH = ("Kelsington harbour board backs ferry terminal and longer quay for dockers",
        "The harbour board's 40 million pound plan gives the ferry terminal two new berths and the dockers a longer "
        "quay; Odile Brennick and union secretary Amos Pryle both praised it.")


@pytest.fixture
def merging() -> Aggregator:
    config = AssignConfig(threshold=0.3, threshold_short=0.3, threshold_low=0.3, merge_similarity=0.05)
    return Aggregator(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), config=config,
                      sleep=lambda _s: None)


def test_an_article_that_shows_two_stories_are_one_event_merges_them(merging):
    ferry = assign(article("plain-times", *FERRY), merging)
    quay = assign(article("iron-courier", *QUAY, hours=1), merging)
    assert ferry.story_id != quay.story_id  # on their own they look like two stories
    both = assign(article("red-post", *BOTH, hours=2), merging)
    assert both.story_id == ferry.story_id and both.merged == quay.story_id  # the older story survives
    survivor = merging.stories.get(ferry.story_id)
    assert len(survivor.members) == 3 and survivor.bias.counts.left == 1 and survivor.bias.counts.right == 1
    gone = merging.stories.get(quay.story_id)
    assert gone.merged_into == ferry.story_id and gone.centroid == {}
    assert resolve(quay.story_id, merging) == ferry.story_id
    assert [s.story_id for s in merging.stories.newest()] == [ferry.story_id]  # the redirect is listed nowhere


def test_redelivery_of_an_article_of_a_merged_away_story_counts_once_in_the_survivor(merging):
    ferry = assign(article("plain-times", *FERRY), merging)
    first_quay = article("iron-courier", *QUAY, hours=1)
    assign(first_quay, merging)
    assign(article("red-post", *BOTH, hours=2), merging)
    again = assign(first_quay, merging)  # its claim still names the merged-away story
    assert again.story_id == ferry.story_id and not again.changed
    assert len(merging.stories.get(ferry.story_id).members) == 3


def test_merging_twice_adds_nothing(merging):
    ferry = assign(article("plain-times", *FERRY), merging)
    quay = assign(article("iron-courier", *QUAY, hours=1), merging)
    assert merge_stories(quay.story_id, ferry.story_id, merging) == ferry.story_id
    version = merging.stories.get(ferry.story_id).version
    assert merge_stories(ferry.story_id, quay.story_id, merging) == ferry.story_id
    assert merging.stories.get(ferry.story_id).version == version


def test_a_member_added_to_the_merged_story_meanwhile_is_not_lost(merging):
    ferry = assign(article("plain-times", *FERRY), merging)
    quay = assign(article("iron-courier", *QUAY, hours=1), merging)
    late = member_of(article("rose-daily", *QUAY, hours=1.5))
    original = merging.stories.save
    state = {"raced": False}

    def racing_save(story, *, expected_version):
        if story.merged_into and not state["raced"]:  # another aggregator adds to the story being merged away
            state["raced"] = True
            current = merging.stories.stories[quay.story_id]
            original(with_member(current, late, merging.rule), expected_version=current.version)
        return original(story, expected_version=expected_version)

    merging.stories.save = racing_save
    merge_stories(ferry.story_id, quay.story_id, merging)
    assert state["raced"] and late.article_id in merging.stories.get(ferry.story_id).members


def _running_story(window_hours: int) -> tuple[str, str]:
    """A story updated every 6 hours for 66 hours, then one more article at 74 hours: (first id, last id)."""
    deps = Aggregator(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), sleep=lambda _s: None,
                      catalog=Catalog([]), config=AssignConfig(window_hours=window_hours))
    first = assign(article("red-post", *BRIDGE), deps).story_id
    for hours in range(6, 67, 6):
        assert assign(article("plain-times", *_variant(BRIDGE, f"update {hours}"), hours=hours, n=hours),
                      deps).story_id == first
    return first, assign(article("iron-courier", *_variant(BRIDGE, "finally voted"), hours=74), deps).story_id


def test_a_story_does_not_accept_articles_long_after_its_first_one():
    first, late = _running_story(window_hours=72)
    assert late != first  # updated 8 hours before, but opened 74 hours before
    first, late = _running_story(window_hours=96)
    assert late == first


# --- outlet ratings from the catalog ---------------------------------------------------------------------------


def _catalog() -> Catalog:
    return Catalog([CatalogOutlet(id="town-notes", name="Town Notes", homepage="https://town-notes.example/",
                                  domains=["town-notes.example"], bias=Bias.LEAN_RIGHT)])


def test_an_unrated_source_takes_the_catalog_rating_of_the_article_url(deps):
    deps.catalog = _catalog()
    result = assign(article("town-notes", *BRIDGE), deps)
    story = deps.stories.get(result.story_id)
    assert story.members[next(iter(story.members))].bias == Bias.LEAN_RIGHT
    assert story.bias.counts.right == 1 and story.bias.unrated == 0


def test_a_rating_in_the_sources_file_wins_over_the_catalog(deps):
    deps.catalog = Catalog([CatalogOutlet(id="red", name="Red", homepage="https://red-post.example/",
                                          domains=["red-post.example"], bias=Bias.RIGHT)])
    result = assign(article("red-post", *BRIDGE), deps)
    assert deps.stories.get(result.story_id).bias.counts.left == 1


# --- an article kept without its body (a flagged page) -------------------------------------------------------


def test_an_article_without_body_or_section_is_classified_from_its_description():
    """GIVEN a flagged Korean page kept without body or section, WHEN it becomes a member, THEN its category is
    read from the description its markup gives (not `general` for want of text); with a body, the body counts."""
    shell = article("plain-times", "버스 요금 동결안 통과", "").model_copy(update={
        "paragraphs": [], "language": "ko", "flags": ["script-rendered"],
        "description": "시의회가 버스 요금 동결 조례안을 통과시켰다. 야당 의원들은 표결에 앞서 예산 부담을 지적했다.",
    })
    assert member_of(shell).category == "politics"
    assert member_of(shell.model_copy(update={"description": None})).category == "general"
    body = ["결승전에서 홈팀 선수들이 우승을 차지했다. 리그 시즌 마지막 경기였다."]
    assert member_of(shell.model_copy(update={"paragraphs": body})).category == "sports"
