"""Politeness: robots.txt (RFC 9309, parsed by protego) and a per-host rate limit that holds across scrapers.

Every request the scraper makes goes through `Politeness.get`, which hands the fetch function a gate that runs
before each hop (the first URL and every redirect): the hop's robots.txt must allow it, and the host's next
request slot is reserved in the crawl table (a conditional write), then waited for. Concurrent Lambda
invocations therefore queue behind one another per host instead of each keeping its own pace in memory.

robots.txt is cached per origin in the warm container and in the crawl table, for `ttl` seconds. Status
handling follows RFC 9309 section 2.3.1: a 4xx means no rules (everything allowed); a 5xx, 429, timeout or
unreachable host means everything is disallowed until the next try (a short TTL), unless an older copy of the
file exists, which is then used.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsdive.model.errors import BlockedDestinationError, FetchError, HttpStatusError, Permanent, Transient
from newsdive.scrape.urls import normalise_host

if TYPE_CHECKING:
    from newsdive.scrape.fetch import Fetcher, FetchResponse
    from newsdive.storage.ports import CrawlControl, RobotsRecord

ROBOTS_MAX_BYTES = 512_000  # RFC 9309 2.5: parse at least the first 500 KiB
DEFAULT_TTL = 24 * 3600.0
ERROR_TTL = 15 * 60.0
_MEMORY_ORIGINS = 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TOKEN = re.compile(r"[A-Za-z_-]+")


def _conclusive(status: int) -> bool:
    """A robots.txt answer that says something about the rules: 2xx (the file) or 4xx except 429 (none)."""
    return 200 <= status < 300 or (400 <= status < 500 and status != 429)


class DisallowedByRobotsError(FetchError, Permanent):
    """robots.txt disallows the URL for our user agent: it is never requested."""


class HostBusyError(FetchError, Transient):
    """The host's next request slot is further away than the caller can wait: try at the next schedule."""


