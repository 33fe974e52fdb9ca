"""In-memory adapters of the ports, for unit tests and benchmarks. They count their reads and writes so that
benchmarks can show that per-article cost does not grow with the number of stored stories."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from newsdive.model.errors import NotFoundError, VersionConflictError
from newsdive.model.story import StoryRecord
from newsdive.storage.ports import (
    POSTINGS_CAP,
    CandidateIndex,
    Cdn,
    CrawlState,
    MessageQueue,
    ObjectStore,
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
