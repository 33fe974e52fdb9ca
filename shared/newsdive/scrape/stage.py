"""The scrape stage's domain logic: check a source's feeds and sitemaps, store every new article page (gzip).

Polite: every request goes through robots.py (robots.txt, a per-host rate limit shared by all scrapers).
Incremental: feeds are fetched with their validators (ETag / Last-Modified), so an unchanged feed costs one
request and no further work, and a feed that keeps bringing nothing new is checked less and less often.
Finds more: a source may list sitemaps (plain, index, Google News) and ask for feed autodiscovery on its
homepage. Counts once: a page whose canonical URL (or og:url) was stored already is not stored again, and
duplicates across feeds and sources are reported. Observable: each scrape updates the source's health.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from newsdive.language.plaintext import word_count
from newsdive.model.article import url_id
from newsdive.model.errors import FeedParseError, FetchError, Permanent, Transient, is_permanent
from newsdive.model.messages import RawPageMeta, ScrapeRequest
from newsdive.scrape.fetch import Fetcher, FetchResponse
from newsdive.scrape.robots import DisallowedByRobotsError, HostBusyError, Politeness
from newsdive.storage.ports import CrawlControl, FeedState, ObjectStore, ScrapeOutcome, SeenRecord

if TYPE_CHECKING:
    from newsdive.scrape.feeds import FeedItem, ParsedFeed

DAY = 86400
FEED_STATE_TTL_DAYS = 90
DEADLINE_MARGIN = 3.0  # seconds kept for storing and recording after the last page
DuplicateKind = Literal["cross-feed", "cross-source", "relinked", "syndicated"]


@dataclass
class Scraper:
    fetcher: Fetcher
    raw: ObjectStore
    crawl: CrawlControl
    seen_ttl_days: int = 30
    broken_link_ttl_days: int = 1
    max_items_per_feed: int = 100
    host_interval: float = 1.0  # seconds between two requests to one host, at least (robots.txt may ask more)
    max_wait: float = 10.0  # longest wait for a host's turn before its pages are left for the next schedule
    robots_ttl_hours: float = 24.0
    feed_max_backoff_minutes: int = 360
    sitemap_max_age_hours: int = 48
    max_child_sitemaps: int = 3
    discovery_ttl_hours: float = 24.0
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    politeness: Politeness | None = None
    registry_ttl: float = 300.0
    _owners: tuple[float, dict[str, str]] = field(default=(0.0, {}), repr=False)

    def __post_init__(self) -> None:
        if self.politeness is None:
            self.politeness = Politeness(self.fetcher, self.crawl, min_interval=self.host_interval,
                                         max_wait=self.max_wait, robots_ttl=self.robots_ttl_hours * 3600,
                                         clock=self.clock, sleep=self.sleep)

    def owner_of(self, url: str, source_id: str, *, homepage: str | None = None) -> str | None:
        """The other configured source whose article `url` is (the most specific homepage prefix of it, path
        included: newsdive.scrape.urls.owner_of), even when linked from here; None when it is this source's (`homepage`:
        this source's own, also when the registry does not list it yet) or nobody's. Read from the crawl table's
        registry of sources, cached for `registry_ttl` seconds."""
        from newsdive.scrape.urls import owner_of

        expires, homepages = self._owners
        if expires <= self.clock():
            homepages = {}
            for entry in self.crawl.registry():
                if entry.homepage:
                    homepages[entry.id] = entry.homepage
                elif entry.hosts:  # written before homepages were kept: the host's root
                    homepages[entry.id] = f"http://{entry.hosts[0]}/"
            self._owners = (self.clock() + self.registry_ttl, homepages)
        if homepage:
            homepages = {**homepages, source_id: homepage}
        owner = owner_of(url, homepages, prefer=source_id)
        return owner if owner and owner != source_id else None


@dataclass(frozen=True)
class Duplicate:
    url: str
    kind: DuplicateKind
    first_source: str
    first_feed: str = ""


@dataclass
class ScrapeReport:
    source_id: str
    feeds: int = 0  # feeds and sitemaps fetched
    not_modified: int = 0  # of those, answered 304 or with the same bytes as last time
    skipped: int = 0  # not due yet (back-off)
    items: int = 0
    already_seen: int = 0
    stored: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    deferred: int = 0  # new items left for the next schedule (no time, or the host's turn too far away)
    foreign: int = 0  # new items on another configured source's site: left to that source's own feeds
    disallowed: list[str] = field(default_factory=list)  # refused by robots.txt, never requested
    duplicates: list[Duplicate] = field(default_factory=list)
    discovered: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # feeds, sitemaps or the homepage that failed
    exceptions: list[Exception] = field(default_factory=list)
    waited_seconds: float = 0.0


@dataclass(eq=False)
class _Target:
    url: str
    kind: Literal["feed", "sitemap"]
    state: FeedState | None
    parent: _Target | None = None  # the sitemap index a child sitemap came from
    new_state: FeedState | None = None
    new_items: int = 0
    deferred: int = 0
    unchanged: bool = False

    def count(self, *, new: int = 0, deferred: int = 0) -> None:
        target: _Target | None = self
        while target is not None:
            target.new_items += new
            target.deferred += deferred
            target = target.parent


@dataclass
class _Candidate:
    item: FeedItem
    target: _Target
    also: list[_Target] = field(default_factory=list)


def raw_key(item_url: str) -> str:
    """Raw pages are keyed by the hash of their canonical item URL: a re-store overwrites, never duplicates."""
    return f"raw/{url_id(item_url)}.html.gz"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def backoff_minutes(interval_minutes: int, unchanged: int, max_minutes: int) -> int:
    """Minutes until the next check of a feed that brought nothing new `unchanged` times in a row: the source's
    interval for the first two, then doubling, capped at `max_minutes` (never below the interval)."""
    factor = 2 ** max(0, min(unchanged - 2, 16))
    return max(interval_minutes, min(max_minutes, interval_minutes * factor))


def _where(source_id: str, feed: str) -> str:
    return f"{source_id}|{feed}"


def page_canonical(body: bytes) -> str | None:
    """The page's own claim to a URL: <link rel="canonical">, else og:url."""
    import lxml.etree
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return None
    for el in doc.iter("link"):
        href = (el.get("href") or "").strip()
        if "canonical" in (el.get("rel") or "").lower().split() and href:
            return href
    for el in doc.iter("meta"):
        content = (el.get("content") or "").strip()
        if (el.get("property") or el.get("name") or "").lower() == "og:url" and content:
            return content
    return None


