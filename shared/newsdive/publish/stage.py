"""The publish stage's domain logic: render changed stories, the index feeds, RSS feeds and the sitemap, write
only what changed, and tell the CDN about the few paths a short max-age does not cover (see `needs_invalidation`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from newsdive.aggregate.classify import CATEGORIES
from newsdive.aggregate.cluster.assign import AssignConfig, lookup_keys, time_factor
from newsdive.aggregate.cluster.features import cosine, top_terms
from newsdive.model.documents import DeepDive, json_schemas
from newsdive.model.errors import NotFoundError
from newsdive.model.story import StoryRecord
from newsdive.publish.render import deep_dive, deep_dive_path, index_pages, newest_first, to_json
from newsdive.publish.summarize import ExtractiveSummarizer, Summarizer
from newsdive.publish.syndication import rss_feed, sitemap
from newsdive.storage.ports import CandidateIndex, Cdn, ObjectStore, StoryRepository

JSON_TYPE = "application/json; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
INDEX_DEPTH = 200  # stories kept in each index feed (and in the sitemap)
RELATED_MIN, RELATED_MAX = 3, 6
RELATED_POOL = 20  # newest stories of the category and overall that compete with the index's candidates
RELATED_LOOKUP = 300  # candidate ids from the inverted index whose briefs are read (one BatchGetItem)
EXACT_INVALIDATION_PATHS = 20  # beyond this, one wildcard per top-level folder
INDEX_MAX_AGE = 60  # seconds the CDN and browsers keep index feeds, RSS feeds and the sitemap (never invalidated)
REMOVED = "removed"  # a report's digest for a key that was deleted, not written
RENDERED_FROM = "story-version"  # deep dive metadata: the stored story state it was rendered from
_HEAD = object()  # write_if_changed: HEAD the key itself


@dataclass
class Publisher:
    stories: StoryRepository
    index: CandidateIndex
    public: ObjectStore
    cache_control_seconds: int = 300
    config: AssignConfig = field(default_factory=AssignConfig)
    summarizer: Summarizer = field(default_factory=ExtractiveSummarizer)
    base_url: str = ""  # absolute base of the published documents (RSS and sitemap links)
    page_url: str = ""  # template of a story's page in a frontend ({id}, {slug}); empty = the deep dive's URL
    cdn: Cdn | None = None


@dataclass
class PublishReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    digests: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. why a generated overview was not used
    current: list[str] = field(default_factory=list)  # deep dives already rendered from this story state

    def extend(self, other: PublishReport) -> PublishReport:
        self.written += other.written
        self.unchanged += other.unchanged
        self.current += other.current
        self.digests.update(other.digests)
        self.notes += other.notes
        return self


def write_if_changed(store: ObjectStore, key: str, body: bytes, *, cache_control: str, content_type: str = JSON_TYPE,
                     report: PublishReport, metadata: dict[str, str] | None = None,
                     existing: object = _HEAD) -> None:
    """Put the object unless the stored one has the same content hash (keeps CDN invalidations and writes few).
    `existing`: the key's metadata when the caller has just read it (None: no such object), saving a HEAD."""
    digest = hashlib.sha256(body).hexdigest()
    stored = store.head(key) if existing is _HEAD else existing
    if isinstance(stored, Mapping) and stored.get("sha256") == digest:
        report.unchanged += 1
        return
    store.put(key, body, content_type=content_type, metadata={**(metadata or {}), "sha256": digest},
              cache_control=cache_control)
    report.written.append(key)
    report.digests[key] = digest


def published(story: StoryRecord) -> StoryRecord:
    """The story as documents name it: under its public id (the first report's id, see StoryRecord.public_id),
    so the documents do not depend on which article happened to be processed first."""
    return story if story.public_id == story.story_id else story.model_copy(update={"story_id": story.public_id})


def published_all(stories: Sequence[StoryRecord]) -> list[StoryRecord]:
    return [published(s) for s in stories]


