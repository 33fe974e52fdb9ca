"""Incremental story assignment: find a few candidate stories through the inverted index, score only those.

Per-article cost is bounded by the configuration (lookup keys, candidates), never by the number of stored
stories: one batched index read, one batched read of the candidates' briefs, and at most `link_candidates` story
reads for the members of the best few.

The rules (tuned with `newsdive bench cluster` on real labelled news; see the README's *Story assignment*):
- similarity = cosine(article, story centroid), where the article's terms are damped by how many candidate
  stories are posted under them (a term every story of the window shares tells none of them apart); for a
  full-length article and a story of few members, its weakest link instead: the least cosine to any member,
  scaled by threshold / link_threshold (a centroid of two or three articles matches a topic's neighbours too
  easily; every member must match, as in complete-link clustering);
- x a time factor: 1 while the story was updated within `flat_hours`, then exp(-(gap - flat) / decay_hours);
- a story accepts articles only within `window_hours` of its first article (its life);
- join the best story when the similarity reaches the threshold: `threshold`, or `threshold_short` for short
  texts (a headline cannot overlap a centroid as much as a full article does), lowered towards `threshold_low`
  when time tells the candidates apart (the best story was updated recently while its content rivals are old);
  for a full-length article, content contrast scales it too: lower when the runner-up scores a small share of the
  best (nothing else resembles the article: a weak match is still its event), higher when the runner-up scores
  nearly as much (a running topic's stories all resemble it: only a clear match is its event);
- named days: a candidate whose members name only days of the week at least two days from every day the article
  names scores `weekday_factor` times as much: a report of another day's event in a running story;
- merge: when the second-best story also reaches the threshold and the two centroids are similar, the article
  shows they are one event and the younger story is merged into the older.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsdive.aggregate.cluster.features import SHORT_TEXT_TERMS, cosine, normalise, top_terms
from newsdive.aggregate.cluster.weekdays import conflict
from newsdive.storage.ports import POSTINGS_CAP, CandidateIndex, StoryBrief, StoryRepository


@dataclass(frozen=True)
class AssignConfig:
    threshold: float = 0.44  # similarity a full-length article needs to join a story
    threshold_low: float = 0.20  # ... when the time of the candidates tells them apart
    window_hours: int = 72  # a story accepts articles this long after its first one; lookups cover this window
    flat_hours: float = 6.0  # no time decay while the story was updated this recently
    decay_hours: float = 12.0  # then the similarity decays with this time constant
    recent_hours: float = 12.0  # "recent" for the time-contrast rule
    rival_similarity: float = 0.10  # a candidate this similar (before time) counts as a rival
    short_text_terms: int = SHORT_TEXT_TERMS  # an article with fewer distinct terms is short (a headline, a brief) ...
    threshold_short: float = 0.19  # ... and needs this similarity: a few terms cannot overlap a centroid as much
    df_damping: float = 10.0  # term weight / (1 + stories posted under the term / df_damping)
    merge_factor: float = 1.0  # the second-best story must reach threshold x this factor to merge ...
    merge_similarity: float = 0.10  # ... and the two centroids must be at least this similar
    link_candidates: int = 3  # the best candidates by centroid whose members are read ...
    link_members: int = 10  # ... and, for a full-length article, a story this small is judged by its weakest link:
    link_threshold: float = 0.30  # the least member cosine that counts as much as `threshold` on a centroid
    distinct_ratio: float = 0.4  # full-length article: runner-up score / best score at or below this ...
    distinct_factor: float = 0.8  # ... multiplies the threshold by this (the best stands out)
    crowded_ratio: float = 0.8  # ... at or above this ...
    crowded_factor: float = 1.2  # ... multiplies it by this (the best is one of several look-alikes)
    weekday_factor: float = 0.5  # score factor of a candidate whose named weekdays are all 2+ days from the article's
    lookup_terms: int = 20  # an article's strongest terms looked up in the index
    post_terms: int = 12  # a story's strongest terms it is posted under
    max_candidates: int = 12  # stories scored per article
    posting_ttl_days: int = 14


@dataclass(frozen=True)
class Decision:
    story_id: str | None  # None: start a new story
    score: float
    candidates: int
    threshold: float = 0.0
    merge: str | None = None  # another story the article shows to be the same event as `story_id`


def day_key(when: datetime) -> str:
    """The UTC day of an instant, as the index keys spell it (an outlet's own offset must not move a posting)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d")


def lookup_keys(vector: Mapping[str, float], when: datetime, config: AssignConfig) -> list[str]:
    """Index keys to read: the article's strongest terms in every day bucket of its window."""
    first = when - timedelta(hours=config.window_hours)
    days = []
    day = first
    while day <= when + timedelta(days=1):
        days.append(day_key(day))
        day += timedelta(days=1)
    terms = list(top_terms(vector, config.lookup_terms))
    return [f"{d}#{t}" for d in sorted(set(days)) for t in terms]


def posting_keys(centroid: Mapping[str, float], when: datetime, config: AssignConfig) -> list[str]:
    """Keys a story is posted under after a member joins: its strongest terms on the member's day."""
    return [f"{day_key(when)}#{t}" for t in top_terms(centroid, config.post_terms)]


def time_factor(when: datetime, story_updated: str | None, window_hours: int) -> float:
    """1 inside the window, then an exponential decay (used to rank related stories for publishing)."""
    if not story_updated:
        return 1.0
    gap = abs((when - datetime.fromisoformat(story_updated)).total_seconds()) / 3600
    return 1.0 if gap <= window_hours else math.exp(-(gap - window_hours) / window_hours)


def _hours(a: datetime, b: str | None) -> float:
    return abs((a - datetime.fromisoformat(b)).total_seconds()) / 3600 if b else 0.0


def recency(gap_hours: float, config: AssignConfig) -> float:
    """The time factor of a story last updated `gap_hours` away from the article."""
    return math.exp(-max(0.0, gap_hours - config.flat_hours) / config.decay_hours)


def damped(vector: Mapping[str, float], postings: Mapping[str, set[str]], config: AssignConfig) -> dict[str, float]:
    """The article's vector with each term damped by the number of stories posted under it in the window.

    The postings come with the candidate lookup, so this local document frequency costs no extra read.
    """
    stories: dict[str, set[str]] = {}
    for key, ids in postings.items():
        stories.setdefault(key.split("#", 1)[1], set()).update(ids)
    return normalise({
        term: w / (1.0 + min(len(stories.get(term, ())), POSTINGS_CAP) / config.df_damping)
        for term, w in vector.items()
    })


@dataclass(frozen=True)
class _Scored:
    story_id: str
    score: float  # similarity x time factor
    similarity: float  # before the time factor
    gap_hours: float
    brief: StoryBrief


def choose_story(
    vector: Mapping[str, float],
    when: datetime,
    *,
    index: CandidateIndex,
    stories: StoryRepository,
    config: AssignConfig,
    weekdays: Sequence[int] = (),
) -> Decision:
    """The best existing story for an article vector (and a story to merge into it), or None: a new story.

    `weekdays`: the days of the week the article's opening names (`newsdive.aggregate.cluster.weekdays`).
    """
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
    query = damped(vector, postings, config)
    oldest = when - timedelta(hours=config.window_hours)
    scored: list[_Scored] = []
    for story_id, brief in stories.get_briefs(ranked).items():
        if brief.merged_into or not brief.centroid:
            continue  # a redirect: its survivor is posted under its own terms
        if brief.published_at and datetime.fromisoformat(brief.published_at) < oldest:
            continue  # the story no longer accepts articles
        similarity = cosine(query, brief.centroid)
        gap = _hours(when, brief.updated_at)
        scored.append(_Scored(story_id, similarity * recency(gap, config), similarity, gap, brief))
    if not scored:
        return Decision(None, 0.0, len(ranked))
    if len(vector) >= config.short_text_terms:
        scored = _linked(query, scored, stories, config)
    if weekdays:
        scored = [_other_day(c, config) if conflict(weekdays, c.brief.weekdays) else c for c in scored]
    scored.sort(key=lambda c: (-round(c.score, 9), c.story_id))
    best = scored[0]
    threshold = join_threshold(len(vector), best, scored[1:], config)
    if best.score < threshold:
        return Decision(None, round(best.score, 4), len(ranked), round(threshold, 4))
    merge = None
    if len(scored) > 1:
        second = scored[1]
        if (second.score >= threshold * config.merge_factor
                and cosine(best.brief.centroid, second.brief.centroid) >= config.merge_similarity):
            merge = second.story_id
    return Decision(best.story_id, round(best.score, 4), len(ranked), round(threshold, 4), merge)


def _linked(query: Mapping[str, float], scored: list[_Scored], stories: StoryRepository,
            config: AssignConfig) -> list[_Scored]:
    """The best few candidates rescored by their weakest member link, where the story is small enough.

    Only candidates that could reach the lowest threshold are read (at most `link_candidates`, in one batched
    read); a headline keeps the centroid (a few terms cannot overlap every member).
    """
    scale = config.threshold / config.link_threshold
    floor = config.threshold_low / scale
    scored = sorted(scored, key=lambda c: (-round(c.score, 9), c.story_id))
    wanted = [c.story_id for c in scored[: config.link_candidates] if c.score >= floor]
    records = stories.get_many(wanted) if wanted else {}
    out = []
    for c in scored:
        record = records.get(c.story_id)
        if record is not None and 0 < len(record.members) <= config.link_members:
            similarity = scale * min(cosine(query, m.vector) for m in record.members.values())
            c = _Scored(c.story_id, similarity * recency(c.gap_hours, config), similarity, c.gap_hours, c.brief)
        out.append(c)
    return out


def _other_day(c: _Scored, config: AssignConfig) -> _Scored:
    """A candidate whose members name only days two or more days from the article's: most likely another event.

    Measured with `newsdive bench cluster`: when time cannot tell a running topic's stages apart (the undated
    AllSides roundups) this is worth +0.006 B-cubed F1 in the files' order and +0.005 to +0.015 with the articles
    mixed (`--interleave`); with real times it changes nothing measurable (dated roundups, and UCI headlines,
    which rarely name a day). Applied after the weakest link, so it also weighs in the merge test.
    """
    f = config.weekday_factor
    return _Scored(c.story_id, c.score * f, c.similarity * f, c.gap_hours, c.brief)


def join_threshold(terms: int, best: _Scored, rivals: list[_Scored], config: AssignConfig) -> float:
    """The similarity the best candidate needs: lower for short texts, lower when time tells it apart, and for a
    full-length article scaled by how far it stands out from the runner-up (see `content_contrast`)."""
    threshold = _time_threshold(terms, best, rivals, config)
    if terms >= config.short_text_terms:
        threshold *= content_contrast(best, rivals, config)
    return threshold


def content_contrast(best: _Scored, rivals: list[_Scored], config: AssignConfig) -> float:
    """Threshold factor from the runner-up's share of the best score: a match far ahead of every other story needs
    less (`distinct_factor`), one of several near-equal matches needs more (`crowded_factor`), else 1.

    Measured with `newsdive bench cluster` (AllSides undated +0.011 B-cubed F1, dated unchanged); headlines keep
    the plain threshold (on UCI the same rule costs 0.02: a few terms make the runner-up ratio noisy). Without a
    runner-up the time rule alone decides.
    """
    if not rivals or best.score <= 0:
        return 1.0
    ratio = max(c.score for c in rivals) / best.score
    if ratio <= config.distinct_ratio:
        return config.distinct_factor
    if ratio >= config.crowded_ratio:
        return config.crowded_factor
    return 1.0


def _time_threshold(terms: int, best: _Scored, rivals: list[_Scored], config: AssignConfig) -> float:
    """The threshold before content contrast: lower for short texts, and lower when time tells the best apart."""
    high = config.threshold_short if terms < config.short_text_terms else config.threshold
    low = min(high, config.threshold_low)
    contenders = [c for c in rivals if c.similarity >= config.rival_similarity]
    if best.gap_hours > config.recent_hours:
        return high
    if not contenders:  # nothing else in the window comes close: no rival to confuse it with
        return low
    contrast = sum(1 for c in contenders if c.gap_hours > config.recent_hours) / len(contenders)
    return high - (high - low) * contrast