def page_identity(item_url: str, page: FetchResponse) -> tuple[str, str | None]:
    """The URL naming the article (its same-site canonical, as parse decides it) and, for a copy whose canonical
    is on another site (syndication), that other URL. A site is a registered domain: a canonical on a sibling
    host (`ww2.` for `www.`) is the same site's (newsdive.scrape.urls.same_site)."""
    from urllib.parse import urljoin, urlsplit

    from newsdive.parse.stage import canonical_identity
    from newsdive.scrape.urls import canonicalize_url, same_site

    claimed = page_canonical(page.body)
    if not claimed:
        return item_url, None
    try:
        absolute = canonicalize_url(urljoin(page.url, claimed))
    except ValueError:
        return item_url, None
    identity = canonical_identity(item_url, absolute, page.url)
    claimed_host = urlsplit(absolute).hostname
    on_site = any(same_site(claimed_host, urlsplit(u).hostname) for u in (item_url, page.url))
    return identity, (None if on_site else absolute)


def _select(feed: ParsedFeed, kind: str, *, limit: int, now: datetime, max_age_hours: int) -> list[FeedItem]:
    """The items worth fetching: sitemap entries only when dated within the window (a plain sitemap lists the
    whole archive), at most `limit` per feed (the newest first), then in URL order (stable runs)."""
    items = list(feed.items)
    if kind == "sitemap" or feed.kind in ("sitemap", "news-sitemap"):
        oldest = now - timedelta(hours=max_age_hours)
        items = [i for i in items if i.published_at is not None and i.published_at >= oldest]
    if len(items) > limit:
        dated = sorted((i for i in items if i.published_at), key=lambda i: i.published_at, reverse=True)  # type: ignore[arg-type, return-value]
        items = (dated + [i for i in items if not i.published_at])[:limit]
    return sorted(items, key=lambda i: i.canonical_url)