def related_stories(story: StoryRecord, deps: Publisher) -> list[StoryRecord]:
    """3 to 6 other stories, by content similarity and recency.

    Candidates: the live stories the inverted index returns for this story's strongest terms (its 72-hour
    window) under a key that is one of their own current strongest terms on a day they span, plus the 20 newest
    stories of its category and overall. Similarity = cosine of the centroids x the time decay
    of story assignment; a candidate at 0.05 or more is related, ranked by similarity (+0.05 for the same
    category). When fewer than 3 are, the newest stories of the same category, then overall, fill up. Never the
    story itself, never an empty story.
    """
    when = story.updated_at
    pool: dict[str, tuple[dict[str, float], str | None]] = {}
    if when is not None and story.centroid:
        postings = deps.index.lookup(lookup_keys(story.centroid, when, deps.config))
        matched: dict[str, set[str]] = {}
        for key, story_ids in postings.items():
            for other_id in story_ids:
                matched.setdefault(other_id, set()).add(key)
        ids = sorted(set(matched) - {story.story_id})
        for other_id, brief in deps.stories.get_briefs(ids[:RELATED_LOOKUP]).items():
            # Postings keep every id a story was ever posted under, which depends on the order articles came in.
            # A candidate counts only if it is live and one of the keys it was found under is one of its current
            # strongest terms on a day it spans (what `post_current_terms` posts), so two runs that end with the
            # same stories choose the same related stories once settled.
            terms = set(top_terms(brief.centroid, deps.config.post_terms))
            days = story_days(brief.published_at, brief.updated_at)
            if not brief.merged_into and any(k.split("#", 1)[0] in days and k.split("#", 1)[1] in terms
                                             for k in matched[other_id]):
                pool[other_id] = (brief.centroid, brief.updated_at)
    newest_same = deps.stories.newest(category=story.category, limit=RELATED_POOL)
    newest_all = deps.stories.newest(limit=RELATED_POOL)
    records = {s.story_id: s for s in (*newest_same, *newest_all) if s.story_id != story.story_id and s.members}
    for other in records.values():
        pool.setdefault(other.story_id, (other.centroid, other.updated_at.isoformat() if other.updated_at else None))
    pool.pop(story.story_id, None)
    scored = []
    for other_id, (centroid, updated) in pool.items():
        similarity = cosine(story.centroid, centroid) * (time_factor(when, updated, deps.config.window_hours)
                                                         if when else 1.0)
        if similarity >= 0.05:
            same = other_id in records and records[other_id].category == story.category
            scored.append((-round(similarity + (0.05 if same else 0.0), 6), other_id))
    chosen = [other_id for _, other_id in sorted(scored)[:RELATED_MAX]]
    out = [r for r in (records.get(i) or deps.stories.get(i) for i in chosen) if r is not None and r.members]
    have = {story.story_id, *(r.story_id for r in out)}
    for other in (*newest_first(newest_same), *newest_first(newest_all)):
        if len(out) >= RELATED_MIN:
            break
        if other.story_id not in have and other.members:
            out.append(other)
            have.add(other.story_id)
    return out


def story_days(first: datetime | str | None, last: datetime | str | None) -> set[str]:
    """The index's day keys (UTC, see `day_key`) from a story's first to its last member time."""
    start, end = (datetime.fromisoformat(t) if isinstance(t, str) else t for t in (first or last, last or first))
    if start is None or end is None:
        return set()
    start_day, end_day = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return {(start_day + timedelta(days=n)).isoformat() for n in range(max(0, (end_day - start_day).days) + 1)}


def post_current_terms(story: StoryRecord, deps: Publisher) -> None:
    """Post a live story in the inverted index under its current strongest terms on every day it spans.

    The aggregator posts a story under its strongest terms of the moment on the day of the member that joined,
    so which keys list it depends on the order articles came in. The settle posts every story of its window
    this way before rendering, so the related-story lookup finds the same stories whatever that order was."""
    if not is_live(story) or not story.centroid:
        return
    days = story_days(story.published_at, story.updated_at)
    terms = top_terms(story.centroid, deps.config.post_terms)
    keys = [f"{day}#{term}" for day in sorted(days) for term in terms]
    if keys:
        now = (story.updated_at or datetime.now(UTC)).timestamp()
        deps.index.post(keys, story.story_id, ttl_seconds=deps.config.posting_ttl_days * 86400, now=now)


