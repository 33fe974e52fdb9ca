"""The crawl-control port: the state that makes scraping polite, incremental and observable.

It extends CrawlState (seen URLs, schedule slots) with what must outlive a warm Lambda and hold across concurrent
scrapers: per-host request slots (rate limit), cached robots.txt, per-feed validators and back-off, per-source
state and per-day health counters. One DynamoDB table holds it all (items keyed `HOST#`, `ROBOTS#`, `FEED#`,
`SOURCE#`, `HEALTH#`, `REGISTRY#`); the in-memory adapter here is for unit tests and benchmarks.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from newsdive.storage.memory import MemoryCrawlState
from newsdive.storage.ports import CrawlState

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
