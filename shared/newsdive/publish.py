"""The publish stage's domain logic: render changed stories and the index feeds, write only what changed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsdive.classify import CATEGORIES
from newsdive.cluster.assign import AssignConfig, lookup_keys, time_factor
from newsdive.cluster.features import cosine
from newsdive.documents import json_schemas
from newsdive.render import deep_dive, deep_dive_path, index_pages, to_json
from newsdive.storage.ports import CandidateIndex, ObjectStore, StoryRepository
from newsdive.story import StoryRecord

JSON_TYPE = "application/json; charset=utf-8"
INDEX_DEPTH = 200  # stories kept in each index feed
RELATED_MIN, RELATED_MAX = 3, 6


@dataclass
class Publisher:
    stories: StoryRepository
    index: CandidateIndex
    public: ObjectStore
    cache_control_seconds: int = 300
    config: AssignConfig = field(default_factory=AssignConfig)


@dataclass
class PublishReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0


def write_if_changed(store: ObjectStore, key: str, body: bytes, *, cache_control: str, content_type: str = JSON_TYPE,
                     report: PublishReport) -> None:
    """Put the object unless the stored one has the same content hash (keeps CDN invalidations and writes few)."""
    digest = hashlib.sha256(body).hexdigest()
    existing = store.head(key)
    if existing is not None and existing.get("sha256") == digest:
        report.unchanged += 1
        return
    store.put(key, body, content_type=content_type, metadata={"sha256": digest}, cache_control=cache_control)
    report.written.append(key)


def related_stories(story: StoryRecord, deps: Publisher) -> list[StoryRecord]:
    """3 to 6 other stories: the most similar recent ones through the index, topped up with the newest of the
    same category, then the newest overall."""
    when = story.updated_at
    chosen: list[str] = []
    if when is not None and story.centroid:
        postings = deps.index.lookup(lookup_keys(story.centroid, when, deps.config))
        ids = sorted({s for ids in postings.values() for s in ids} - {story.story_id})
        scored = []
        for other_id, (centroid, updated) in deps.stories.get_centroids(ids[:50]).items():
            score = cosine(story.centroid, centroid) * time_factor(when, updated, deps.config.window_hours)
            if score >= 0.05:
                scored.append((-round(score, 6), other_id))
        chosen = [other_id for _, other_id in sorted(scored)[:RELATED_MAX]]
    records = [r for r in (deps.stories.get(i) for i in chosen) if r is not None]
    if len(records) < RELATED_MIN:
        have = {story.story_id, *chosen}
        for pool in (deps.stories.newest(category=story.category, limit=10), deps.stories.newest(limit=10)):
            for other in pool:
                if len(records) >= RELATED_MIN:
                    break
                if other.story_id not in have:
                    records.append(other)
                    have.add(other.story_id)
    return records


def publish(story: StoryRecord, deps: Publisher) -> PublishReport:
    """Render one story's deep dive and write it if it changed."""
    report = PublishReport()
    if story.members:
        document = deep_dive(story, related_stories(story, deps))
        write_if_changed(deps.public, deep_dive_path(story.story_id), to_json(document),
                         cache_control=f"public, max-age={deps.cache_control_seconds}", report=report)
    return report


def publish_index(categories: Sequence[str], deps: Publisher) -> PublishReport:
    """Refresh the latest and blindspot feeds and the feeds of the given categories, from the story indexes."""
    report = PublishReport()
    pages = dict(index_pages("latest", deps.stories.newest(limit=INDEX_DEPTH)))
    pages.update(index_pages("blindspots", deps.stories.newest(blindspot=True, limit=INDEX_DEPTH)))
    for category in sorted(set(categories) & set(CATEGORIES)):
        pages.update(index_pages("category", deps.stories.newest(category=category, limit=INDEX_DEPTH),
                                 category=category))
    cache = f"public, max-age={deps.cache_control_seconds}"
    for key in sorted(pages):
        write_if_changed(deps.public, key, to_json(pages[key]), cache_control=cache, report=report)
    return report


def publish_schemas(public: ObjectStore, *, cache_control_seconds: int = 3600) -> PublishReport:
    """Put the JSON Schemas of the documents under schemas/v1/ (only when they changed)."""
    report = PublishReport()
    for name, schema in sorted(json_schemas().items()):
        write_if_changed(public, f"schemas/v1/{name}", to_json(schema),
                         cache_control=f"public, max-age={cache_control_seconds}",
                         content_type="application/schema+json; charset=utf-8", report=report)
    return report
