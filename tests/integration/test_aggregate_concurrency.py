"""Aggregators running at the same time against the stack's DynamoDB tables (moto server, infra/template.yaml):
concurrent updates of one story lose nothing, and one article delivered twice counts once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from newsdive.aggregate.stage import Aggregator, assign
from newsdive.model.article import Article, SourceRef, url_id
from newsdive.model.catalog import Catalog
from newsdive.model.errors import VersionConflictError
from newsdive.model.sources import Bias
from newsdive.storage.aws import DynamoCandidateIndex, DynamoStoryRepository

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
TITLE = "Kestrel Bay council delays the Ostrava Bridge toll vote"
BODY = ("The Kestrel Bay council postponed its vote on the Ostrava Bridge toll plan after mayor Lidia Ferrante asked "
        "for a new traffic study. The bridge, opened in 1974, carries 41,000 cars a day.")
OUTLETS = [("red-post", Bias.LEFT), ("plain-times", Bias.CENTER), ("iron-courier", Bias.RIGHT),
           ("mid-wire", Bias.CENTER), ("rose-daily", Bias.LEAN_LEFT)]


@pytest.fixture(scope="module")
def stack():
    from newsdive_tools.local.runner import local_stack

    with local_stack() as (deployed, session):
        yield deployed, session


def _aggregator(stack) -> Aggregator:
    """An aggregator with its own DynamoDB client, as a second Lambda container would have."""
    deployed, session = stack
    env = deployed.functions["aggregate"].environment
    ddb = session.client("dynamodb", endpoint_url=deployed.endpoint_url, region_name=deployed.region)
    return Aggregator(stories=DynamoStoryRepository(env["STORIES_TABLE"], ddb),
                      index=DynamoCandidateIndex(env["INDEX_TABLE"], ddb), catalog=Catalog([]))


FERRY = ("Kelsington ferry terminal expansion approved by harbour board",
         "The Kelsington harbour board approved a 40 million pound expansion of the ferry terminal, adding two "
         "berths for larger vessels. Chair Odile Brennick said work starts in spring.")


def _article(n: int, *, tag: str, url: str | None = None, canonical: str | None = None,
             text: tuple[str, str] = (TITLE, BODY)) -> Article:
    outlet, bias = OUTLETS[n % len(OUTLETS)]
    url = url or f"https://{outlet}.example/{tag}/{n}"
    title, body = text
    return Article(
        id=url_id(canonical or url), url=url, canonical_url=canonical,
        source=SourceRef(id=outlet, name=outlet.replace("-", " ").title(), bias=bias, country="US", language="en"),
        title=f"{title} ({tag} {n})" if n else title, paragraphs=[body, f"Report number {n}."],
        published_at=T0 + timedelta(minutes=10 * n), language="en", word_count=40,
    )


def _with_start_line(deps: Aggregator, barrier: threading.Barrier, conflicts: list[int]) -> Aggregator:
    """Hold this aggregator's first story write until every other aggregator is about to write too."""
    save, state = deps.stories.save, {"first": True}

    def racing_save(story, *, expected_version):
        if state["first"]:
            state["first"] = False
            barrier.wait(timeout=60)
        try:
            return save(story, expected_version=expected_version)
        except VersionConflictError:
            conflicts.append(1)
            raise

    deps.stories.save = racing_save
    return deps


def test_aggregators_writing_one_story_at_once_lose_no_article(stack):
    seed = assign(_article(0, tag="race"), _aggregator(stack))
    writers = 4
    barrier, conflicts = threading.Barrier(writers), []
    aggregators = [_with_start_line(_aggregator(stack), barrier, conflicts) for _ in range(writers)]
    articles = [_article(n, tag="race") for n in range(1, writers + 1)]
    with ThreadPoolExecutor(writers) as pool:
        results = list(pool.map(assign, articles, aggregators))
    assert {r.story_id for r in results} == {seed.story_id}
    story = _aggregator(stack).stories.get(seed.story_id)
    assert set(story.members) == {_article(0, tag="race").id, *(a.id for a in articles)}
    assert story.version == writers + 1  # one write per article: no lost update, no extra write
    assert len(conflicts) >= writers - 1  # they really raced: all but one lost the first round and retried
    assert sum(story.bias.counts.model_dump().values()) == len(story.outlets())


def test_one_article_delivered_twice_at_once_and_from_two_feeds_counts_once(stack):
    canonical = "https://plain-times.example/news/ferry-terminal"
    deliveries = [
        _article(6, tag="dup", canonical=canonical, url=canonical, text=FERRY),
        _article(6, tag="dup", canonical=canonical, url=canonical, text=FERRY),
        _article(6, tag="dup", canonical=canonical, url=f"{canonical}?utm_source=rss", text=FERRY),  # other feed
    ]
    barrier, conflicts = threading.Barrier(len(deliveries)), []
    aggregators = [_with_start_line(_aggregator(stack), barrier, conflicts) for _ in deliveries]
    with ThreadPoolExecutor(len(deliveries)) as pool:
        results = list(pool.map(assign, deliveries, aggregators))
    assert len({r.story_id for r in results}) == 1
    story = _aggregator(stack).stories.get(results[0].story_id)
    assert list(story.members) == [deliveries[0].id]
    assert story.bias.counts.center == 1 and story.version == 1 and sum(r.created for r in results) == 1


def test_newest_follows_the_query_pages_past_dynamodbs_one_megabyte(stack):
    """Re-clustering reads its whole window through `newest`: a page stops at 1 MB, the window must not."""
    from newsdive.model.story import Member, StoryRecord

    repository = _aggregator(stack).stories
    bulky = "Harbour board minutes, read aloud in full. " * 1200  # ~50 KB per story item
    for n in range(30):
        member = Member(article_id=f"bulk-{n:02d}", outlet_id="plain-times", outlet="Plain Times", bias=Bias.CENTER,
                        title=f"Bulky story {n}", url=f"https://plain-times.example/bulk/{n}",
                        published_at=T0 + timedelta(minutes=n), category="science", lead=bulky)
        story = StoryRecord(story_id=f"bulk-{n:02d}", members={member.article_id: member}, category="science",
                            updated_at=member.published_at)
        repository.save(story, expected_version=None)
    newest = repository.newest(category="science", limit=1000)
    assert [s.story_id for s in newest] == [f"bulk-{n:02d}" for n in reversed(range(30))]
    assert [s.story_id for s in repository.newest(category="science", limit=5)] == [f"bulk-{n:02d}"
                                                                                    for n in (29, 28, 27, 26, 25)]