# Complex on purpose: feeds, items, pages and the deadline share one report.
def scrape(request: ScrapeRequest, deps: Scraper, *, now: datetime | None = None,  # noqa: C901
           deadline: float | None = None) -> ScrapeReport:
    """Check the source's feeds and sitemaps and store the pages of items not seen before.

    `deadline` (epoch seconds, from the Lambda's remaining time) bounds the work: new items that do not fit are
    left unseen for the next schedule. A feed or sitemap that cannot be fetched or parsed is recorded in the
    source's health and, after the other feeds were handled, fails the request (retried, then dead-lettered).
    A page that cannot be fetched is reported and skipped: permanently broken links are remembered for a day
    so they are not hammered; transient failures are retried at the next schedule.
    """
    source = request.source
    polite = deps.politeness
    assert polite is not None  # set in __post_init__
    control = deps.crawl
    started_at = now or datetime.now(UTC)
    slot = request.slot
    report = ScrapeReport(source_id=source.id)
    waited_before = polite.waited
    state = control.source_states([source.id]).get(source.id)

    feeds = list(dict.fromkeys(source.feeds))
    discovered: tuple[str, ...] | None = None
    if source.discover:
        known = state.discovered_feeds if state else ()
        age = (started_at - datetime.fromisoformat(state.discovered_at)) if state and state.discovered_at else None
        if age is None or age > timedelta(hours=deps.discovery_ttl_hours):
            discovered = _discover(source.homepage, polite, report, deadline)
            known = discovered if discovered is not None else known
        feeds += [u for u in known if u not in feeds]
    urls = [(u, "feed") for u in feeds] + [(u, "sitemap") for u in dict.fromkeys(source.sitemaps) if u not in feeds]
    states = control.feed_states([u for u, _ in urls])
    targets = [_Target(u, k, states.get(u)) for u, k in urls]  # type: ignore[arg-type]

    candidates: dict[str, _Candidate] = {}
    checked: list[_Target] = []
    for target in targets:
        if target.state and target.state.next_check_at and target.state.next_check_at > slot:
            report.skipped += 1
            continue
        try:
            items = _check(target, deps, report, started_at, slot, deadline, checked)
        except (FetchError, FeedParseError) as exc:
            _failed(report, target.url, exc)
            continue
        for item, found_in in items:
            candidate = candidates.get(item.canonical_url)
            if candidate is None:
                candidates[item.canonical_url] = _Candidate(item, found_in)
            elif found_in is not candidate.target and found_in not in candidate.also:
                candidate.also.append(found_in)
    report.items = len(candidates)

    seen = control.seen_details([url_id(c) for c in candidates])
    fresh: list[_Candidate] = []
    for canonical, candidate in candidates.items():
        record = seen.get(url_id(canonical))
        if record is None:
            # whichever feed carried it, an item belongs to the source whose homepage is its longest prefix
            if deps.owner_of(canonical, source.id, homepage=source.homepage):
                report.foreign += 1  # counted once, as a cross-source duplicate, when its owner has stored it
                continue
            fresh.append(candidate)
            continue
        report.already_seen += 1
        _note_duplicates(canonical, record, [candidate.target, *candidate.also], source.id, control, report)

    for position, candidate in enumerate(fresh):
        if deadline is not None and deps.clock() > deadline - DEADLINE_MARGIN:
            for rest in fresh[position:]:
                rest.target.count(deferred=1)
            report.deferred += len(fresh) - position
            break
        # one new article listed by two of the source's feeds: reported once (found_in remembers the other)
        report.duplicates.extend(Duplicate(candidate.item.canonical_url, "cross-feed", source.id,
                                           candidate.target.url) for _ in candidate.also)
        _fetch_and_store(candidate, request, deps, report, deadline, now)

    finished_at = now or datetime.now(UTC)
    next_checks = _commit_targets(checked, targets, request, deps, finished_at)
    if report.deferred:
        next_checks.append(_iso(datetime.fromisoformat(slot) + timedelta(minutes=source.interval_minutes)))
    error = "; ".join(f"{u}: {e}" for u, e in report.errors)[:500] or None
    control.record_scrape(source.id, ScrapeOutcome(
        name=source.name, slot=slot, at=_iso(finished_at), success=not report.errors, error=error,
        stored=len(report.stored), next_check_at=min(next_checks) if next_checks else None,
        discovered_feeds=discovered))
    report.waited_seconds = round(polite.waited - waited_before, 3)
    day = finished_at.date().isoformat()
    control.add_day_counts(source.id, day, {
        "checks": report.feeds, "unchanged": report.not_modified, "items": report.items,
        "stored": len(report.stored), "failed_pages": len(report.failed), "deferred": report.deferred,
        "disallowed": len(report.disallowed), "errors": len(report.errors),
        "dup_cross_feed": sum(1 for d in report.duplicates if d.kind in ("cross-feed", "relinked")),
        "dup_cross_source": sum(1 for d in report.duplicates if d.kind in ("cross-source", "syndicated")),
    }, ttl_seconds=35 * DAY, now=finished_at.timestamp())
    if report.exceptions:
        if all(is_permanent(e) for e in report.exceptions):
            raise PermanentScrapeError(source.id, report)
        raise ScrapeFailedError(source.id, report)
    return report