def is_live(story: StoryRecord) -> bool:
    """A story that is published: it has members and was not merged into another one."""
    return bool(story.members) and not story.merged_into


def _previous(deps: Publisher, story_id: str) -> DeepDive | None:
    """The published deep dive, for summarizers that reuse generated text (one GET; none for extractive)."""
    if not deps.summarizer.uses_previous:
        return None
    try:
        return DeepDive.model_validate_json(deps.public.get(deep_dive_path(story_id)).body)
    except (NotFoundError, ValueError):
        return None


def rendered_from(story: StoryRecord) -> str:
    """The marker a deep dive carries of the story state it was rendered from (story id and version)."""
    return f"{story.story_id}@{story.version}"


def publish(story: StoryRecord, deps: Publisher, *, rerender: bool = False) -> PublishReport:
    """Render one story's deep dive and write it if it changed.

    A deep dive already rendered from this very story state (its `story-version` metadata) is left as it is
    unless `rerender`: the stream delivers a story's every version, often long after the story moved on (each
    record renders the table's current state), and at least once, so most records of a busy story would
    otherwise repeat the same reads and rendering for nothing. Only the related-story cards can be newer in a
    re-render; the settle re-renders with `rerender=True` to refresh them (see newsdive.publish.settle)."""
    report = PublishReport()
    if not story.members:
        return report
    key, marker = deep_dive_path(story.public_id), rendered_from(story)
    existing = deps.public.head(key)
    if not rerender and existing is not None and existing.get(RENDERED_FROM) == marker:
        report.unchanged += 1
        report.current.append(key)
        return report
    document = deep_dive(published(story), [published(r) for r in related_stories(story, deps)],
                         summarizer=deps.summarizer, previous=_previous(deps, story.public_id))
    if deps.summarizer.uses_previous and document.generation.method != "generated":
        report.notes.append(f"{story.story_id}: extractive analysis published (generation unavailable)")
    write_if_changed(deps.public, key, to_json(document), cache_control=f"public, max-age={deps.cache_control_seconds}",
                     report=report, metadata={RENDERED_FROM: marker}, existing=existing)
    return report


def publish_index(categories: Sequence[str], deps: Publisher) -> PublishReport:
    """Refresh the latest and blindspot feeds, the given categories' feeds (JSON pages and RSS), the latest RSS
    feed and the sitemap, from the story indexes."""
    report = PublishReport()
    # One query per category serves both the latest feed (what newest() without a category reads: the merge of
    # every category's newest) and each category's own feed, instead of reading the category partitions twice.
    by_category = {c: deps.stories.newest(category=c, limit=INDEX_DEPTH) for c in CATEGORIES}
    merged = sorted((s for c in CATEGORIES for s in by_category[c]), key=lambda s: s.sort_key, reverse=True)
    latest = published_all(merged[:INDEX_DEPTH])
    pages = dict(index_pages("latest", latest))
    pages.update(index_pages("blindspots", published_all(deps.stories.newest(blindspot=True, limit=INDEX_DEPTH))))
    feeds = {"feeds/latest.xml": rss_feed("latest", latest, base_url=deps.base_url, page_url=deps.page_url,
                                          feed_path="feeds/latest.xml")}
    for category in sorted(set(categories) & set(CATEGORIES)):
        of_category = published_all(by_category[category])
        pages.update(index_pages("category", of_category, category=category))
        path = f"feeds/{category}.xml"
        feeds[path] = rss_feed(category, of_category, base_url=deps.base_url, page_url=deps.page_url, feed_path=path)
    cache = f"public, max-age={min(INDEX_MAX_AGE, deps.cache_control_seconds)}"  # fresh within a minute
    for key in sorted(pages):
        write_if_changed(deps.public, key, to_json(pages[key]), cache_control=cache, report=report)
    _drop_stale_pages(deps.public, pages, report)
    for key in sorted(feeds):
        write_if_changed(deps.public, key, feeds[key], cache_control=cache, content_type=RSS_TYPE, report=report)
    index_paths = ["index/latest.json", "index/blindspots.json",
                   *(f"index/categories/{c}.json" for c in sorted({s.category for s in latest}))]
    write_if_changed(deps.public, "sitemap.xml",
                     sitemap(latest, base_url=deps.base_url, page_url=deps.page_url, index_paths=index_paths),
                     cache_control=cache, content_type=XML_TYPE, report=report)
    return report


