"""Incremental scraping: feeds that keep bringing nothing new are checked less and less often, and the schedule
consults that per-source state before sending a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsdive.model.messages import ScrapeRequest
from newsdive.model.sources import Source
from newsdive.scrape.schedule import due_requests
from newsdive.scrape.stage import backoff_minutes, scrape
from newsdive.storage.memory import MemoryCrawlControl

from .test_scrape import ScriptedWeb, make_scraper, page, rss

SOURCE = Source(id="quiet-weekly", name="The Quiet Weekly", homepage="http://quiet.test/",
                feeds=["http://quiet.test/feed.xml"], interval_minutes=15)
START = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


class Feed:
    """A feed with an ETag that changes only when an item is added."""

    def __init__(self) -> None:
        self.links = ["http://quiet.test/a"]

    def __call__(self, request):  # noqa: ANN001, ANN204
        etag = f'"v{len(self.links)}"'
        if request.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": etag}, rss(*self.links)


def test_backoff_doubles_after_two_quiet_checks_and_stops_at_the_cap():
    assert [backoff_minutes(15, n, 360) for n in range(9)] == [15, 15, 15, 30, 60, 120, 240, 360, 360]
    assert backoff_minutes(600, 5, 360) == 600  # never more often than the source's own interval


def test_a_quiet_feed_is_checked_less_often_and_the_schedule_skips_it_until_then():
    feed = Feed()
    routes = {"/feed.xml": feed, "/a": lambda _r: (200, {"Content-Type": "text/html"}, page("A")),
              "/b": lambda _r: (200, {"Content-Type": "text/html"}, page("B"))}
    control = MemoryCrawlControl()
    with ScriptedWeb(routes) as server:
        scraper = make_scraper(server.address, server.host_map("quiet.test"), control=control)
        gaps = []
        tick = START
        ticks_sent = 0
        for _ in range(60 * 24 // 15):  # one day of 15-minute ticks
            requests = due_requests([SOURCE], now=tick, crawl=control)
            if requests:
                ticks_sent += 1
                scrape(requests[0], scraper, now=tick)
                gaps.append(datetime.fromisoformat(control.sources[SOURCE.id].next_check_at) - tick)
            tick += timedelta(minutes=15)
        feed_requests = server.paths().count("/feed.xml")
    # first check finds the item; then 304s: 15, 15, 30, 60, 120, 240 minutes, then every 6 hours
    assert [int(g.total_seconds() // 60) for g in gaps[:8]] == [15, 15, 15, 30, 60, 120, 240, 360]
    assert ticks_sent == feed_requests == len(gaps) < 15  # instead of 96 checks a day


def test_a_new_item_resets_the_backoff():
    feed = Feed()
    routes = {"/feed.xml": feed, "/a": lambda _r: (200, {"Content-Type": "text/html"}, page("A")),
              "/b": lambda _r: (200, {"Content-Type": "text/html"}, page("B"))}
    control = MemoryCrawlControl()
    with ScriptedWeb(routes) as server:
        scraper = make_scraper(server.address, server.host_map("quiet.test"), control=control)
        slot = START
        for _ in range(5):
            scrape(ScrapeRequest(source=SOURCE, slot=slot.isoformat()), scraper, now=slot)
            slot = datetime.fromisoformat(control.sources[SOURCE.id].next_check_at)
        assert control.feeds["http://quiet.test/feed.xml"].unchanged == 4
        feed.links.append("http://quiet.test/b")
        report = scrape(ScrapeRequest(source=SOURCE, slot=slot.isoformat()), scraper, now=slot)
    assert len(report.stored) == 1
    state = control.feeds["http://quiet.test/feed.xml"]
    assert state.unchanged == 0 and state.next_check_at == (slot + timedelta(minutes=15)).isoformat()


def test_a_changed_feed_that_brings_no_new_item_still_counts_as_quiet():
    bodies = iter([rss("http://quiet.test/a"), rss("http://quiet.test/a"), rss("http://quiet.test/a")])
    stamp = iter(["<!-- 1 -->", "<!-- 2 -->", "<!-- 3 -->"])

    def feed(_request):  # noqa: ANN001, ANN202 - a feed whose bytes change (a build date) but whose items do not
        return 200, {"Content-Type": "application/rss+xml"}, next(bodies) + next(stamp).encode()

    routes = {"/feed.xml": feed, "/a": lambda _r: (200, {"Content-Type": "text/html"}, page("A"))}
    control = MemoryCrawlControl()
    with ScriptedWeb(routes) as server:
        scraper = make_scraper(server.address, server.host_map("quiet.test"), control=control)
        slot = START
        for _ in range(3):
            report = scrape(ScrapeRequest(source=SOURCE, slot=slot.isoformat()), scraper, now=slot)
            slot = datetime.fromisoformat(control.sources[SOURCE.id].next_check_at)
    assert report.not_modified == 0 and report.already_seen == 1
    assert control.feeds["http://quiet.test/feed.xml"].unchanged == 2


def test_sources_without_feeds_but_with_sitemaps_or_discovery_are_scheduled():
    control = MemoryCrawlControl()
    sources = [
        Source(id="feeds", name="F", homepage="http://f.test/", feeds=["http://f.test/rss"]),
        Source(id="maps", name="M", homepage="http://m.test/", sitemaps=["http://m.test/news-sitemap.xml"]),
        Source(id="finds", name="D", homepage="http://d.test/", discover=True),
        Source(id="nothing", name="N", homepage="http://n.test/"),
    ]
    assert [r.source.id for r in due_requests(sources, now=START, crawl=control)] == ["feeds", "finds", "maps"]