class ScrapeFailedError(Transient):
    """A feed, sitemap or the homepage of a source failed, at least one of them in a way a retry can fix (a
    timeout, a 5xx); the rest of the source was handled first."""

    def __init__(self, source_id: str, report: ScrapeReport) -> None:
        super().__init__(f"{source_id}: " + "; ".join(f"{u}: {e}" for u, e in report.errors))
        self.report = report


class PermanentScrapeError(ScrapeFailedError, Permanent):
    """Every failure of the request was permanent (a 404 feed, a refused address, a document that is no feed)."""


def _failed(report: ScrapeReport, url: str, exc: Exception) -> None:
    report.errors.append((url, f"{type(exc).__name__}: {exc}"))
    report.exceptions.append(exc)


def _discover(homepage: str, polite: Politeness, report: ScrapeReport,
              deadline: float | None) -> tuple[str, ...] | None:
    from newsdive.scrape.feeds import discover_feeds

    try:
        page = polite.get_with_retries(homepage, accept="html", deadline=deadline)
    except FetchError as exc:
        _failed(report, homepage, exc)
        return None
    found = tuple(discover_feeds(page.body, page.url, comments=False)[:5])
    report.discovered.extend(found)
    return found


def _conditional_headers(state: FeedState | None) -> dict[str, str]:
    headers = {}
    if state and state.etag:
        headers["If-None-Match"] = state.etag
    if state and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _check(target: _Target, deps: Scraper, report: ScrapeReport, now: datetime, slot: str, deadline: float | None,
           checked: list[_Target]) -> list[tuple[FeedItem, _Target]]:
    """Fetch one feed or sitemap conditionally; its items when it changed, [] when not. A sitemap index brings
    the items of its newest child sitemaps (each checked conditionally too)."""
    from newsdive.scrape.feeds import parse_feed

    polite = deps.politeness
    assert polite is not None
    response = polite.get_with_retries(target.url, accept="feed", headers=_conditional_headers(target.state),
                                       deadline=deadline)
    report.feeds += 1
    checked.append(target)
    digest = hashlib.sha256(response.body).hexdigest()[:32] if response.status != 304 else None
    previous = target.state or FeedState(url=target.url)
    if response.status == 304 or (digest is not None and digest == previous.digest):
        report.not_modified += 1
        target.unchanged = True
        target.new_state = FeedState(url=target.url, etag=previous.etag, last_modified=previous.last_modified,
                                     digest=previous.digest, checked_at=_iso(now), changed_at=previous.changed_at,
                                     unchanged=previous.unchanged)
        return []
    target.new_state = FeedState(
        url=target.url, etag=response.headers.get("etag") or None,
        last_modified=response.headers.get("last-modified") or None, digest=digest, checked_at=_iso(now),
        changed_at=_iso(now), unchanged=previous.unchanged)
    feed = parse_feed(response.body, url=response.url, content_type=response.headers.get("content-type"))
    if feed.kind != "sitemap-index":
        return [(item, target) for item in _select(feed, target.kind, limit=deps.max_items_per_feed, now=now,
                                                   max_age_hours=deps.sitemap_max_age_hours)]
    children = [u for u in feed.newest_sitemaps(deps.max_child_sitemaps) if u != target.url]
    states = deps.crawl.feed_states(children)
    items: list[tuple[FeedItem, _Target]] = []
    for url in children:
        child = _Target(url, "sitemap", states.get(url), parent=target)
        if child.state and child.state.next_check_at and child.state.next_check_at > slot:
            report.skipped += 1
            continue
        try:
            items += _check(child, deps, report, now, slot, deadline, checked)
        except (FetchError, FeedParseError) as exc:
            _failed(report, url, exc)
    return items


def _note_duplicates(canonical: str, record: SeenRecord, targets: list[_Target], source_id: str,
                     control: CrawlControl, report: ScrapeReport) -> None:
    """An already stored URL met again in another feed or another source: report it, once per feed."""
    if not record.source_id:
        return  # stored before provenance was recorded
    for target in targets:
        where = _where(source_id, target.url)
        if where in record.found_in or (record.source_id == source_id and record.feed == target.url):
            continue
        kind: DuplicateKind = "cross-source" if record.source_id != source_id else "cross-feed"
        if control.note_found_in(url_id(canonical), where):
            report.duplicates.append(Duplicate(canonical, kind, record.source_id, record.feed))


