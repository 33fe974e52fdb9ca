"""Sites, not hosts (issue 16): one registered domain is one site for canonical and syndication checks, and a URL
belongs to the outlet whose homepage is its most specific prefix, path included (tests/fixtures/sites-one-site)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdive.health.sources import registry_entry
from newsdive.model.messages import RawPageMeta, ScrapeRequest
from newsdive.model.sources import Source
from newsdive.parse.stage import canonical_identity
from newsdive.scrape.stage import scrape
from newsdive.scrape.urls import owner_of, registered_domain, same_site
from newsdive.storage.memory import MemoryCrawlControl, MemoryObjectStore
from newsdive.storage.ports import RegistryEntry
from newsdive_tools.local.sample_server import SampleWebServer

from ...scrape.test_scrape import NOW, SLOT, site_scraper

SITES = Path(__file__).resolve().parents[3] / "fixtures" / "sites-one-site"
KESTREL = Source(id="kestrel-post", name="Kestrel Post", homepage="http://www.kestrelpost.com.na/",
                 feeds=["http://www.kestrelpost.com.na/feed.xml"])
HERALD = Source(id="cape-herald", name="Cape Herald", homepage="http://www.capeherald.co.za/",
                feeds=["http://www.capeherald.co.za/feed.xml"])
WIRE = Source(id="newshub-wire", name="Newshub Wire", homepage="http://www.newshub.example/wire/",
              feeds=["http://www.newshub.example/wire/feed.xml"])
OBSERVER = Source(id="newshub-observer", name="The Observer", homepage="http://www.newshub.example/observer/",
                  feeds=["http://www.newshub.example/observer/feed.xml"])
BUSES = "http://www.newshub.example/observer/missing-school-buses"


@pytest.fixture(scope="module")
def web():
    with SampleWebServer(SITES) as server:
        yield server


def _stored(raw: MemoryObjectStore) -> dict[str, str]:
    metas = [RawPageMeta.from_s3(dict(o.metadata)) for o in raw.objects.values()]
    return {m.url: m.source_id for m in metas}


@pytest.mark.parametrize(("host", "site"), [
    ("www.namibian.com.na", "namibian.com.na"), ("ww2.namibian.com.na", "namibian.com.na"),
    ("sundaytimes.timeslive.co.za", "timeslive.co.za"), ("www.timeslive.co.za", "timeslive.co.za"),
    ("news.bbc.co.uk", "bbc.co.uk"), ("alice.github.io", "alice.github.io"),  # a private suffix: its own site
    ("www.politepaper.example", "politepaper.example"), ("localhost", "localhost"), ("127.0.0.1", "127.0.0.1"),
])
def test_a_site_is_a_registered_domain_of_the_public_suffix_list(host, site):
    assert registered_domain(host) == site


def test_hosts_of_one_registered_domain_are_one_site():
    assert same_site("www.namibian.com.na", "ww2.namibian.com.na")
    assert same_site("sundaytimes.timeslive.co.za", "www.timeslive.co.za")
    assert not same_site("alice.github.io", "bob.github.io")
    assert not same_site("namibian.com.na", "other.com.na")  # two registrations under one public suffix
    assert not same_site(None, "www.timeslive.co.za")


def test_parse_trusts_a_canonical_on_a_sibling_host_and_nothing_beyond_the_site():
    item = "http://www.namibian.com.na/news/1"
    assert canonical_identity(item, "http://ww2.namibian.com.na/news/1") == "http://ww2.namibian.com.na/news/1"
    assert canonical_identity(item, "http://www.other.com.na/news/1") == item


def test_the_most_specific_homepage_owns_a_url_path_included():
    homepages = {"wire": "https://host.example/wire/", "observer": "https://host.example/observer",
                 "portal": "https://www.host.example/", "sunday": "https://sunday.herald.co.za/",
                 "herald": "https://www.herald.co.za/"}
    assert owner_of("https://host.example/observer/2026/x", homepages) == "observer"
    assert owner_of("https://host.example/observer", homepages) == "observer"
    assert owner_of("https://host.example/observers-club/x", homepages) == "portal"  # a prefix of segments
    assert owner_of("http://www.host.example/wire/a?b=1", homepages) == "wire"
    assert owner_of("https://sunday.herald.co.za/a", homepages) == "sunday"  # the same host before the site
    assert owner_of("https://ww2.herald.co.za/a", homepages) == "herald"  # a sibling host: the site's outlet
    assert owner_of("https://elsewhere.example/a", homepages) is None


def test_a_page_whose_canonical_is_on_a_sibling_host_is_stored_under_it(web):
    raw, control = MemoryObjectStore(), MemoryCrawlControl()
    for source in (KESTREL, HERALD):
        report = scrape(ScrapeRequest(source=source, slot=SLOT), site_scraper(web, raw=raw, control=control),
                        now=NOW)
        assert len(report.stored) == 1 and report.duplicates == [], source.id
    stored = {RawPageMeta.from_s3(dict(o.metadata)).url: RawPageMeta.from_s3(dict(o.metadata)).source_id
              for o in raw.objects.values()}
    assert stored == {"http://www.kestrelpost.com.na/news/dam-fills": "kestrel-post",
                      "http://www.capeherald.co.za/news/pilots-strike-ends": "cape-herald"}


def test_an_outlets_article_on_a_shared_host_belongs_to_it_whichever_feed_carries_it(web):
    raw, control = MemoryObjectStore(), MemoryCrawlControl()
    control.put_registry([registry_entry(WIRE), registry_entry(OBSERVER)])  # the schedule keeps this list
    wire = scrape(ScrapeRequest(source=WIRE, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert wire.foreign == 1 and BUSES not in _stored(raw)  # the partner's story is left to its outlet
    scrape(ScrapeRequest(source=OBSERVER, slot=SLOT), site_scraper(web, raw=raw, control=control), now=NOW)
    assert _stored(raw) == {"http://www.newshub.example/wire/ferry-winter-timetable": "newshub-wire",
                            BUSES: "newshub-observer"}


def test_registry_entries_written_before_homepages_were_kept_still_name_their_host():
    raw, control = MemoryObjectStore(), MemoryCrawlControl()
    control.put_registry([RegistryEntry("old-entry", "Old", None, ("www.newshub.example",))])
    from newsdive.scrape.stage import Scraper

    scraper = Scraper(fetcher=None, raw=raw, crawl=control, politeness=object())  # type: ignore[arg-type]
    assert scraper.owner_of(BUSES, "newshub-wire") == "old-entry"
    assert scraper.owner_of(BUSES, "newshub-wire", homepage="http://www.newshub.example/observer/") is None


def test_outlets_sharing_a_homepage_each_keep_what_their_feeds_bring():
    homepages = {"paper": "http://www.politepaper.example/", "paper-town": "http://www.politepaper.example/"}
    assert owner_of("http://www.politepaper.example/news/a", homepages) == "paper"
    assert owner_of("http://www.politepaper.example/news/a", homepages, prefer="paper-town") == "paper-town"
