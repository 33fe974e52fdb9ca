"""The scrape stage against local servers: robots.txt, the per-host rate limit, conditional GETs, retries.

The sites are tests/fixtures/sites (served by newsdive_tools.local.sample_server, which logs every request and answers
conditional GETs) or small scripted servers built here for the behaviours a static site cannot show (429 with
Retry-After, a robots.txt that answers 503, a redirect into a disallowed path). Nothing leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsdive.model.messages import RawPageMeta, ScrapeRequest
from newsdive.model.sources import Source
from newsdive.scrape.fetch import Fetcher, FetchPolicy
from newsdive.scrape.robots import Politeness
from newsdive.scrape.stage import PermanentScrapeError, ScrapeFailedError, Scraper, scrape
from newsdive.storage.memory import MemoryCrawlControl, MemoryObjectStore
from newsdive_tools.local.sample_server import SampleWebServer

SITES = Path(__file__).resolve().parents[2] / "fixtures" / "sites"
NOW = datetime(2026, 11, 21, 6, 0, 5, tzinfo=UTC)
SLOT = "2026-11-21T06:00:00+00:00"
NEXT_SLOT = "2026-11-21T06:15:00+00:00"

POLITE = Source(id="polite-paper", name="The Polite Paper", homepage="http://www.politepaper.example/",
                bias="center", feeds=["http://www.politepaper.example/feed.xml"])


# --- servers and helpers (also used by the other test_scrape_* modules) --------------------------------------


@pytest.fixture(scope="module")
def web() -> Iterator[SampleWebServer]:
    with SampleWebServer(SITES) as server:
        yield server


class FakeClock:
    """Wall clock for Politeness: sleeping advances it, so waits are measured without waiting."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def make_scraper(address: str, host_map: str, *, control: MemoryCrawlControl | None = None,
                 raw: MemoryObjectStore | None = None, clock: FakeClock | None = None, **options) -> Scraper:
    fetcher = Fetcher(FetchPolicy(allow_hosts=frozenset({address}), host_map=host_map))
    clock = clock or FakeClock()
    options.setdefault("host_interval", 0.0)
    return Scraper(fetcher=fetcher, raw=raw or MemoryObjectStore(), crawl=control or MemoryCrawlControl(),
                   clock=clock, sleep=clock.sleep, **options)


def site_scraper(web: SampleWebServer, **options) -> Scraper:
    return make_scraper(web.address, web.host_map(), **options)


