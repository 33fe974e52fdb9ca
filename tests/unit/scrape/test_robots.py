"""robots.txt rules (RFC 9309 via protego) and the per-host reservation, without the network where possible."""

from __future__ import annotations

import pytest

from newsdive.model.errors import BlockedDestinationError
from newsdive.scrape.fetch import Fetcher, FetchPolicy
from newsdive.scrape.robots import HostBusyError, Politeness, RobotsRules, host_key, origin_of, user_agent_token
from newsdive.storage.memory import MemoryCrawlControl
from newsdive.storage.ports import RobotsRecord

from .test_scrape import FakeClock, ScriptedWeb, static

ROBOTS = b"""# groups: ours is more specific than *
User-agent: *
Disallow: /private/
Crawl-delay: 3

User-agent: newsdive
Disallow: /drafts/
Allow: /drafts/published/
Request-rate: 1/4s
"""


def rules(status: int, body: bytes = b"") -> RobotsRules:
    return RobotsRules.from_record(RobotsRecord("http://a.test", status, body, 0.0, 1.0))


@pytest.mark.parametrize(("agent", "token"), [
    ("newsdive/0.1 (+https://github.com/newsdive/newsdive)", "newsdive"),
    ("Newsdive-Bot/2", "newsdive-bot"),
    ("", "*"),
])
def test_the_robots_token_is_the_user_agents_product_name(agent, token):
    assert user_agent_token(agent) == token


def test_rules_are_kept_per_origin_and_the_rate_per_host():
    assert origin_of("HTTPS://News.Example:443/a?b") == "https://news.example"
    assert origin_of("http://news.example:8080/a") == "http://news.example:8080"
    assert host_key("https://news.example/a") == host_key("http://news.example/b") == "news.example"
    assert host_key("http://news.example:8080/") == "news.example:8080"


def test_our_group_applies_instead_of_the_generic_one():
    robots = rules(200, ROBOTS)
    assert robots.can_fetch("http://a.test/private/x", "newsdive")  # only * disallows it
    assert not robots.can_fetch("http://a.test/drafts/x", "newsdive")
    assert robots.can_fetch("http://a.test/drafts/published/x", "newsdive")
    assert not robots.can_fetch("http://a.test/private/x", "otherbot")
    assert robots.delay("newsdive") == 4.0  # Request-rate 1/4s
    assert robots.delay("otherbot") == 3.0  # Crawl-delay of *


@pytest.mark.parametrize(("status", "allowed"), [
    (200, True), (401, True), (403, True), (404, True), (410, True),  # 4xx: "unavailable", no rules
    (429, False), (500, False), (503, False), (0, False),  # unreachable: complete disallow
])
def test_status_of_robots_txt_decides_when_there_are_no_rules(status, allowed):
    robots = rules(status)
    assert robots.can_fetch("http://a.test/news/x", "newsdive") is allowed
    assert robots.can_fetch("http://a.test/robots.txt", "newsdive")


def test_an_earlier_copy_is_used_while_robots_txt_is_unreachable():
    with ScriptedWeb({"/robots.txt": static(503, b"down")}) as server:
        control = MemoryCrawlControl()
        clock = FakeClock()
        control.put_robots(RobotsRecord("http://a.test", 200, b"User-agent: *\nDisallow: /x/\n", clock.now - 90_000,
                                        clock.now - 3600))  # expired an hour ago
        fetcher = Fetcher(FetchPolicy(allow_hosts=frozenset({server.address}), host_map=server.host_map("a.test")))
        polite = Politeness(fetcher, control, min_interval=0, clock=clock, sleep=clock.sleep)
        robots = polite.rules_for("http://a.test/news/1")
    assert server.paths() == ["/robots.txt"]
    assert robots.can_fetch("http://a.test/news/1", "newsdive") and not robots.can_fetch("http://a.test/x/1", "x")
    assert control.robots["http://a.test"].expires_at == clock.now + 15 * 60  # tried again in 15 minutes


def test_a_host_the_ssrf_guard_refuses_is_refused_before_robots_txt():
    control = MemoryCrawlControl()
    polite = Politeness(Fetcher(FetchPolicy()), control, min_interval=0)
    with pytest.raises(BlockedDestinationError):
        polite.get("http://127.0.0.1:9/feed.xml")
    assert control.robots == {}


def test_host_slots_queue_one_after_another_and_refuse_beyond_the_wait():
    control = MemoryCrawlControl()
    assert [control.reserve_host("h", interval=2, now=100.0, max_wait=10) for _ in range(3)] == [100, 102, 104]
    assert control.reserve_host("h", interval=2, now=101.0, max_wait=4) is None  # next slot 106 > 105
    assert control.reserve_host("h", interval=2, now=200.0, max_wait=0) == 200  # idle again
    assert control.reserve_host("other", interval=2, now=101.0, max_wait=0) == 101


def test_throttle_respects_the_deadline():
    control = MemoryCrawlControl()
    clock = FakeClock()
    polite = Politeness(Fetcher(FetchPolicy()), control, min_interval=5, max_wait=30, clock=clock, sleep=clock.sleep)
    polite.throttle("http://a.test/1")
    polite.throttle("http://a.test/2", deadline=clock.now + 10)
    with pytest.raises(HostBusyError):
        polite.throttle("http://a.test/3", deadline=clock.now + 4)
    assert clock.sleeps == [5.0] and polite.waited == 5.0
