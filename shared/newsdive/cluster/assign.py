"""Incremental story assignment: find a few candidate stories through the inverted index, score only those.

Per-article cost is bounded by the configuration (lookup keys, candidates), never by the number of stored
stories: one batched index read, one batched centroid read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsdive.cluster.features import cosine, top_terms
from newsdive.storage.ports import CandidateIndex, StoryRepository


@dataclass(frozen=True)
class AssignConfig:
    threshold: float = 0.30  # minimum similarity to join a story (tuned on the sample web; see `bench cluster`)
    window_hours: int = 72  # how far back an article looks for its story
    lookup_terms: int = 10  # an article's strongest terms looked up in the index
    post_terms: int = 12  # a story's strongest terms it is posted under
    max_candidates: int = 12  # stories scored per article
    posting_ttl_days: int = 14


@dataclass(frozen=True)
class Decision:
    story_id: str | None  # None: start a new story
    score: float
    candidates: int


def day_bucket(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d") if when.tzinfo is None else when.strftime("%Y-%m-%d")


def lookup_keys(vector: dict[str, float], when: datetime, config: AssignConfig) -> list[str]:
    """Index keys to read: the article's strongest terms in every day bucket of its window."""
    first = when - timedelta(hours=config.window_hours)
    days = []
    day = first
    while day <= when + timedelta(days=1):
        days.append(day.strftime("%Y-%m-%d"))
        day += timedelta(days=1)
    terms = list(top_terms(vector, config.lookup_terms))
    return [f"{d}#{t}" for d in sorted(set(days)) for t in terms]


def posting_keys(centroid: dict[str, float], when: datetime, config: AssignConfig) -> list[str]:
    """Keys a story is posted under after a member joins: its strongest terms on the member's day."""
    return [f"{when.strftime('%Y-%m-%d')}#{t}" for t in top_terms(centroid, config.post_terms)]


def time_factor(when: datetime, story_updated: str | None, window_hours: int) -> float:
    """1 inside the window, then an exponential decay: late follow-ups can still join a strong match."""
    if not story_updated:
        return 1.0
    gap = abs((when - datetime.fromisoformat(story_updated)).total_seconds()) / 3600
    return 1.0 if gap <= window_hours else math.exp(-(gap - window_hours) / window_hours)


def choose_story(
    vector: dict[str, float],
    when: datetime,
    *,
    index: CandidateIndex,
    stories: StoryRepository,
    config: AssignConfig,
) -> Decision:
    """The best existing story for an article vector, or None when no candidate is similar enough."""
    if not vector:
        return Decision(None, 0.0, 0)
    postings = index.lookup(lookup_keys(vector, when, config))
    hits: dict[str, float] = {}
    for key, story_ids in postings.items():
        term = key.split("#", 1)[1]
        for story_id in story_ids:
            hits[story_id] = hits.get(story_id, 0.0) + vector.get(term, 0.0)
    ranked = sorted(hits, key=lambda s: (-hits[s], s))[: config.max_candidates]
    if not ranked:
        return Decision(None, 0.0, 0)
    best_id, best_score = None, 0.0
    for story_id, (centroid, updated) in sorted(stories.get_centroids(ranked).items()):
        score = cosine(vector, centroid) * time_factor(when, updated, config.window_hours)
        if score > best_score or (score == best_score and best_id is not None and story_id < best_id):
            best_id, best_score = story_id, score
    if best_id is None or best_score < config.threshold:
        return Decision(None, round(best_score, 4), len(ranked))
    return Decision(best_id, round(best_score, 4), len(ranked))
