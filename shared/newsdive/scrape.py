"""The scrape stage's domain logic: read a source's feeds and store every new article page, gzip-compressed."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsdive.article import url_id
from newsdive.errors import FetchError, is_permanent
from newsdive.fetch import Fetcher
from newsdive.messages import RawPageMeta, ScrapeRequest
from newsdive.storage.ports import CrawlState, ObjectStore

DAY = 86400


@dataclass
class Scraper:
    fetcher: Fetcher
    raw: ObjectStore
    crawl: CrawlState
    seen_ttl_days: int = 30
    broken_link_ttl_days: int = 1
    max_items_per_feed: int = 100


@dataclass
class ScrapeReport:
    source_id: str
    feeds: int = 0
    items: int = 0
    already_seen: int = 0
    stored: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def raw_key(item_url: str) -> str:
    """Raw pages are keyed by the hash of their canonical item URL: a re-store overwrites, never duplicates."""
    return f"raw/{url_id(item_url)}.html.gz"


def scrape(request: ScrapeRequest, deps: Scraper, *, now: datetime | None = None) -> ScrapeReport:
    """Fetch each feed of the source and store the pages of items not seen before.

    A feed that cannot be fetched fails the whole request (it is retried, then dead-lettered). A page that cannot
    be fetched is reported and skipped: permanently broken links are remembered for a day so they are not
    hammered; transient failures are retried at the next schedule.
    """
    from newsdive.feeds import parse_feed  # feedparser is slow to import: only scrape pays for it

    source = request.source
    report = ScrapeReport(source_id=source.id)
    for feed_url in source.feeds:
        response = deps.fetcher.get(feed_url, accept="feed")
        feed = parse_feed(response.body, url=response.url, content_type=response.headers.get("content-type"))
        report.feeds += 1
        items = sorted(feed.items, key=lambda i: i.canonical_url)[: deps.max_items_per_feed]
        report.items += len(items)
        seen = deps.crawl.seen([url_id(i.canonical_url) for i in items])
        for item in items:
            item_id = url_id(item.canonical_url)
            if item_id in seen:
                report.already_seen += 1
                continue
            seen.add(item_id)
            fetched_at = now or datetime.now(UTC)
            try:
                page = deps.fetcher.get(item.url, accept="html")
            except FetchError as exc:
                report.failed.append((item.url, str(exc)))
                if is_permanent(exc):
                    deps.crawl.mark_seen(item_id, url=item.canonical_url, ttl_seconds=deps.broken_link_ttl_days * DAY,
                                         now=fetched_at.timestamp())
                continue
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
            )
            key = raw_key(item.canonical_url)
            deps.raw.put(key, gzip.compress(page.body, mtime=0), content_type="text/html",
                         content_encoding="gzip", metadata=meta.to_s3())
            deps.crawl.mark_seen(item_id, url=item.canonical_url, ttl_seconds=deps.seen_ttl_days * DAY,
                                 now=fetched_at.timestamp())
            report.stored.append(key)
    return report