def _fetch_and_store(candidate: _Candidate, request: ScrapeRequest, deps: Scraper, report: ScrapeReport,
                     deadline: float | None, now: datetime | None) -> None:
    source = request.source
    item = candidate.item
    control = deps.crawl
    polite = deps.politeness
    assert polite is not None
    item_id = url_id(item.canonical_url)
    fetched_at = now or datetime.now(UTC)
    found_in = [_where(source.id, t.url) for t in candidate.also]

    def remember(uid: str, url: str, ttl_days: int) -> None:
        control.mark_seen_by(uid, url=url, ttl_seconds=ttl_days * DAY, now=fetched_at.timestamp(),
                             source_id=source.id, feed=candidate.target.url, found_in=found_in)

    try:
        page = polite.get(item.url, accept="html", deadline=deadline)
    except HostBusyError:
        candidate.target.count(deferred=1)
        report.deferred += 1
        return
    except DisallowedByRobotsError:
        report.disallowed.append(item.url)
        remember(item_id, item.canonical_url, deps.broken_link_ttl_days)
        return
    except FetchError as exc:
        report.failed.append((item.url, str(exc)))
        if is_permanent(exc):
            remember(item_id, item.canonical_url, deps.broken_link_ttl_days)
        return
    candidate.target.count(new=1)

    identity, syndicated_from = page_identity(item.canonical_url, page)
    if syndicated_from:  # a copy of another site's article: that article counts, the copy does not
        record = control.seen_details([url_id(syndicated_from)]).get(url_id(syndicated_from))
        first = record.source_id if record else (deps.owner_of(syndicated_from, source.id) or "")
        report.duplicates.append(Duplicate(syndicated_from, "syndicated", first, record.feed if record else ""))
        remember(item_id, item.canonical_url, deps.seen_ttl_days)
        return
    if identity != item.canonical_url:
        record = control.seen_details([url_id(identity)]).get(url_id(identity))
        if record is not None:  # the same article under another URL was stored already: it counts once
            first = record.source_id or source.id
            kind: DuplicateKind = "relinked" if first == source.id else "cross-source"
            report.duplicates.append(Duplicate(identity, kind, first, record.feed))
            remember(item_id, item.canonical_url, deps.seen_ttl_days)
            return

    meta = RawPageMeta(
        source_id=source.id,
        source_name=source.name,
        source_bias=source.bias.value,
        source_country=source.country or "",
        source_language=source.language or "",
        url=item.canonical_url,
        final_url=page.url,
        feed_title=item.title or "",
        feed_published_at=item.published_at.isoformat() if item.published_at else "",
        fetched_at=fetched_at.isoformat(),
        content_type=page.headers.get("content-type", ""),
        # counted as the body is (newsdive.language.plaintext): comparable in any script
        feed_words=word_count(item.summary),
    )
    key = raw_key(item.canonical_url)
    deps.raw.put(key, gzip.compress(page.body, mtime=0), content_type="text/html",
                 content_encoding="gzip", metadata=meta.to_s3())
    remember(item_id, item.canonical_url, deps.seen_ttl_days)
    if identity != item.canonical_url:
        remember(url_id(identity), identity, deps.seen_ttl_days)
    report.stored.append(key)


def _commit_targets(checked: list[_Target], targets: list[_Target], request: ScrapeRequest, deps: Scraper,
                    now: datetime) -> list[str]:
    """Save each checked feed's new state and return every target's next check time.

    A feed whose new items did not all fit keeps its old validators, so the next check fetches it in full
    again; a feed that brought nothing new extends its back-off."""
    interval = request.source.interval_minutes
    slot = datetime.fromisoformat(request.slot)
    next_checks: list[str] = []
    for target in checked:
        new = target.new_state
        if new is None:
            continue
        unchanged = new.unchanged + 1 if (target.unchanged or target.new_items == 0) else 0
        minutes = backoff_minutes(interval, unchanged, deps.feed_max_backoff_minutes)
        next_check = _iso(slot + timedelta(minutes=minutes))
        if target.deferred:
            old = target.state or FeedState(url=target.url)
            new = replace(old, checked_at=new.checked_at, unchanged=0)
            next_check = _iso(slot + timedelta(minutes=interval))
        else:
            new = replace(new, unchanged=unchanged)
        deps.crawl.put_feed_state(replace(new, next_check_at=next_check),
                                  ttl_seconds=FEED_STATE_TTL_DAYS * DAY, now=now.timestamp())
        if target in targets:  # children of a sitemap index follow their parent's schedule
            next_checks.append(next_check)
    for target in targets:
        if target not in checked and target.state and target.state.next_check_at:
            next_checks.append(target.state.next_check_at)
        elif target not in checked:
            next_checks.append(_iso(slot + timedelta(minutes=interval)))  # failed: try again next slot
    return next_checks
