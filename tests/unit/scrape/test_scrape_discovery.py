"""Finding more: feed autodiscovery on a homepage, sitemap indexes, Google News sitemaps (tests/fixtures/sites,
news.mapgazette.example: a source whose entry lists no feed at all)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsdive.model.messages import RawPageMeta, ScrapeRequest
from newsdive.model.sources import Source, parse_sources
from newsdive.scrape.stage import scrape
from newsdive.storage.memory import MemoryCrawlControl, MemoryObjectStore
from newsdive_tools.local.sample_server import SampleWebServer

from .test_scrape import NOW, SITES, SLOT, paths_since, site_scraper


@pytest.fixture(scope="module")
def web():
    with SampleWebServer(SITES) as server:
        yield server

GAZETTE = Source(id="map-gazette", name="The Map Gazette", homepage="http://news.mapgazette.example/",
                 discover=True, sitemaps=["http://news.mapgazette.example/sitemap_index.xml"])


def _stored(raw: MemoryObjectStore) -> dict[str, RawPageMeta]:
    metas = (RawPageMeta.from_s3(dict(o.metadata)) for o in raw.objects.values())
    return {m.url: m for m in metas}


def test_sources_file_lists_sitemaps_and_asks_for_discovery():
    [source] = parse_sources(b'[{"id": "g", "name": "G", "homepage": "https://g.example/", "discover": true,'
                             b' "sitemaps": ["https://g.example/news-sitemap.xml"], "stale_after_hours": 72}]')
    assert source.discover and source.sitemaps == ["https://g.example/news-sitemap.xml"]
    assert source.stale_after_hours == 72 and source.feeds == [] and source.has_targets


def test_homepage_feeds_and_the_newest_sitemaps_bring_the_recent_articles(web):
    raw = MemoryObjectStore()
    control = MemoryCrawlControl()
    mark = len(web.requests)
    report = scrape(ScrapeRequest(source=GAZETTE, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    requested = [p for p, _ in paths_since(web, mark)]
    assert report.discovered == ["http://news.mapgazette.example/rss.xml"]  # the comments feed is left out
    assert "/comments/rss.xml" not in requested and "/index.html" not in requested and "/" in requested
    assert {"/sitemap_index.xml", "/news-sitemap.xml"} <= set(requested)
    # the archive and the page sitemap are read, but nothing undated or older than 48 hours is fetched
    assert not {"/stories/old-flood", "/about", "/contact"} & set(requested)
    stored = _stored(raw)
    assert set(stored) == {"http://news.mapgazette.example/stories/railway-timetable",
                           "http://news.mapgazette.example/stories/reservoir-levels"}
    reservoir = stored["http://news.mapgazette.example/stories/reservoir-levels"]
    assert reservoir.feed_title == "Reservoir levels back to normal after the wet autumn"
    assert datetime.fromisoformat(reservoir.feed_published_at) == datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
    # the railway story is in the feed and in the news sitemap: fetched once, reported once as a cross-feed copy
    assert requested.count("/stories/railway-timetable") == 1
    assert [(d.url.rsplit("/", 1)[1], d.kind) for d in report.duplicates] == [("railway-timetable", "cross-feed")]


def test_discovered_feeds_are_remembered_for_a_day(web):
    control = MemoryCrawlControl()
    scrape(ScrapeRequest(source=GAZETTE, slot=SLOT), site_scraper(web, control=control), now=NOW)
    assert control.sources["map-gazette"].discovered_feeds == ("http://news.mapgazette.example/rss.xml",)
    mark = len(web.requests)
    later = NOW + timedelta(hours=2)
    scrape(ScrapeRequest(source=GAZETTE, slot="2026-11-21T08:00:00+00:00"), site_scraper(web, control=control),
           now=later)
    requested = [p for p, _ in paths_since(web, mark)]
    assert "/" not in requested and "/rss.xml" in requested
    mark = len(web.requests)
    next_day = NOW + timedelta(hours=25)
    scrape(ScrapeRequest(source=GAZETTE, slot="2026-11-22T07:00:00+00:00"), site_scraper(web, control=control),
           now=next_day)
    assert "/" in [p for p, _ in paths_since(web, mark)]


def test_only_the_newest_child_sitemaps_are_read(web):
    mark = len(web.requests)
    source = GAZETTE.model_copy(update={"discover": False})
    scrape(ScrapeRequest(source=source, slot=SLOT), site_scraper(web, max_child_sitemaps=1), now=NOW)
    requested = [p for p, _ in paths_since(web, mark)]
    assert "/news-sitemap.xml" in requested
    assert "/sitemap-2019.xml" not in requested and "/sitemap-pages.xml" not in requested
