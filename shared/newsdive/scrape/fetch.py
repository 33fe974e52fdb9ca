"""The one fetch function all of newsdive's HTTP goes through: timeouts, size cap, content-type check and an
SSRF guard.

Feed and article URLs come from third parties, so every hop (the first URL and each redirect) is vetted: the
host is resolved once, every address must be public (or explicitly allow-listed), and the connection goes to
that vetted address with the original Host header and TLS server name, so a second DNS answer (rebinding)
cannot steer the request inside the network. Redirects are followed here, never by urllib3, for that reason.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urljoin, urlsplit

from newsdive.model.errors import (
    BlockedDestinationError,
    ConfigurationError,
    FetchError,
    FetchTimeoutError,
    HttpStatusError,
    NameResolutionError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    UnexpectedContentTypeError,
)
from newsdive.scrape.urls import normalise_host

if TYPE_CHECKING:
    import urllib3

Accept = Literal["html", "feed", "any"]
Resolver = Callable[[str, int], list[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_REDIRECT_BODY_LIMIT = 64 * 1024
# Headers that must not follow a redirect to another host.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})

_ACCEPT_HEADERS = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.9,"
            "text/xml;q=0.9,*/*;q=0.5",
    "any": "*/*",
}
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml"})
_FEED_TYPES = frozenset({"text/xml", "application/xml", "application/rss+xml", "application/atom+xml",
                         "application/rdf+xml", "application/x-rss+xml", "application/x-atom+xml",
                         "text/rss+xml", "text/atom+xml", "application/rss", "text/rss"})
# Types servers put on any document by mistake (and gzip for sitemap.xml.gz): the first bytes decide.
_SNIFF_TYPES = frozenset({"", "text/plain", "application/octet-stream", "binary/octet-stream",
                          "application/gzip", "application/x-gzip", "application/x-unknown",
                          "unknown/unknown"})

# --- the address guard -----------------------------------------------------------------------------------

# IANA special-purpose registries, spelled out so the guard does not depend on how a Python version defines
# `is_private`/`is_global` (those changed in 3.11.x, 3.12.4 and 3.13).
_BLOCKED_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
))
_BLOCKED_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
    "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))
# Cloud metadata endpoints (AWS IMDS v4/v6, ECS task metadata, Alibaba, Oracle, Azure wire server).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192", "168.63.129.16",
))
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"),)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address tunnels to: mapped, compatible, 6to4, Teredo client, NAT64."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = int(ip)
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    if packed >> 32 == 0 and packed > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def blocked_reason(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address must not be fetched from (private, loopback, metadata ...); None when it is public."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        return "scoped IPv6 address"
    if ip in METADATA_ADDRESSES:
        return "cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"embeds {inner}: {reason}" if reason else None
        networks: tuple[Any, ...] = _BLOCKED_V6
    else:
        networks = _BLOCKED_V4
    if any(ip in net for net in networks):
        return "special-purpose (private, loopback, link-local, multicast or reserved) address"
    flags = (ip.is_private, ip.is_loopback, ip.is_link_local, ip.is_multicast, ip.is_reserved,
             ip.is_unspecified, not ip.is_global)
    if any(flags):
        return "non-global address"
    return None


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _canonical_ipv4(host: str) -> str | None:
    """The dotted quad of a host the C resolver reads as IPv4 ("2130706433", "0x7f.1", "0177.0.0.1")."""
    try:
        return str(ipaddress.IPv4Address(socket.inet_aton(host)))
    except (OSError, ValueError):
        return None


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# --- policy --------------------------------------------------------------------------------------------


def _parse_allow_hosts(value: str | frozenset[str] | set[str] | list[str]) -> frozenset[str]:
    entries = value.split(",") if isinstance(value, str) else list(value)
    out: set[str] = set()
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        try:
            parts = urlsplit(f"//{entry}")
            port = parts.port
            host = parts.hostname
        except ValueError as exc:
            raise ConfigurationError(f"bad allow_hosts entry {raw!r}: {exc}") from exc
        if not host or port is None:
            raise ConfigurationError(f"allow_hosts entries are host:port, got {raw!r}")
        try:
            out.add(_hostport(normalise_host(host), port))
        except ValueError as exc:
            raise ConfigurationError(f"bad allow_hosts entry {raw!r}: {exc}") from exc
    return frozenset(out)


def _parse_host_map(value: str | Mapping[str, str]) -> Mapping[str, str]:
    if isinstance(value, str):
        pairs = []
        for raw in value.split(","):
            if not raw.strip():
                continue
            if "=" not in raw:
                raise ConfigurationError(f"host_map entries are host=ip:port, got {raw!r}")
            name, target = raw.split("=", 1)
            pairs.append((name, target))
    else:
        pairs = list(value.items())
    out: dict[str, str] = {}
    for name, target in pairs:
        target = target.strip()
        if "://" in target:  # tolerate a base URL ("http://127.0.0.1:8001")
            target = target.split("://", 1)[1].rstrip("/")
        try:
            parts = urlsplit(f"//{target}")
            ip = ipaddress.ip_address(parts.hostname or "")
            port = parts.port
            key = normalise_host(name)
        except ValueError as exc:
            raise ConfigurationError(f"host_map needs host=ip[:port], got {name}={target}: {exc}") from exc
        out[key] = _hostport(str(ip), port) if port else str(ip)
    return MappingProxyType(out)


@dataclass(frozen=True)
class FetchPolicy:
    """How the fetcher behaves. `allow_hosts` lists "host:port" or "ip:port" entries that may be reached
    even though they are private/loopback (the local run's sample server); `host_map` resolves a host name
    statically to "ip[:port]", like curl --resolve (the local run's fictional *.example outlets). A mapped
    address is still vetted: allow-list it too when it is private."""

    user_agent: str = "newsdive/0.1 (+https://github.com/newsdive/newsdive)"
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 60.0  # wall clock for one get(), redirects included: a slow drip cannot hold it
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_hosts: frozenset[str] = frozenset()
    host_map: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allow_hosts", _parse_allow_hosts(self.allow_hosts))
        object.__setattr__(self, "host_map", _parse_host_map(self.host_map))

    @classmethod
    def from_env(cls, allow_hosts: str = "", host_map: str = "", **overrides: Any) -> FetchPolicy:
        """A policy from the env-var formats: FETCH_ALLOW_HOSTS="a:1,b:2", FETCH_HOST_MAP="h=ip:port,..."."""
        return cls(allow_hosts=_parse_allow_hosts(allow_hosts), host_map=_parse_host_map(host_map),
                   **overrides)


@dataclass(frozen=True)
class FetchResponse:
    url: str  # final URL, after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes  # content-decoded (gzip/deflate/br)
    content_type: str  # mime type, lower-case, no parameters
    charset: str | None
    redirects: tuple[str, ...] = ()  # the URLs that answered with a redirect, in order


@dataclass(frozen=True)
class Destination:
    """A vetted URL: the addresses to connect to and what to send them."""

    scheme: str
    host: str
    addresses: tuple[str, ...]
    port: int  # port to connect to (host_map may change it)
    host_header: str
    target: str  # request target: path and query


def _split_content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return mime.strip().lower(), charset


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None when absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit, not to float()
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _sniff(body: bytes) -> str | None:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"\x1f\x8b"):
        return "feed"  # gzip: a compressed sitemap or feed (sitemap.xml.gz)
    if any(t in head for t in (b"<!doctype html", b"<html", b"<head", b"<body")):
        return "html"
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf", b"<urlset", b"<sitemapindex")):
        return "feed"
    return None


def _merge_headers(defaults: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """The request's headers: `extra` replaces a default of the same name in any case; Host is never taken
    (the connection sets it from the vetted destination)."""
    merged = dict(defaults)
    for name, value in extra.items():
        if name.lower() == "host":
            continue
        for existing in [k for k in merged if k.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    return merged


def _type_verdict(accept: Accept, mime: str) -> bool | None:
    """True: acceptable; False: refuse without reading the body; None: read the body and sniff it."""
    if accept == "any":
        return True
    if mime in _SNIFF_TYPES:
        return None
    if accept == "html":
        return mime in _HTML_TYPES
    return mime in _FEED_TYPES or (mime.endswith("+xml") and any(k in mime for k in ("rss", "atom", "rdf")))


class Fetcher:
    """Fetches one URL under a FetchPolicy. Holds one urllib3 PoolManager: keep the Fetcher for the lifetime
    of the Lambda container so warm invocations reuse connections."""

    def __init__(self, policy: FetchPolicy, *, resolver: Resolver | None = None) -> None:
        import urllib3

        self.policy = policy
        self._resolve = resolver or _default_resolver
        self._pool = urllib3.PoolManager(num_pools=32, maxsize=4, retries=False, block=False)

    def close(self) -> None:
        """Close the pooled connections (tests; a Lambda keeps its Fetcher for the container's life)."""
        self._pool.clear()

    # --- guard ---------------------------------------------------------------------------------------
    def vet(self, url: str) -> Destination:  # noqa: C901 - the SSRF rules in the order a request meets them
        """Check a URL against the SSRF rules and resolve it once; BlockedDestinationError when refused."""
        url = url.strip(" ")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
            raise BlockedDestinationError(f"control characters in URL {url!r}")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise BlockedDestinationError(f"malformed URL {url!r}: {exc}") from exc
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise BlockedDestinationError(f"scheme {scheme or '(none)'!r} is not fetched: {url!r}")
        if "@" in parts.netloc or "\\" in parts.netloc:
            raise BlockedDestinationError(f"URLs with user info are not fetched: {url!r}")
        if not parts.hostname or "%" in parts.netloc:
            raise BlockedDestinationError(f"URL has no usable host: {url!r}")
        try:
            host = normalise_host(parts.hostname)
        except ValueError as exc:
            raise BlockedDestinationError(str(exc)) from exc
        effective_port = port if port is not None else _DEFAULT_PORTS[scheme]
        is_literal = True
        try:
            ipaddress.ip_address(host)
        except ValueError:
            is_literal = False
            numeric = _canonical_ipv4(host)
            if numeric is not None:
                raise BlockedDestinationError(
                    f"non-canonical numeric host {host!r} (reads as {numeric}) is not fetched") from None

        connect_port = effective_port
        if host in self.policy.host_map:
            mapped = urlsplit(f"//{self.policy.host_map[host]}")
            addresses = [str(mapped.hostname)]
            connect_port = mapped.port or effective_port
        elif is_literal:
            addresses = [host]
        else:
            try:
                addresses = list(self._resolve(host, effective_port))
            except (OSError, UnicodeError) as exc:
                raise NameResolutionError(f"cannot resolve {host}: {exc}") from exc
            if not addresses:
                raise NameResolutionError(f"{host} resolves to no address")

        host_allowed = _hostport(host, effective_port) in self.policy.allow_hosts
        vetted: list[str] = []
        for raw in addresses:
            try:
                ip = ipaddress.ip_address(raw)
            except ValueError:
                raise BlockedDestinationError(f"{host} resolved to a non-address {raw!r}") from None
            address = str(ip)
            if not host_allowed and _hostport(address, connect_port) not in self.policy.allow_hosts:
                reason = blocked_reason(ip)
                if reason:
                    raise BlockedDestinationError(f"{url} resolves to {address}: {reason}")
            vetted.append(address)

        default = _DEFAULT_PORTS[scheme]
        host_header = f"[{host}]" if ":" in host else host
        if effective_port != default:
            host_header = f"{host_header}:{effective_port}"
        target = quote(parts.path or "/", safe="/%!$&'()*+,;=:@~-._")
        if parts.query:
            target += "?" + quote(parts.query, safe="/%!$&'()*+,;=:@~-._?")
        return Destination(scheme, host, tuple(vetted), connect_port, host_header, target)

    # --- one request -----------------------------------------------------------------------------------
    def _open(self, hop: Destination, headers: dict[str, str], deadline: float) -> urllib3.BaseHTTPResponse:
        import urllib3
        from urllib3 import exceptions as ux

        last: Exception | None = None
        for address in hop.addresses[:3]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            timeout = urllib3.Timeout(connect=min(self.policy.connect_timeout, remaining),
                                      read=min(self.policy.read_timeout, remaining))
            pool_kwargs: dict[str, Any] = {}
            if hop.scheme == "https" and address != hop.host:
                # TLS: SNI and certificate checks against the name, while the socket goes to the vetted IP.
                pool_kwargs = {"server_hostname": hop.host, "assert_hostname": hop.host}
            pool = self._pool.connection_from_host(address, hop.port, hop.scheme, pool_kwargs=pool_kwargs)
            try:
                return pool.urlopen("GET", hop.target, headers={**headers, "Host": hop.host_header},
                                    redirect=False, retries=False, preload_content=False, decode_content=True,
                                    timeout=timeout, assert_same_host=False, release_conn=False)
            except (ux.NewConnectionError, ux.ConnectTimeoutError) as exc:
                last = exc  # try the next vetted address (e.g. IPv6 unreachable from the Lambda)
            except ux.SSLError as exc:
                raise FetchError(f"TLS error with {hop.host}: {exc}") from exc
            except (ux.TimeoutError, ux.ProtocolError, ux.HTTPError, OSError) as exc:
                raise FetchTimeoutError(f"{hop.host}: {exc}") from exc
        raise FetchTimeoutError(f"cannot connect to {hop.host}: {last or 'time budget exhausted'}")

    def _read(self, response: urllib3.BaseHTTPResponse, url: str, deadline: float, limit: int) -> bytes:
        """The content-decoded body, refusing more than `limit` bytes before or after decompression."""
        from urllib3 import exceptions as ux

        length = response.headers.get("content-length", "").strip()
        if length.isascii() and length.isdigit() and int(length) > limit:
            raise ResponseTooLargeError(f"{url}: Content-Length {length} exceeds {limit} bytes")
        chunks: list[bytes] = []
        total = 0
        try:
            # read1 returns whatever arrived (read(amt) waits for amt bytes, so a slow drip would outlast the
            # time budget); urllib3 >= 2.6 inflates at most `amt` bytes per call, so a bomb is caught early.
            while chunk := response.read1(_CHUNK, decode_content=True):
                total += len(chunk)
                if total > limit:
                    raise ResponseTooLargeError(f"{url}: body exceeds {limit} bytes")
                if time.monotonic() > deadline:
                    raise FetchTimeoutError(f"{url}: time budget of {self.policy.total_timeout}s exceeded")
                chunks.append(chunk)
        except ux.DecodeError as exc:
            raise FetchError(f"{url}: undecodable content-encoding: {exc}") from exc
        except (ux.TimeoutError, ux.ProtocolError, ux.HTTPError, OSError) as exc:
            raise FetchTimeoutError(f"{url}: {exc}") from exc
        return b"".join(chunks)

    @staticmethod
    def _discard(response: urllib3.BaseHTTPResponse) -> None:
        """Drop a response we do not read: the connection is closed unless its small body was drained."""
        try:
            length = response.headers.get("content-length", "").strip()
            if length.isascii() and length.isdigit() and int(length) <= _REDIRECT_BODY_LIMIT:
                response.read(_REDIRECT_BODY_LIMIT + 1, decode_content=False)
            else:
                response.close()
        except Exception:  # noqa: BLE001 - a broken body of a response we discard does not matter
            response.close()
        finally:
            response.release_conn()

    # --- the fetch function ------------------------------------------------------------------------------
    def get(self, url: str, *, accept: Accept = "any", headers: Mapping[str, str] | None = None,
            gate: Callable[[str], None] | None = None) -> FetchResponse:
        """GET a URL under the policy, following redirects (each hop vetted). No retries: get_with_retries.

        `gate(url)` runs before every request, the first and each redirect hop: politeness (robots.txt, the
        per-host rate limit) hooks in there and refuses a hop by raising.
        Raises BlockedDestinationError, TooManyRedirectsError, HttpStatusError (non-2xx except 304),
        UnexpectedContentTypeError, ResponseTooLargeError, FetchTimeoutError (timeouts, connection failures).
        """
        from urllib3.util.request import ACCEPT_ENCODING

        policy = self.policy
        deadline = time.monotonic() + policy.total_timeout
        request_headers = _merge_headers(
            {"User-Agent": policy.user_agent, "Accept": _ACCEPT_HEADERS[accept], "Accept-Encoding": ACCEPT_ENCODING},
            headers or {},
        )

        current = url.strip()
        redirects: list[str] = []
        while True:
            hop = self.vet(current)
            if gate is not None:
                waited = time.monotonic()
                gate(current)
                deadline += time.monotonic() - waited  # waiting for our turn is not the server's time
            response = self._open(hop, request_headers, deadline)
            status = response.status
            if status in _REDIRECTS and response.headers.get("location"):
                self._discard(response)
                if len(redirects) >= policy.max_redirects:
                    raise TooManyRedirectsError(f"{url}: more than {policy.max_redirects} redirects")
                redirects.append(current)
                location = response.headers["location"].strip()
                try:
                    following = urljoin(current, location)
                    moved_host = urlsplit(following).hostname != urlsplit(current).hostname
                except ValueError as exc:  # e.g. "http://[::1/x": urllib cannot even split it
                    raise BlockedDestinationError(f"{current}: malformed redirect location {location!r}: {exc}") \
                        from exc
                if moved_host:
                    request_headers = {k: v for k, v in request_headers.items()
                                       if k.lower() not in _CREDENTIAL_HEADERS}
                current = following
                continue
            break

        response_headers = {k.lower(): response.headers.get(k, "") for k in response.headers}
        mime, charset = _split_content_type(response_headers.get("content-type"))

        def result(body: bytes) -> FetchResponse:
            return FetchResponse(url=current, status=status, headers=MappingProxyType(response_headers),
                                 body=body, content_type=mime, charset=charset, redirects=tuple(redirects))

        if status == 304:
            self._discard(response)
            return result(b"")
        if not 200 <= status < 300:
            self._discard(response)
            raise HttpStatusError(current, status, parse_retry_after(response_headers.get("retry-after")))
        verdict = _type_verdict(accept, mime)
        if verdict is False:
            self._discard(response)
            raise UnexpectedContentTypeError(f"{current}: content type {mime!r} is not {accept}")
        try:
            body = self._read(response, current, deadline, policy.max_bytes)
        except Exception:
            response.close()
            raise
        finally:
            response.release_conn()
        if verdict is None and _sniff(body) != accept:
            raise UnexpectedContentTypeError(
                f"{current}: content type {mime or '(none)'!r} and the body is not {accept}")
        return result(body)


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, FetchTimeoutError):
        return True
    return isinstance(exc, HttpStatusError) and (exc.status in (408, 425, 429) or exc.status >= 500)


def get_with_retries(
    fetcher: Fetcher,
    url: str,
    *,
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    base_delay: float = 1.0,
    max_delay: float = 20.0,
    max_retry_after: float = 60.0,
    **get_kwargs: Any,
) -> FetchResponse:
    """fetcher.get with retries of timeouts and 408/425/429/5xx, full-jitter exponential backoff
    (delay = rng() * min(max_delay, base_delay * 2**n)) and the server's Retry-After honoured. A Retry-After
    longer than `max_retry_after` is not slept through in a Lambda: the error is raised for a later retry."""
    for attempt in range(1, attempts + 1):
        try:
            return fetcher.get(url, **get_kwargs)
        except (FetchTimeoutError, HttpStatusError) as exc:
            if not _retryable(exc) or attempt >= attempts:
                raise
            delay = rng() * min(max_delay, base_delay * 2 ** (attempt - 1))
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                if retry_after > max_retry_after:
                    raise
                delay = max(delay, retry_after)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
