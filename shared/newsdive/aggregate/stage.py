"""The aggregate stage's domain logic: an article joins a story, and the story's figures are recomputed.

Two stories merge when an article shows they are one event (see `newsdive.aggregate.cluster.assign`): the older story
absorbs the younger one's members, and the younger record stays behind as a redirect (`merged_into`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsdive.aggregate.bias import BlindspotRule
from newsdive.aggregate.classify import categorize, regions
from newsdive.aggregate.cluster.assign import AssignConfig, choose_story, posting_keys
from newsdive.aggregate.cluster.features import term_vector
from newsdive.aggregate.cluster.weekdays import named_weekdays
from newsdive.aggregate.sentiment import language_of, read
from newsdive.language.plaintext import lead, plain
from newsdive.model.article import Article
from newsdive.model.catalog import Catalog, load_catalog
from newsdive.model.errors import VersionConflictError
from newsdive.model.sources import Bias
from newsdive.model.story import Member, StoryRecord, with_member, with_members
from newsdive.storage.ports import CandidateIndex, StoryRepository

MAX_ATTEMPTS = 8
MAX_REDIRECTS = 8


@dataclass
class Aggregator:
    stories: StoryRepository
    index: CandidateIndex
    rule: BlindspotRule = field(default_factory=BlindspotRule)
    config: AssignConfig = field(default_factory=AssignConfig)
    sleep: Callable[[float], object] = time.sleep  # injected by tests/benchmarks to skip the back-off
    catalog: Catalog | None = None  # rates articles of `unrated` sources; None: the default catalog (lazy)

    def rating_catalog(self) -> Catalog:
        if self.catalog is None:
            self.catalog = load_catalog()
        return self.catalog


@dataclass(frozen=True)
class Assigned:
    story_id: str
    created: bool
    changed: bool
    score: float | None = None
    merged: str | None = None  # a story this article showed to be the same event, merged into `story_id`


def _category_text(article: Article) -> str:
    """The text an article's category is read from: its body, else (a flagged page kept without one) the
    description its markup gives, which says what it is about in the same language."""
    return article.text or plain(article.description or "")


def member_of(article: Article, catalog: Catalog | None = None) -> Member:
    """The compact form of an article that a story keeps.

    A source declared `unrated` gets the catalog's rating of the article's URL (domain and longest path scope),
    if the catalog knows it; a rating in the sources file always wins.
    """
    opening = " ".join(article.paragraphs[:5])
    language = article.language or article.source.language
    title = plain(article.display_title)
    opening_sentences = lead(article.paragraphs, language=language)
    bias = article.source.bias
    if bias == Bias.UNRATED and catalog is not None:
        bias = catalog.bias_of(article.canonical_url or article.url)
    # Its own language (as extracted, else guessed from its text), never the outlet's: outlets publish in several.
    own_language = language_of(article.language, f"{article.display_title}\n{article.text}")
    tone = read(f"{article.display_title}. {opening}", own_language)
    return Member(
        article_id=article.id,
        outlet_id=article.source.id,
        outlet=article.source.name,
        bias=bias,
        title=title,
        url=article.canonical_url or article.url,
        published_at=article.best_time,
        category=categorize(article.display_title, _category_text(article), section=article.section, url=article.url,
                            source_country=article.source.country, language=language),
        regions=regions(opening, title=article.display_title, source_country=article.source.country,
                        language=language),
        language=own_language,
        sentiment=tone.score,
        sentiment_method=tone.method,
        words=article.word_count,
        lead=opening_sentences,
        vector=term_vector(article.display_title, article.text, language=language),
        weekdays=named_weekdays(f"{title}\n{opening_sentences}", language),
        flags=list(article.flags),  # paywall / script-rendered / truncated (health.py): shown in the deep dive
    )


def assign(article: Article, deps: Aggregator) -> Assigned:
    """Put the article in its story (an existing one or a new one) exactly once, whatever the redeliveries.

    The article -> story claim is written before the story, so a retry after a crash finishes the same
    assignment instead of choosing again; the story write is a version-checked put retried on conflict. A claim
    that points at a merged-away story follows its redirect.
    """
    return place(member_of(article, deps.rating_catalog()), deps)


def place(member: Member, deps: Aggregator, *, when: datetime | None = None) -> Assigned:
    """`assign` for an article already in its compact form (re-clustering replays stored members through it).

    `when` stands in for an undated member's time (default: now).
    """
    when = member.published_at or when or datetime.now(UTC)
    score: float | None = None
    merged: str | None = None
    story_id = deps.index.assignment(member.article_id)
    if story_id is None:
        decision = choose_story(member.vector, when, index=deps.index, stories=deps.stories, config=deps.config,
                                weekdays=member.weekdays)
        score = decision.score
        target = decision.story_id or member.article_id
        if decision.story_id and decision.merge:
            target = merge_stories(decision.story_id, decision.merge, deps)
            merged = decision.merge if target == decision.story_id else decision.story_id
        story_id = deps.index.claim_assignment(member.article_id, target)
    for attempt in range(MAX_ATTEMPTS + MAX_REDIRECTS):
        current = deps.stories.get(story_id)
        if current is not None and current.merged_into:
            story_id = resolve(current.merged_into, deps)
            continue
        if current is not None and current.members.get(member.article_id) == member:
            # Already a member: a retry after a crash between the story write and the postings. Post again
            # (an idempotent ADD), or later articles might not find the story.
            deps.index.post(posting_keys(current.centroid, when, deps.config), story_id,
                            ttl_seconds=deps.config.posting_ttl_days * 86400, now=when.timestamp())
            return Assigned(story_id, created=False, changed=False, score=score)
        base = current or StoryRecord(story_id=story_id)
        updated = with_member(base, member, deps.rule)
        try:
            saved = deps.stories.save(updated, expected_version=current.version if current else None)
        except VersionConflictError:
            deps.sleep(random.uniform(0, 0.05 * 2 ** min(attempt, MAX_ATTEMPTS)))  # noqa: S311 - jitter, not crypto
            continue
        deps.index.post(
            posting_keys(saved.centroid, when, deps.config),
            story_id,
            ttl_seconds=deps.config.posting_ttl_days * 86400,
            now=when.timestamp(),
        )
        return Assigned(story_id, created=current is None, changed=True, score=score, merged=merged)
    raise VersionConflictError(f"story {story_id}: {MAX_ATTEMPTS} conflicting writes in a row")


def resolve(story_id: str, deps: Aggregator) -> str:
    """The story that holds a (possibly merged-away) story's members now: its redirects followed."""
    seen = [story_id]
    for _ in range(MAX_REDIRECTS):
        record = deps.stories.get(seen[-1])
        if record is None or not record.merged_into:
            return seen[-1]
        if record.merged_into in seen:  # two opposite merges raced: settle on one id, the same for everyone
            return min(seen)
        seen.append(record.merged_into)
    return seen[-1]


