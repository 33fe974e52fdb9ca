"""The storage and messaging ports of the domain code. No boto3 here."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from newsdive.model.story import StoryRecord

POSTINGS_CAP = 50  # story ids per index key: beyond that a term is too common to tell stories apart


@dataclass(frozen=True)
class StoryBrief:
    """What candidate scoring reads of a story: its centroid, first and last member time (ISO), redirect, and the
    weekdays its members name."""

    centroid: dict[str, float]
    updated_at: str | None = None
    published_at: str | None = None
    merged_into: str | None = None
    weekdays: tuple[int, ...] = ()


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    content_type: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None


class ObjectStore(ABC):
    """A bucket."""

    @abstractmethod
    def get(self, key: str) -> StoredObject:
        """The object; raises NotFoundError when absent."""

    @abstractmethod
    def head(self, key: str) -> Mapping[str, str] | None:
        """The object's user metadata, or None when absent."""

    @abstractmethod
    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        cache_control: str | None = None,
        content_encoding: str | None = None,
    ) -> None: ...

    @abstractmethod
    def keys(self, prefix: str) -> list[str]:
        """Keys under a prefix, sorted (used by local tooling, never on a per-article path)."""

    def delete(self, key: str) -> None:
        """Remove the object (absent is fine)."""
        raise NotImplementedError


class MessageQueue(ABC):
    @abstractmethod
    def send(self, bodies: Sequence[str]) -> None:
        """Send messages (batched by the adapter); raises on any failed entry."""


class CrawlState(ABC):
    """Seen URLs and per-source schedule state."""

    @abstractmethod
    def seen(self, url_ids: Sequence[str]) -> set[str]:
        """Which of these URL ids were already stored."""

    @abstractmethod
    def mark_seen(self, url_id: str, *, url: str, ttl_seconds: int, now: float) -> bool:
        """Record a URL as stored; False if it already was (conditional put)."""

    @abstractmethod
    def claim_slot(self, source_id: str, *, slot: str, due_after: str) -> bool:
        """Claim the schedule slot `slot` for a source if its last claimed slot is at or before `due_after`."""


class StoryRepository(ABC):
    @abstractmethod
    def get(self, story_id: str) -> StoryRecord | None: ...

    def get_many(self, story_ids: Sequence[str]) -> dict[str, StoryRecord]:
        """Each existing story, whole (one batched, strongly consistent read in the DynamoDB adapter)."""
        found = {story_id: self.get(story_id) for story_id in dict.fromkeys(story_ids)}
        return {story_id: story for story_id, story in found.items() if story is not None}

    @abstractmethod
    def get_centroids(self, story_ids: Sequence[str]) -> dict[str, tuple[dict[str, float], str | None]]:
        """Centroid and last update time (ISO) of each existing story: the cheap read for candidate scoring."""

    def get_briefs(self, story_ids: Sequence[str]) -> dict[str, StoryBrief]:
        """The scoring brief of each existing story (one batched read in the adapters)."""
        out: dict[str, StoryBrief] = {}
        for story_id in dict.fromkeys(story_ids):
            story = self.get(story_id)
            if story is not None:
                out[story_id] = brief_of(story)
        return out

    @abstractmethod
    def save(self, story: StoryRecord, *, expected_version: int | None) -> StoryRecord:
        """Write with an optimistic check (None: must not exist yet); returns the stored record (version + 1).

        Raises VersionConflictError when another writer got there first.
        """

    @abstractmethod
    def newest(self, *, category: str | None = None, blindspot: bool = False, limit: int = 50) -> list[StoryRecord]:
        """Newest stories first, through an index (never a scan): all, one category, or blindspots only."""


def brief_of(story: StoryRecord) -> StoryBrief:
    return StoryBrief(
        centroid=story.centroid,
        updated_at=story.updated_at.isoformat() if story.updated_at else None,
        published_at=story.published_at.isoformat() if story.published_at else None,
        merged_into=story.merged_into,
        weekdays=tuple(story.weekdays),
    )


class CandidateIndex(ABC):
    """Inverted index term-bucket -> story ids, plus article -> story assignments."""

    @abstractmethod
    def lookup(self, keys: Sequence[str]) -> dict[str, set[str]]:
        """Story ids posted under each key (one batched read)."""

    @abstractmethod
    def post(self, keys: Sequence[str], story_id: str, *, ttl_seconds: int, now: float) -> None:
        """Add the story under each key (capped per key so common terms never make hot items)."""

    @abstractmethod
    def assignment(self, article_id: str) -> str | None:
        """The story an article was assigned to, if any."""

    @abstractmethod
    def claim_assignment(self, article_id: str, story_id: str) -> str:
        """Record article -> story unless already recorded; returns the story id that holds (first writer wins)."""

    @abstractmethod
    def reassign(self, article_id: str, story_id: str) -> None:
        """Overwrite article -> story: re-clustering moved the article (newsdive.aggregate.recluster)."""


class Cdn(ABC):
    """The CDN in front of the public bucket."""

    @abstractmethod
    def invalidate(self, paths: Sequence[str], *, reference: str) -> str:
        """Drop cached copies of these paths (one request; "/x/*" wildcards allowed); returns the request id.
        The same `reference` twice is one invalidation."""
