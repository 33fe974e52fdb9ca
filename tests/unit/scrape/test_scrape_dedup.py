"""One article counts once: canonical URLs (rel=canonical, og:url) decide identity after fetching, and
duplicates across feeds and sources are reported, each once (tests/fixtures/sites: the Polite Paper's two
feeds and the Echo Wire, which syndicates one of its articles and links another)."""

from __future__ import annotations

import pytest

from newsdive.health.sources import registry_entry
from newsdive.model.article import url_id
from newsdive.model.messages import RawPageMeta, ScrapeRequest
from newsdive.model.sources import Source
from newsdive.scrape.stage import page_canonical, scrape
from newsdive.storage.memory import MemoryCrawlControl, MemoryObjectStore
from newsdive_tools.local.sample_server import SampleWebServer

from .test_scrape import NEXT_SLOT, NOW, SITES, SLOT, paths_since, site_scraper


@pytest.fixture(scope="module")
def web():
    with SampleWebServer(SITES) as server:
        yield server

PAPER = Source(id="polite-paper", name="The Polite Paper", homepage="http://www.politepaper.example/",
               feeds=["http://www.politepaper.example/feed.xml", "http://www.politepaper.example/feed-town.xml"])
WIRE = Source(id="echo-wire", name="Echo Wire", homepage="http://www.echowire.example/",
              feeds=["http://www.echowire.example/feed.xml"])
BUDGET = "http://www.politepaper.example/news/council-votes-budget"
BRIDGE = "http://www.politepaper.example/news/harbour-bridge-reopens"


def _urls(raw: MemoryObjectStore) -> set[str]:
    return {RawPageMeta.from_s3(dict(o.metadata)).url for o in raw.objects.values()}


def test_canonical_link_wins_over_og_url_and_relative_links_resolve():
    assert page_canonical(b'<html><head><meta property="og:url" content="http://a.test/og">'
                          b'<link rel="canonical" href="/c"></head></html>') == "/c"
    assert page_canonical(b'<html><head><meta property="og:url" content="http://a.test/og"></head></html>') \
        == "http://a.test/og"
    assert page_canonical(b"<html><head><title>none</title></head></html>") is None


def test_one_article_in_two_feeds_and_a_print_copy_is_stored_once(web):
    raw = MemoryObjectStore()
    control = MemoryCrawlControl()
    mark = len(web.requests)
    report = scrape(ScrapeRequest(source=PAPER, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    requested = [p for p, _ in paths_since(web, mark)]
    assert requested.count("/news/council-votes-budget") == 1  # tracking parameters dropped: one URL
    assert requested.count("/print/council-votes-budget") == 1  # fetched, then recognised by its canonical link
    assert _urls(raw) == {BUDGET, BRIDGE, "http://www.politepaper.example/news/cannery-site",
                          "http://www.politepaper.example/news/storm-map"}
    assert sorted((d.url, d.kind) for d in report.duplicates) == [(BUDGET, "cross-feed"), (BUDGET, "relinked")]
    # the print URL is remembered: it is not fetched again
    assert url_id("http://www.politepaper.example/print/council-votes-budget") in control.urls


def test_another_sources_copy_and_link_count_once_and_are_reported_once(web):
    raw = MemoryObjectStore()
    control = MemoryCrawlControl()
    scrape(ScrapeRequest(source=PAPER, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    before = _urls(raw)
    report = scrape(ScrapeRequest(source=WIRE, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert _urls(raw) - before == {"http://www.echowire.example/wire/lighthouse-cottage"}
    found = sorted((d.url, d.kind, d.first_source) for d in report.duplicates)
    assert found == [(BUDGET, "cross-source", "polite-paper"), (BRIDGE, "syndicated", "polite-paper")]
    # the wire's feed changes (its validators are forgotten here): the same duplicates are not reported again
    control.feeds.clear()
    again = scrape(ScrapeRequest(source=WIRE, slot=NEXT_SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert again.duplicates == [] and again.already_seen == 3 and again.stored == []


def test_a_syndicated_copy_never_counts_even_when_met_before_its_original(web):
    """The copy names the original as its canonical: it is not stored (a page cannot be trusted to name another
    site's article as its own identity either, so the original counts only when its outlet stores it)."""
    raw = MemoryObjectStore()
    control = MemoryCrawlControl()
    report = scrape(ScrapeRequest(source=WIRE, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert "http://www.echowire.example/wire/harbour-bridge-reopens" not in _urls(raw)
    assert [(d.url, d.kind, d.first_source) for d in report.duplicates] == [(BRIDGE, "syndicated", "")]
    scrape(ScrapeRequest(source=PAPER, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert BRIDGE in _urls(raw)


def test_a_link_to_another_sources_site_is_left_to_that_source_whoever_comes_first(web):
    raw = MemoryObjectStore()
    control = MemoryCrawlControl()
    control.put_registry([registry_entry(PAPER), registry_entry(WIRE)])  # the schedule keeps this list
    first = scrape(ScrapeRequest(source=WIRE, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert BUDGET not in _urls(raw) and first.foreign == 1
    assert [(d.url, d.first_source) for d in first.duplicates] == [(BRIDGE, "polite-paper")]  # its owner, by site
    scrape(ScrapeRequest(source=PAPER, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    stored = {RawPageMeta.from_s3(dict(o.metadata)).url: RawPageMeta.from_s3(dict(o.metadata)).source_id
              for o in raw.objects.values()}
    assert stored[BUDGET] == "polite-paper"
    control.feeds.clear()  # the wire's feed changes: now the link is a duplicate of the paper's article
    again = scrape(ScrapeRequest(source=WIRE, slot=NEXT_SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert [(d.url, d.kind, d.first_source) for d in again.duplicates] == [(BUDGET, "cross-source", "polite-paper")]
