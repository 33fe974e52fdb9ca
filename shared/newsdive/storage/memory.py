"""In-memory adapters of the ports, for unit tests and benchmarks. They count their reads and writes so that
benchmarks can show that per-article cost does not grow with the number of stored stories."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from newsdive.model.errors import NotFoundError, VersionConflictError
from newsdive.model.story import StoryRecord
from newsdive.storage.ports import (
    POSTINGS_CAP,
    CandidateIndex,
    Cdn,
    CrawlControl,
    CrawlState,
    DayHealth,
    FeedState,
    MessageQueue,
    ObjectStore,
    RegistryEntry,
    RobotsRecord,
    ScrapeOutcome,
    SeenRecord,
    SourceState,
    StoredObject,
    StoryBrief,
    StoryRepository,
    brief_of,
)


class MemoryObjectStore(ObjectStore):
    def __init__(self) -> None:
        self.objects: dict[str, StoredObject] = {}
        self.ops: Counter[str] = Counter()

    def get(self, key: str) -> StoredObject:
        self.ops["get"] += 1
        if key not in self.objects:
            raise NotFoundError(key)
        return self.objects[key]

    def head(self, key: str) -> Mapping[str, str] | None:
        self.ops["head"] += 1
        obj = self.objects.get(key)
        return None if obj is None else dict(obj.metadata)

    def put(self, key, body, *, content_type, metadata=None, cache_control=None, content_encoding=None) -> None:  # noqa: ANN001
        self.ops["put"] += 1
        self.objects[key] = StoredObject(body=body, content_type=content_type, metadata=dict(metadata or {}))

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def delete(self, key: str) -> None:
        self.ops["delete"] += 1
        self.objects.pop(key, None)


class MemoryQueue(MessageQueue):
    def __init__(self) -> None:
        self.messages: list[str] = []

    def send(self, bodies: Sequence[str]) -> None:
        self.messages.extend(bodies)


class MemoryCrawlState(CrawlState):
    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.slots: dict[str, str] = {}

    def seen(self, url_ids: Sequence[str]) -> set[str]:
        return {u for u in url_ids if u in self.urls}

    def mark_seen(self, url_id: str, *, url: str, ttl_seconds: int, now: float) -> bool:
        if url_id in self.urls:
            return False
        self.urls[url_id] = url
        return True

    def claim_slot(self, source_id: str, *, slot: str, due_after: str) -> bool:
        last = self.slots.get(source_id)
        if last is not None and last > due_after:
            return False
        self.slots[source_id] = slot
        return True


class MemoryStoryRepository(StoryRepository):
    def __init__(self) -> None:
        self.stories: dict[str, StoryRecord] = {}
        self.ops: Counter[str] = Counter()

    def get(self, story_id: str) -> StoryRecord | None:
        self.ops["read"] += 1
        return self.stories.get(story_id)

    def get_many(self, story_ids: Sequence[str]) -> dict[str, StoryRecord]:
        self.ops["read"] += 1
        return {s: self.stories[s] for s in dict.fromkeys(story_ids) if s in self.stories}

    def get_centroids(self, story_ids: Sequence[str]) -> dict[str, tuple[dict[str, float], str | None]]:
        self.ops["read"] += 1
        out = {}
        for story_id in story_ids:
            story = self.stories.get(story_id)
            if story is not None:
                out[story_id] = (story.centroid, story.updated_at.isoformat() if story.updated_at else None)
        return out

    def get_briefs(self, story_ids: Sequence[str]) -> dict[str, StoryBrief]:
        self.ops["read"] += 1
        return {s: brief_of(self.stories[s]) for s in dict.fromkeys(story_ids) if s in self.stories}

    def save(self, story: StoryRecord, *, expected_version: int | None) -> StoryRecord:
        self.ops["write"] += 1
        current = self.stories.get(story.story_id)
        if (current is None) != (expected_version is None) or (current and current.version != expected_version):
            raise VersionConflictError(story.story_id)
        stored = story.model_copy(update={"version": (expected_version or 0) + 1})
        self.stories[story.story_id] = stored
        return stored

    def newest(self, *, category: str | None = None, blindspot: bool = False, limit: int = 50) -> list[StoryRecord]:
        chosen = [
            s
            for s in self.stories.values()
            if (category is None or s.category == category) and (not blindspot or s.blindspot is not None)
            and not s.merged_into  # a merged-away story is only a redirect: no index lists it
        ]
        return sorted(chosen, key=lambda s: s.sort_key, reverse=True)[:limit]


class MemoryCandidateIndex(CandidateIndex):
    def __init__(self) -> None:
        self.postings: dict[str, set[str]] = {}
        self.assignments: dict[str, str] = {}
        self.ops: Counter[str] = Counter()

    def lookup(self, keys: Sequence[str]) -> dict[str, set[str]]:
        self.ops["read"] += 1
        return {k: set(self.postings[k]) for k in keys if k in self.postings}

    def post(self, keys: Sequence[str], story_id: str, *, ttl_seconds: int, now: float) -> None:
        for key in dict.fromkeys(keys):
            self.ops["write"] += 1
            bucket = self.postings.setdefault(key, set())
            if len(bucket) < POSTINGS_CAP or story_id in bucket:
                bucket.add(story_id)

    def assignment(self, article_id: str) -> str | None:
        self.ops["read"] += 1
        return self.assignments.get(article_id)

    def claim_assignment(self, article_id: str, story_id: str) -> str:
        self.ops["write"] += 1
        return self.assignments.setdefault(article_id, story_id)

    def reassign(self, article_id: str, story_id: str) -> None:
        self.ops["write"] += 1
        self.assignments[article_id] = story_id


class MemoryCdn(Cdn):
    def __init__(self) -> None:
        self.invalidations: dict[str, list[str]] = {}  # reference -> paths, in request order

    def invalidate(self, paths: Sequence[str], *, reference: str) -> str:
        self.invalidations.setdefault(reference, list(paths))
        return reference


class MemoryCrawlControl(MemoryCrawlState, CrawlControl):
    """Thread-safe in-memory adapter (tests run scrapers in threads against it)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self.hosts: dict[str, float] = {}
        self.robots: dict[str, RobotsRecord] = {}
        self.feeds: dict[str, FeedState] = {}
        self.sources: dict[str, SourceState] = {}
        self.error_slots: dict[str, str] = {}
        self.seen_by: dict[str, SeenRecord] = {}
        self.days: dict[tuple[str, str], dict[str, int]] = {}
        self.verdicts: dict[tuple[str, str], dict[str, str]] = {}
        self.failures: dict[tuple[str, str], dict[str, str]] = {}
        self.sources_registry: list[RegistryEntry] = []

    def claim_slot(self, source_id: str, *, slot: str, due_after: str) -> bool:
        with self._lock:
            state = self.sources.get(source_id)
            if state is not None and state.next_check_at and state.next_check_at > slot:
                return False
            return super().claim_slot(source_id, slot=slot, due_after=due_after)

    def reserve_host(self, host: str, *, interval: float, now: float, max_wait: float) -> float | None:
        with self._lock:
            start = max(now, self.hosts.get(host, 0.0))
            if start > now + max_wait:
                return None
            self.hosts[host] = start + interval
            return start

    def get_robots(self, origin: str) -> RobotsRecord | None:
        return self.robots.get(origin)

    def put_robots(self, record: RobotsRecord) -> None:
        self.robots[record.origin] = record

    def feed_states(self, urls: Sequence[str]) -> dict[str, FeedState]:
        return {u: self.feeds[u] for u in urls if u in self.feeds}

    def put_feed_state(self, state: FeedState, *, ttl_seconds: int, now: float) -> None:
        self.feeds[state.url] = state

    def source_states(self, source_ids: Sequence[str]) -> dict[str, SourceState]:
        with self._lock:
            out = {}
            for sid in source_ids:
                state = self.sources.get(sid)
                if sid in self.slots:
                    state = replace(state or SourceState(source_id=sid), last_slot=self.slots[sid])
                if state is not None:
                    out[sid] = state
            return out

    def record_scrape(self, source_id: str, outcome: ScrapeOutcome) -> None:
        with self._lock:
            state = self.sources.get(source_id) or SourceState(source_id=source_id)
            changes: dict[str, object] = {"name": outcome.name, "last_attempt_at": outcome.at,
                                          "first_seen_at": state.first_seen_at or outcome.at}
            if outcome.success:
                changes.update(last_success_at=outcome.at, error_streak=0)
            else:
                changes["last_error"] = outcome.error
                if self.error_slots.get(source_id) != outcome.slot:
                    self.error_slots[source_id] = outcome.slot
                    changes["error_streak"] = state.error_streak + 1
            if outcome.stored:
                changes["last_new_item_at"] = outcome.at
            if outcome.next_check_at:
                changes["next_check_at"] = outcome.next_check_at
            if outcome.discovered_feeds is not None:
                changes.update(discovered_feeds=tuple(outcome.discovered_feeds), discovered_at=outcome.at)
            self.sources[source_id] = replace(state, **changes)  # type: ignore[arg-type]

    def seen_details(self, url_ids: Sequence[str]) -> dict[str, SeenRecord]:
        with self._lock:
            return {u: self.seen_by.get(u, SeenRecord()) for u in url_ids if u in self.urls}

    def mark_seen(self, url_id: str, *, url: str, ttl_seconds: int, now: float) -> bool:
        with self._lock:
            return super().mark_seen(url_id, url=url, ttl_seconds=ttl_seconds, now=now)

    def mark_seen_by(self, url_id: str, *, url: str, ttl_seconds: int, now: float, source_id: str, feed: str,
                     found_in: Sequence[str] = ()) -> bool:
        with self._lock:
            if not super().mark_seen(url_id, url=url, ttl_seconds=ttl_seconds, now=now):
                return False
            self.seen_by[url_id] = SeenRecord(source_id, feed, frozenset({feed, *found_in}))
            return True

    def note_found_in(self, url_id: str, feed: str) -> bool:
        with self._lock:
            record = self.seen_by.get(url_id, SeenRecord())
            if feed in record.found_in:
                return False
            self.seen_by[url_id] = replace(record, found_in=record.found_in | {feed})
            return True

    def add_day_counts(self, source_id: str, day: str, counts: Mapping[str, int], *, ttl_seconds: int,
                       now: float) -> None:
        with self._lock:
            bucket = self.days.setdefault((source_id, day), {})
            for name, value in counts.items():
                if value:
                    bucket[name] = bucket.get(name, 0) + value

    def record_parse(self, source_id: str, day: str, article_key: str, verdict: str, *, ttl_seconds: int,
                     now: float) -> None:
        with self._lock:
            self.verdicts.setdefault((source_id, day), {})[article_key] = verdict

    def record_failure(self, source_id: str, day: str, stage: str, item_key: str, error: str, *, ttl_seconds: int,
                       now: float) -> None:
        with self._lock:
            self.failures.setdefault((source_id, day), {})[f"{stage}|{item_key}"] = f"{stage}:{error}"

    def day_health(self, source_ids: Sequence[str], days: Sequence[str]) -> list[DayHealth]:
        out = []
        for sid in source_ids:
            for day in days:
                counts, verdicts = self.days.get((sid, day)), self.verdicts.get((sid, day))
                failures = self.failures.get((sid, day))
                if counts or verdicts or failures:
                    out.append(DayHealth(sid, day, dict(counts or {}), dict(verdicts or {}), dict(failures or {})))
        return out

    def put_registry(self, entries: Sequence[RegistryEntry]) -> None:
        self.sources_registry = list(entries)

    def registry(self) -> list[RegistryEntry]:
        return list(self.sources_registry)
