"""The aggregate stage's domain logic: an article joins a story, and the story's figures are recomputed."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsdive.article import Article
from newsdive.bias import BlindspotRule
from newsdive.classify import categorize, regions
from newsdive.cluster.assign import AssignConfig, choose_story, posting_keys
from newsdive.cluster.features import term_vector
from newsdive.errors import VersionConflictError
from newsdive.sentiment import compound
from newsdive.storage.ports import CandidateIndex, StoryRepository
from newsdive.story import Member, StoryRecord, with_member
from newsdive.text import lead, plain

MAX_ATTEMPTS = 8


@dataclass
class Aggregator:
    stories: StoryRepository
    index: CandidateIndex
    rule: BlindspotRule = field(default_factory=BlindspotRule)
    config: AssignConfig = field(default_factory=AssignConfig)
    sleep: object = time.sleep  # injected by tests/benchmarks to skip the back-off


@dataclass(frozen=True)
class Assigned:
    story_id: str
    created: bool
    changed: bool
    score: float | None = None


def member_of(article: Article) -> Member:
    """The compact form of an article that a story keeps."""
    opening = " ".join(article.paragraphs[:5])
    return Member(
        article_id=article.id,
        outlet_id=article.source.id,
        outlet=article.source.name,
        bias=article.source.bias,
        title=plain(article.display_title),
        url=article.canonical_url or article.url,
        published_at=article.best_time,
        category=categorize(article.display_title, article.text, section=article.section, url=article.url),
        regions=regions(f"{article.display_title}. {opening}", source_country=article.source.country),
        sentiment=compound(f"{article.display_title}. {opening}"),
        words=article.word_count,
        lead=lead(article.paragraphs),
        vector=term_vector(article.display_title, article.text, language=article.language or article.source.language),
    )


def assign(article: Article, deps: Aggregator) -> Assigned:
    """Put the article in its story (an existing one or a new one) exactly once, whatever the redeliveries.

    The article -> story claim is written first, so a retry after a crash finishes the same assignment instead of
    choosing again; the story write is a version-checked put retried on conflict.
    """
    member = member_of(article)
    when = member.published_at or datetime.now(UTC)
    score: float | None = None
    story_id = deps.index.assignment(article.id)
    if story_id is None:
        decision = choose_story(member.vector, when, index=deps.index, stories=deps.stories, config=deps.config)
        score = decision.score
        story_id = deps.index.claim_assignment(article.id, decision.story_id or article.id)
    for attempt in range(MAX_ATTEMPTS):
        current = deps.stories.get(story_id)
        if current is not None and current.members.get(article.id) == member:
            return Assigned(story_id, created=False, changed=False, score=score)
        base = current or StoryRecord(story_id=story_id)
        updated = with_member(base, member, deps.rule)
        try:
            saved = deps.stories.save(updated, expected_version=current.version if current else None)
        except VersionConflictError:
            deps.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not crypto
            continue
        deps.index.post(
            posting_keys(saved.centroid, when, deps.config),
            story_id,
            ttl_seconds=deps.config.posting_ttl_days * 86400,
            now=when.timestamp(),
        )
        return Assigned(story_id, created=current is None, changed=True, score=score)
    raise VersionConflictError(f"story {story_id}: {MAX_ATTEMPTS} conflicting writes in a row")