def user_agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against: "newsdive/0.1 (+https://...)" -> "newsdive"."""
    match = _TOKEN.match(user_agent.strip())
    return match.group(0).lower() if match else "*"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = normalise_host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{parts.port}"
    return f"{scheme}://{netloc}"


def host_key(url: str) -> str:
    """What the rate limit is kept per: host and non-default port (http and https share it)."""
    parts = urlsplit(url)
    host = normalise_host(parts.hostname or "")
    port = parts.port
    return f"{host}:{port}" if port and port != _DEFAULT_PORTS.get(parts.scheme.lower()) else host


@dataclass(frozen=True)
class RobotsRules:
    """The robots.txt rules of one origin for one user agent token."""

    origin: str
    status: int  # 0: unreachable
    parser: Any = None  # protego.Protego, or None when there are no rules
    disallow_all: bool = False

    @classmethod
    def from_record(cls, record: RobotsRecord) -> RobotsRules:
        status = record.status
        if 200 <= status < 300:
            from protego import Protego

            text = record.body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace")
            return cls(record.origin, status, Protego.parse(text))
        if 400 <= status < 500 and status != 429:
            return cls(record.origin, status)  # "unavailable": no restrictions
        return cls(record.origin, status, disallow_all=True)  # unreachable: assume complete disallow

    def can_fetch(self, url: str, token: str) -> bool:
        if urlsplit(url).path == "/robots.txt":
            return True
        if self.disallow_all:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, token))

    def delay(self, token: str) -> float:
        """Seconds between requests the file asks for: Crawl-delay, or Request-rate as seconds per request."""
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(token) or 0.0
        rate = self.parser.request_rate(token)
        if rate is not None and rate.requests:
            delay = max(delay, rate.seconds / rate.requests)
        return float(delay)

    @property
    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


class Politeness:
    """robots.txt and the per-host rate limit, in front of a Fetcher. Keep one per container."""

    def __init__(self, fetcher: Fetcher, control: CrawlControl, *, min_interval: float = 1.0,
                 max_wait: float = 10.0, robots_ttl: float = DEFAULT_TTL, error_ttl: float = ERROR_TTL,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.fetcher = fetcher
        self.control = control
        self.token = user_agent_token(fetcher.policy.user_agent)
        self.min_interval = min_interval
        self.max_wait = max_wait
        self.robots_ttl = robots_ttl
        self.error_ttl = error_ttl
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0  # seconds spent waiting for host slots (a figure for reports and tests)
        self._memory: OrderedDict[str, tuple[float, RobotsRules]] = OrderedDict()
        self._lock = threading.Lock()

    # --- the fetch entry points ------------------------------------------------------------------------
    def get(self, url: str, *, deadline: float | None = None, **kwargs: Any) -> FetchResponse:
        """fetcher.get with robots.txt and the rate limit applied to every hop; `deadline` (epoch seconds)
        bounds the waiting: a host slot beyond it raises HostBusyError instead of sleeping past it."""
        return self.fetcher.get(url, gate=partial(self.gate, deadline=deadline), **kwargs)

    def get_with_retries(self, url: str, *, deadline: float | None = None, **kwargs: Any) -> FetchResponse:
        from newsdive.scrape.fetch import get_with_retries

        remaining = (deadline - self.clock()) if deadline is not None else 60.0
        return get_with_retries(self.fetcher, url, gate=partial(self.gate, deadline=deadline),
                                max_retry_after=max(0.0, min(30.0, remaining)), max_delay=8.0,
                                sleep=self._sleep_within(deadline), **kwargs)

    def gate(self, url: str, *, deadline: float | None = None) -> None:
        """Before a request to `url`: refuse it when robots.txt disallows it, else wait for the host's turn."""
        rules = self.rules_for(url, deadline=deadline)
        if not rules.can_fetch(url, self.token):
            raise DisallowedByRobotsError(f"{url}: disallowed by {rules.origin}/robots.txt for {self.token!r}")
        self.throttle(url, rules.delay(self.token), deadline=deadline)

    # --- rate limit --------------------------------------------------------------------------------------
    def interval_for(self, crawl_delay: float) -> float:
        return max(self.min_interval, crawl_delay)

    def throttle(self, url: str, crawl_delay: float = 0.0, *, deadline: float | None = None) -> None:
        interval = self.interval_for(crawl_delay)
        if interval <= 0:
            return
        now = self.clock()
        max_wait = self.max_wait if deadline is None else max(0.0, min(self.max_wait, deadline - now))
        host = host_key(url)
        slot = self.control.reserve_host(host, interval=interval, now=now, max_wait=max_wait)
        if slot is None:
            raise HostBusyError(f"{host}: next request slot is more than {max_wait:.1f}s away")
        wait = slot - self.clock()
        if wait > 0:
            self.waited += wait
            self.sleep(wait)

    def _sleep_within(self, deadline: float | None) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            if deadline is not None and self.clock() + seconds > deadline:
                raise HostBusyError(f"no time left to wait {seconds:.1f}s before a retry")
            self.sleep(seconds)

        return sleep

    # --- robots.txt --------------------------------------------------------------------------------------
    def rules_for(self, url: str, *, deadline: float | None = None) -> RobotsRules:
        origin = origin_of(url)
        now = self.clock()
        with self._lock:
            cached = self._memory.get(origin)
            if cached is not None and cached[0] > now:
                self._memory.move_to_end(origin)
                return cached[1]
        stored = self.control.get_robots(origin)
        if stored is not None and stored.expires_at > now:
            rules = RobotsRules.from_record(stored)
            self._remember(origin, stored.expires_at, rules)
            return rules
        record = self._fetch_robots(origin, stored, deadline=deadline)
        rules = RobotsRules.from_record(record)
        self._remember(origin, record.expires_at, rules)
        return rules

    def _remember(self, origin: str, expires_at: float, rules: RobotsRules) -> None:
        with self._lock:
            self._memory[origin] = (expires_at, rules)
            self._memory.move_to_end(origin)
            while len(self._memory) > _MEMORY_ORIGINS:
                self._memory.popitem(last=False)

    def _fetch_robots(self, origin: str, previous: RobotsRecord | None, *, deadline: float | None) -> RobotsRecord:
        from newsdive.model.errors import FetchTimeoutError
        from newsdive.storage.ports import RobotsRecord

        url = f"{origin}/robots.txt"
        now = self.clock()
        status, body, ttl = 0, b"", self.error_ttl
        try:
            response = self.fetcher.get(url, accept="any",
                                        gate=lambda hop: self.throttle(hop, deadline=deadline))
            status, body, ttl = response.status, response.body[:ROBOTS_MAX_BYTES], self.robots_ttl
        except BlockedDestinationError:
            raise  # the SSRF guard refuses the host: its pages would be refused too
        except HostBusyError:
            raise
        except HttpStatusError as exc:
            status = exc.status
            if _conclusive(status):
                ttl = self.robots_ttl
        except (FetchTimeoutError, FetchError):
            status = 0
        if not _conclusive(status) and previous is not None and _conclusive(previous.status):
            # unreachable now, but an earlier copy exists: keep using it until the next try
            record = RobotsRecord(origin, previous.status, previous.body, previous.fetched_at, now + ttl)
        else:
            record = RobotsRecord(origin, status, body, now, now + ttl)
        self.control.put_robots(record)
        return record