def paths_since(web: SampleWebServer, mark: int, host: str | None = None) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in web.requests[mark:] if host is None or r.host == host]


Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class ScriptedWeb:
    """A server whose answers are functions of the request, per path; records (path, headers) of each request."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.log: list[tuple[str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.log.append((self.path, dict(self.headers.items())))
                route = outer.routes.get(self.path)
                status, headers, body = route(self) if route else (404, {}, b"not found")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def host_map(self, *hosts: str) -> str:
        return ",".join(f"{h}={self.address}" for h in hosts)

    def paths(self) -> list[str]:
        return [p for p, _ in self.log]

    def __enter__(self) -> ScriptedWeb:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def static(status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", **headers: str) -> Route:
    return lambda _request: (status, {"Content-Type": ctype, **{k.replace("_", "-"): v for k, v in headers.items()}},
                             body)


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><pubDate>Fri, 20 Nov 2026 08:00:00 +0000</pubDate></item>"
PAGE = ("<!doctype html><html lang='en'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        + "<p>{title} was reported by the local paper on Friday, with details about the people involved, what "
          "happened in the morning and what the council intends to do next week about the situation.</p>" * 3
        + "</article></body></html>")


def rss(*links: str) -> bytes:
    return RSS.format(items="".join(ITEM.format(title=f"Story {i}", link=link)
                                    for i, link in enumerate(links))).encode()


def page(title: str) -> bytes:
    return PAGE.format(title=title).encode()


# --- robots.txt ----------------------------------------------------------------------------------------------


def test_paths_robots_txt_disallows_are_never_requested(web):
    scraper = site_scraper(web)
    mark = len(web.requests)
    report = scrape(ScrapeRequest(source=POLITE, slot=SLOT), scraper, now=NOW)
    requested = [p for p, _ in paths_since(web, mark)]
    assert sorted(report.disallowed) == ["http://www.politepaper.example/members/ferry-tender",
                                         "http://www.politepaper.example/private/staff-memo"]
    assert not any(p.startswith(("/private/", "/members/")) for p in requested)
    assert requested.count("/robots.txt") == 1 and requested[0] == "/robots.txt"
    assert len(report.stored) == 4  # bridge, budget, cannery, storm map
    # the disallowed items are remembered, so the next changed feed does not even ask robots.txt about them
    assert len(scraper.crawl.urls) == 6


def test_a_redirect_into_a_disallowed_path_is_refused_before_the_request():
    routes = {
        "/robots.txt": static(200, b"User-agent: *\nDisallow: /secret\n", "text/plain"),
        "/feed.xml": static(200, rss("http://news.test/go"), "application/rss+xml"),
        "/go": static(302, Location="/secret/page"),
        "/secret/page": static(200, page("Secret")),
    }
    with ScriptedWeb(routes) as server:
        scraper = make_scraper(server.address, server.host_map("news.test"))
        source = Source(id="t", name="T", homepage="http://news.test/", feeds=["http://news.test/feed.xml"])
        report = scrape(ScrapeRequest(source=source, slot=SLOT), scraper, now=NOW)
    assert report.disallowed == ["http://news.test/go"] and report.stored == []
    assert "/secret/page" not in server.paths() and "/go" in server.paths()


def test_unreachable_robots_txt_means_nothing_is_fetched_but_a_404_means_everything_is():
    def feed_routes(robots: Route) -> dict[str, Route]:
        return {"/robots.txt": robots, "/feed.xml": static(200, rss("http://news.test/a"), "application/rss+xml"),
                "/a": static(200, page("A"))}

    source = Source(id="t", name="T", homepage="http://news.test/", feeds=["http://news.test/feed.xml"])
    with ScriptedWeb(feed_routes(static(503, b"busy"))) as server:
        scraper = make_scraper(server.address, server.host_map("news.test"))
        with pytest.raises(PermanentScrapeError, match="disallowed by"):
            scrape(ScrapeRequest(source=source, slot=SLOT), scraper, now=NOW)
        assert server.paths() == ["/robots.txt"]
    with ScriptedWeb(feed_routes(static(404, b"none"))) as server:
        scraper = make_scraper(server.address, server.host_map("news.test"))
        report = scrape(ScrapeRequest(source=source, slot=SLOT), scraper, now=NOW)
        assert server.paths() == ["/robots.txt", "/feed.xml", "/a"] and len(report.stored) == 1


def test_robots_txt_is_cached_per_host_across_scrapers_until_its_ttl(web):
    control = MemoryCrawlControl()
    clock = FakeClock()
    first = site_scraper(web, control=control, clock=clock)
    scrape(ScrapeRequest(source=POLITE, slot=SLOT), first, now=NOW)
    # another container (a new Scraper, empty warm cache) sharing the crawl table: no second robots.txt request
    mark = len(web.requests)
    second = site_scraper(web, control=control, clock=clock)
    second.politeness.rules_for("http://www.politepaper.example/news/x")
    assert paths_since(web, mark) == []
    clock.now += 24 * 3600 + 1
    second.politeness.rules_for("http://www.politepaper.example/news/x")
    assert paths_since(web, mark) == [("/robots.txt", 200)]


# --- the rate limit --------------------------------------------------------------------------------------------


def test_requests_to_one_host_are_spaced_by_the_interval(web):
    clock = FakeClock()
    scraper = site_scraper(web, clock=clock, host_interval=2.0)
    mark = len(web.requests)
    scrape(ScrapeRequest(source=POLITE, slot=SLOT), scraper, now=NOW)
    sent = len(paths_since(web, mark))
    assert sent == 6  # robots.txt, the feed, four pages
    # every request after the first waited for its slot: 2 s apart on the shared clock
    assert clock.sleeps == [2.0] * (sent - 1)
    assert scraper.crawl.hosts["www.politepaper.example"] == pytest.approx(1_800_000_000.0 + 2.0 * sent)


def test_crawl_delay_from_robots_txt_widens_the_interval():
    routes = {
        "/robots.txt": static(200, b"User-agent: *\nCrawl-delay: 5\n", "text/plain"),
        "/feed.xml": static(200, rss("http://news.test/a", "http://news.test/b"), "application/rss+xml"),
        "/a": static(200, page("A")),
        "/b": static(200, page("B")),
    }
    with ScriptedWeb(routes) as server:
        clock = FakeClock()
        scraper = make_scraper(server.address, server.host_map("news.test"), clock=clock, host_interval=1.0)
        source = Source(id="t", name="T", homepage="http://news.test/", feeds=["http://news.test/feed.xml"])
        scrape(ScrapeRequest(source=source, slot=SLOT), scraper, now=NOW)
    # robots.txt itself goes at the configured interval; once read, its Crawl-delay of 5 s applies
    assert clock.sleeps == [1.0, 5.0, 5.0]


def test_pages_whose_turn_is_too_far_away_are_left_for_the_next_schedule(web):
    control = MemoryCrawlControl()
    clock = FakeClock()
    control.hosts["www.politepaper.example"] = clock.now + 60  # another scraper holds the host for a minute
    scraper = site_scraper(web, control=control, clock=clock, host_interval=1.0, max_wait=5.0)
    mark = len(web.requests)
    with pytest.raises(ScrapeFailedError, match="HostBusyError"):
        scrape(ScrapeRequest(source=POLITE, slot=SLOT), scraper, now=NOW)
    assert paths_since(web, mark) == [] and clock.sleeps == []
    # nothing was marked seen: the items come back at the next schedule
    assert control.urls == {}


def test_the_deadline_leaves_the_remaining_pages_unseen_and_keeps_the_feed_validators(web):
    control = MemoryCrawlControl()
    clock = FakeClock()
    scraper = site_scraper(web, control=control, clock=clock, host_interval=4.0)
    report = scrape(ScrapeRequest(source=POLITE, slot=SLOT), scraper, now=NOW, deadline=clock.now + 12.0)
    # robots.txt at 0 s, the feed at 4 s, /members/ refused without a request, two pages at 8 s and 12 s; then
    # less than the 3 s margin is left for the other three
    assert len(report.stored) == 2 and len(report.disallowed) == 1 and report.deferred == 3
    assert clock.sleeps == [4.0, 4.0, 4.0]
    state = control.feeds["http://www.politepaper.example/feed.xml"]
    assert state.etag is None and state.next_check_at == NEXT_SLOT  # refetched in full next time
    assert control.sources["polite-paper"].next_check_at == NEXT_SLOT


# --- incremental -------------------------------------------------------------------------------------------------


def test_an_unchanged_feed_costs_one_conditional_request_and_no_work(web):
    control = MemoryCrawlControl()
    raw = MemoryObjectStore()
    scraper = site_scraper(web, control=control, raw=raw)
    scrape(ScrapeRequest(source=POLITE, slot=SLOT), scraper, now=NOW)
    puts = raw.ops["put"]
    mark = len(web.requests)
    report = scrape(ScrapeRequest(source=POLITE, slot=NEXT_SLOT), scraper, now=NOW)
    assert paths_since(web, mark) == [("/feed.xml", 304)]
    assert web.requests[-1].headers["If-None-Match"].startswith('"')
    assert report.not_modified == 1 and report.items == 0 and report.stored == [] and raw.ops["put"] == puts


def test_a_feed_without_validators_and_the_same_bytes_is_not_processed_again():
    body = rss("http://news.test/a")
    routes = {"/feed.xml": static(200, body, "application/rss+xml"), "/a": static(200, page("A"))}
    with ScriptedWeb(routes) as server:
        control = MemoryCrawlControl()
        scraper = make_scraper(server.address, server.host_map("news.test"), control=control)
        source = Source(id="t", name="T", homepage="http://news.test/", feeds=["http://news.test/feed.xml"])
        scrape(ScrapeRequest(source=source, slot=SLOT), scraper, now=NOW)
        seen_lookups = len(control.urls)
        report = scrape(ScrapeRequest(source=source, slot=NEXT_SLOT), scraper, now=NOW)
    assert server.paths()[-1] == "/feed.xml" and "If-None-Match" not in server.log[-1][1]
    assert report.not_modified == 1 and report.items == 0 and len(control.urls) == seen_lookups


def test_429_and_503_are_retried_with_jitter_and_retry_after_honoured():
    answers = iter([(429, {"Retry-After": "7"}, b"slow down"), (503, {}, b"busy")])

    def flaky(_request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return next(answers, (200, {"Content-Type": "application/rss+xml"}, rss()))

    with ScriptedWeb({"/feed.xml": flaky}) as server:
        clock = FakeClock()
        scraper = make_scraper(server.address, server.host_map("news.test"), clock=clock)
        source = Source(id="t", name="T", homepage="http://news.test/", feeds=["http://news.test/feed.xml"])
        report = scrape(ScrapeRequest(source=source, slot=SLOT), scraper, now=NOW)
    assert server.paths() == ["/robots.txt", "/feed.xml", "/feed.xml", "/feed.xml"] and report.feeds == 1
    first, second = clock.sleeps
    assert first == 7.0  # Retry-After wins over the smaller jittered delay
    assert 0.0 <= second <= 2.0  # full jitter: random() * base * 2**1


def test_the_user_agent_names_the_contact_url(web):
    scraper = site_scraper(web)
    mark = len(web.requests)
    scraper.politeness.get("http://www.politepaper.example/news/harbour-bridge-reopens", accept="html")
    agents = {r.headers["User-Agent"] for r in web.requests[mark:]}
    assert agents == {"newsdive/0.1 (+https://github.com/newsdive/newsdive)"}
    assert scraper.politeness.token == "newsdive"


def test_stored_pages_carry_the_feed_descriptions_length_for_the_quality_check(web):
    raw = MemoryObjectStore()
    scrape(ScrapeRequest(source=POLITE, slot=SLOT), site_scraper(web, raw=raw), now=NOW)
    metas = {RawPageMeta.from_s3(dict(o.metadata)).url: RawPageMeta.from_s3(dict(o.metadata))
             for o in raw.objects.values()}
    assert metas["http://www.politepaper.example/news/cannery-site"].feed_words > 60
    assert metas["http://www.politepaper.example/news/harbour-bridge-reopens"].feed_words == 15


def test_politeness_is_one_object_per_scraper_and_shares_the_fetcher(web):
    scraper = site_scraper(web)
    assert isinstance(scraper.politeness, Politeness) and scraper.politeness.fetcher is scraper.fetcher