def _drop_stale_pages(store: ObjectStore, pages: Mapping[str, object], report: PublishReport) -> None:
    """Delete the pages past a feed's last one: a feed that shrank (stories merged by re-clustering) must not leave
    an old page-2 behind, or the published state would depend on the runs before it."""
    bases = {key.removesuffix(".json") for key in pages if "/page-" not in key}
    for base in sorted(bases):
        for key in store.keys(f"{base}/page-"):
            if key not in pages:
                store.delete(key)
                report.written.append(key)  # changed (gone): the CDN must drop it too


def publish_schemas(public: ObjectStore, *, cache_control_seconds: int = 3600) -> PublishReport:
    """Put the JSON Schemas of the documents under schemas/v1/ (only when they changed)."""
    report = PublishReport()
    for name, schema in sorted(json_schemas().items()):
        write_if_changed(public, f"schemas/v1/{name}", to_json(schema),
                         cache_control=f"public, max-age={cache_control_seconds}",
                         content_type="application/schema+json; charset=utf-8", report=report)
    return report


def needs_invalidation(key: str, digest: str | None) -> bool:
    """Whether a changed key is worth a CDN invalidation (0.005 USD a path beyond 1,000 a month).

    Index feeds, RSS feeds and the sitemap carry max-age=60 and deep dives max-age=300: the edge refreshes them
    by itself within that, so invalidating them on every write bought a few minutes of freshness for about
    1,000 USD per million articles. What a short max-age does not cover is invalidated: a removed document
    (a merged or moved story's deep dive must stop being served) and the JSON Schemas (max-age one hour)."""
    return digest == REMOVED or key.startswith("schemas/")


def invalidation_paths(keys: Iterable[str], *, exact_limit: int = EXACT_INVALIDATION_PATHS) -> list[str]:
    """The CDN paths to invalidate for these keys: each key's path when there are few, else one wildcard
    per top-level folder (CloudFront bills a wildcard as one path)."""
    paths = sorted({f"/{key}" for key in keys})
    if len(paths) <= exact_limit:
        return paths
    return sorted({f"/{key.split('/', 1)[0]}/*" if "/" in key else f"/{key}" for key in keys})


def invalidate(report: PublishReport, deps: Publisher) -> list[str]:
    """One invalidation for the keys of this invocation that need one (`needs_invalidation`); none when nothing
    such changed or no CDN is set.

    The caller reference is the hash of those keys and their content (read back from the object's metadata
    when the report lacks it), so a retried invocation that wrote the same bytes repeats the same request
    (CloudFront treats it as the same invalidation)."""
    if deps.cdn is None or not report.written:
        return []
    keys = {k for k in report.written if needs_invalidation(k, report.digests.get(k))}
    if not keys:
        return []
    paths = invalidation_paths(keys)
    digests = {k: report.digests.get(k) or (deps.public.head(k) or {}).get("sha256", "") for k in keys}
    reference = hashlib.sha256(
        "\n".join(f"{k} {digests[k]}" for k in sorted(digests)).encode("utf-8")
    ).hexdigest()[:48]
    deps.cdn.invalidate(paths, reference=reference)
    return paths
