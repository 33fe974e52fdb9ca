"""The storage and messaging ports of the domain code. No boto3 here."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the story model imports pydantic and the aggregate's language code: not for every port user
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


# --- crawl control --------------------------------------------------------------------------------------------
# The crawl-control port: the state that makes scraping polite, incremental and observable.
#
# It extends CrawlState (seen URLs, schedule slots) with what must outlive a warm Lambda and hold across concurrent
# scrapers: per-host request slots (rate limit), cached robots.txt, per-feed validators and back-off, per-source
# state and per-day health counters. One DynamoDB table holds it all (items keyed `HOST#`, `ROBOTS#`, `FEED#`,
# `SOURCE#`, `HEALTH#`, `REGISTRY#`); its in-memory adapter (memory.py) is for unit tests and benchmarks.

PARSE_PREFIX = "p_"  # per-article parse verdicts are attributes p_<id> of a day's health item
FAILURE_PREFIX = "f_"  # per-article failures at a later stage (aggregate, publish): attributes f_<id>


@dataclass(frozen=True)
class SeenRecord:
    """Who first stored a URL (source and feed), and every feed it has been found in since."""

    source_id: str = ""
    feed: str = ""
    found_in: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FeedState:
    """What the last check of one feed or sitemap left: validators for a conditional GET, the body's digest (for
    servers without validators) and the back-off."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None
    checked_at: str | None = None
    changed_at: str | None = None
    unchanged: int = 0  # checks in a row that found nothing new
    next_check_at: str | None = None  # ISO time; the feed is skipped before it


@dataclass(frozen=True)
class SourceState:
    source_id: str
    name: str = ""
    last_slot: str | None = None
    next_check_at: str | None = None
    first_seen_at: str | None = None
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    last_new_item_at: str | None = None
    last_error: str | None = None
    error_streak: int = 0
    discovered_feeds: tuple[str, ...] = ()
    discovered_at: str | None = None


@dataclass(frozen=True)
class ScrapeOutcome:
    """What one scrape of a source records in the source's state."""

    name: str
    slot: str
    at: str
    success: bool
    error: str | None = None
    stored: int = 0
    next_check_at: str | None = None
    discovered_feeds: tuple[str, ...] | None = None  # None: discovery did not run


@dataclass(frozen=True)
class RobotsRecord:
    origin: str  # scheme://host[:port]
    status: int  # HTTP status of /robots.txt; 0 when the host could not be reached
    body: bytes
    fetched_at: float
    expires_at: float


@dataclass(frozen=True)
class DayHealth:
    """One source's counters for one UTC day, plus the parse verdict of each article stored that day and the
    failures of its articles at later stages ("<stage>:<error type>", one per stage and article)."""

    source_id: str
    day: str
    counts: Mapping[str, int] = field(default_factory=dict)
    verdicts: Mapping[str, str] = field(default_factory=dict)
    failures: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistryEntry:
    """A configured source as the crawl table lists it: for health, and for scrapers to know whose article a link
    points to (`homepage`: the longest homepage prefix of a URL owns it, newsdive.scrape.urls.owner_of; `hosts`: its
    homepage's host, what entries written before homepages were kept say)."""

    id: str
    name: str
    stale_after_hours: float | None = None
    hosts: tuple[str, ...] = ()
    homepage: str = ""


class CrawlControl(CrawlState):
    """Politeness, incremental fetching, duplicates and health state (see module doc)."""

    # --- politeness -------------------------------------------------------------------------------------
    @abstractmethod
    def reserve_host(self, host: str, *, interval: float, now: float, max_wait: float) -> float | None:
        """Reserve the next request slot of a host: returns when the caller may send (>= now), the next slot
        being `interval` seconds later for everybody; None (nothing reserved) when that is beyond now+max_wait."""

    @abstractmethod
    def get_robots(self, origin: str) -> RobotsRecord | None: ...

    @abstractmethod
    def put_robots(self, record: RobotsRecord) -> None: ...

    # --- incremental ------------------------------------------------------------------------------------
    @abstractmethod
    def feed_states(self, urls: Sequence[str]) -> dict[str, FeedState]:
        """The stored state of each feed URL that has one (one batched read)."""

    @abstractmethod
    def put_feed_state(self, state: FeedState, *, ttl_seconds: int, now: float) -> None: ...

    @abstractmethod
    def source_states(self, source_ids: Sequence[str]) -> dict[str, SourceState]: ...

    @abstractmethod
    def record_scrape(self, source_id: str, outcome: ScrapeOutcome) -> None:
        """Record a scrape's outcome. A failure counts once per slot in the error streak, however often the
        request is retried; a success resets the streak."""

    # --- duplicates ---------------------------------------------------------------------------------------
    @abstractmethod
    def seen_details(self, url_ids: Sequence[str]) -> dict[str, SeenRecord]:
        """Like `seen`, with who stored each URL first."""

    @abstractmethod
    def mark_seen_by(self, url_id: str, *, url: str, ttl_seconds: int, now: float, source_id: str, feed: str,
                     found_in: Sequence[str] = ()) -> bool:
        """mark_seen, remembering the source and feed (and any other feeds the URL was found in)."""

    @abstractmethod
    def note_found_in(self, url_id: str, feed: str) -> bool:
        """Add a feed to a seen URL's `found_in`; True only the first time (so a duplicate is reported once)."""

    # --- health -----------------------------------------------------------------------------------------
    @abstractmethod
    def add_day_counts(self, source_id: str, day: str, counts: Mapping[str, int], *, ttl_seconds: int,
                       now: float) -> None: ...

    @abstractmethod
    def record_parse(self, source_id: str, day: str, article_key: str, verdict: str, *, ttl_seconds: int,
                     now: float) -> None:
        """The parse verdict of one stored page (idempotent: a retried record overwrites its own verdict)."""

    @abstractmethod
    def record_failure(self, source_id: str, day: str, stage: str, item_key: str, error: str, *, ttl_seconds: int,
                       now: float) -> None:
        """An article of the source failed `stage` for good (idempotent per stage and article: a retried record
        overwrites its own entry)."""

    @abstractmethod
    def day_health(self, source_ids: Sequence[str], days: Sequence[str]) -> list[DayHealth]: ...

    @abstractmethod
    def put_registry(self, entries: Sequence[RegistryEntry]) -> None:
        """The configured sources, so readers (health, scrapers) can list them without a scan."""

    @abstractmethod
    def registry(self) -> list[RegistryEntry]: ...