def _age(story: StoryRecord) -> tuple[bool, float, str]:
    """Older first: the first report's instant (undated last), then the public id."""
    return (story.published_at is None, story.published_at.timestamp() if story.published_at else 0.0,
            story.public_id)


def merge_stories(keep_id: str, gone_id: str, deps: Aggregator) -> str:
    """Merge two stories of one event; returns the survivor's id (the older story: first report, then id).

    First the survivor absorbs the other's members (keyed by article id, so repeating it adds nothing), then
    the other is marked `merged_into` the survivor, both with version checks: a member added to the other
    story in between makes the mark fail, and the union is redone. A crash between the two steps leaves both
    stories live with shared members; the retried delivery merges them again.
    """
    for attempt in range(MAX_ATTEMPTS):
        keep, gone = deps.stories.get(keep_id), deps.stories.get(gone_id)
        if keep is None or gone is None or keep_id == gone_id:
            return keep_id
        if keep.merged_into or gone.merged_into:  # someone merged one of them meanwhile: join where it went
            keep_id, gone_id = resolve(keep_id, deps), resolve(gone_id, deps)
            continue
        if _age(gone) < _age(keep):
            keep, gone, keep_id, gone_id = gone, keep, gone_id, keep_id
        try:
            if any(article_id not in keep.members for article_id in gone.members):
                keep = deps.stories.save(with_members(keep, gone.members.values(), deps.rule),
                                         expected_version=keep.version)
            deps.stories.save(gone.model_copy(update={"merged_into": keep_id, "centroid": {}}),
                              expected_version=gone.version)
        except VersionConflictError:
            deps.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not crypto
            continue
        when = keep.updated_at or datetime.now(UTC)
        deps.index.post(posting_keys(keep.centroid, when, deps.config), keep_id,
                        ttl_seconds=deps.config.posting_ttl_days * 86400, now=when.timestamp())
        return keep_id
    raise VersionConflictError(f"merge {gone_id} -> {keep_id}: {MAX_ATTEMPTS} conflicting writes in a row")
