"""URL canonicalisation: one spelling per article URL, so the same page met twice counts once; and sites.

Canonicalisation is pure and fast (urllib.parse only): it runs for every feed item. Tracking parameters are
dropped because outlets and aggregators append them to the same article; the remaining query is kept (it can
select content).

Sites, not hosts: one registered domain (the public suffix list, through `publicsuffixlist` and its bundled copy,
no network) is one site for canonical and syndication checks, so a page on `www.namibian.com.na` whose canonical
is on `ww2.namibian.com.na` is the same site's article, not a syndicated copy. A URL belongs to the outlet whose
homepage is the most specific prefix of it, path included (`owner_of`), whichever feed carried it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from functools import cache, cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

# Query parameters that only track the click, never select content. Matched case-insensitively by name;
# every `utm_*` is dropped too. Keep this list documented: adding a name here changes article identity.
TRACKING_PARAMS: frozenset[str] = frozenset({
    # Google / Google Ads / Analytics
    "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "_ga", "_gl",
    # Meta, Microsoft, Yandex, X/Twitter, TikTok, LinkedIn, Instagram
    "fbclid", "msclkid", "yclid", "ysclid", "twclid", "ttclid", "li_fat_id", "igshid", "igsh",
    # Mailchimp, HubSpot, Marketo, Vero, Omeda
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "hsctatrack", "mkt_tok", "vero_id", "vero_conv", "oly_anon_id",
    "oly_enc_id", "rb_clickid",
    # Outlets' own campaign tags (NYT smid/smtyp, Guardian CMP, MSN ocid, Adobe s_cid, Webtrends WT.mc_id,
    # X's ref_src/ref_url on embedded links)
    "cmpid", "cmp", "ocid", "smid", "smtyp", "s_cid", "wt.mc_id", "wt.mc_ev", "ref_src", "ref_url",
    "__twitter_impression", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3",
    "at_custom4",
    "sr_share", "ito", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
    "spm", "share", "share_source",
})
_TRACKING_PREFIXES = ("utm_",)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters that may stay literal in a path/query (RFC 3986 pchar + "/" + "?"), plus "%" for escapes.
_PATH_SAFE = frozenset("!$&'()*+,;=:@/") | _UNRESERVED
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _normalise_component(text: str, safe: frozenset[str]) -> str:
    """RFC 3986 percent-encoding normalisation: decode escapes of unreserved characters, upper-case the other
    escapes, and encode what may not appear literally (spaces, non-ASCII as UTF-8). Reserved characters keep
    their escaped/unescaped form, since that distinction can carry meaning (`a%26b` vs `a&b`)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and _PCT.match(text, i):
            decoded = chr(int(text[i + 1:i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1:i + 3].upper())
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, so `/a/./b/../c` and `/a/c` are one URL."""
    if "." not in path:
        return path
    segments = path.split("/")
    if not any(s in (".", "..") for s in segments):
        return path
    out: list[str] = []
    for segment in segments[1:]:
        if segment == ".":
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    if segments[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out)


def _idna(host: str) -> str:
    if host.isascii():
        return host
    try:
        import idna  # UTS #46 / IDNA 2008 when available (it keeps "ß"); the stdlib codec is IDNA 2003

        return idna.encode(host, uts46=True).decode("ascii")
    except ImportError:
        pass
    except Exception as exc:  # idna.IDNAError and friends
        raise ValueError(f"invalid international host name {host!r}") from exc
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"invalid international host name {host!r}") from exc


def normalise_host(host: str) -> str:
    """Lower-case ASCII (IDNA) host without trailing dot; IPv6 literals compressed, without brackets."""
    host = host.strip().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise ValueError("URL has no host")
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError as exc:
            raise ValueError(f"invalid IPv6 host {host!r}") from exc
    host = _idna(host.lower()).lower()
    if not host or any(c in host for c in " /\\@?#%") or ".." in host:
        raise ValueError(f"invalid host {host!r}")
    return host


def _split(url: str, base: str | None) -> tuple[str, str, int | None, str, str]:
    url = url.strip()
    if base:
        url = urljoin(base.strip(), url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    return scheme, normalise_host(parts.hostname), port, parts.path, parts.query


def canonicalize_url(url: str, base: str | None = None) -> str:
    """The canonical spelling of an http(s) URL (see module doc); ValueError for other schemes or no host.

    Resolves against `base`, lower-cases scheme and host (IDNA), drops userinfo, default ports, fragment,
    tracking parameters and an empty query, sorts the remaining parameters by name (stable, so repeated names
    keep their order), normalises percent-encoding and dot segments. Path case and trailing slashes are kept:
    servers may treat them as different pages.
    """
    scheme, host, port, path, query = _split(url, base)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _remove_dot_segments(_normalise_component(path, _PATH_SAFE)) or "/"
    params: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = pair.split("=", 1)[0]
        plain_name = _PCT.sub(lambda m: chr(int(m.group(1), 16)), name.replace("+", " "))
        if is_tracking_param(plain_name):
            continue
        params.append((_normalise_component(name, _QUERY_SAFE), _normalise_component(pair, _QUERY_SAFE)))
    params.sort(key=lambda p: p[0])
    return urlunsplit((scheme, netloc, path, "&".join(p for _, p in params), ""))


def host_of(url: str) -> str:
    """The normalised host of an http(s) URL (no port); ValueError when there is none."""
    return _split(url, None)[1]


# --- sites: registered domains (the public suffix list) and the outlet a URL belongs to -----------------------


class SuffixRules:
    """The rules of a public suffix list file as `publicsuffixlist` reads them (each line's first word, lowercase;
    comments and blank lines skipped; an IDN rule also in its punycode form), for its lookup, which only asks
    `name in rules`. The library runs all 10,000 rules through the IDNA codec when it loads: 60 ms of a cold
    start, nearly all of it on the 460 IDN rules. Here those are encoded on the first lookup of a punycode name
    (one with an `xn--` label, the only kind their encoded forms can match): a set of the rules otherwise."""

    def __init__(self, text: str) -> None:
        self.rules = frozenset(rule for line in text.splitlines()
                               if (rule := line.lower().split(" ")[0].rstrip()) and not rule.startswith("//"))
        self.max_labels = max((rule.count(".") + 1 for rule in self.rules), default=0)

    def __contains__(self, name: object) -> bool:
        return name in self.rules or (isinstance(name, str) and "xn--" in name and name in self.encoded)

    @cached_property
    def encoded(self) -> frozenset[str]:
        """The punycode forms of the IDN rules (an exception rule keeps its `!`)."""
        forms = set()
        for rule in self.rules:
            if not rule.isascii():
                bare = rule.removeprefix("!")
                forms.add(rule[: len(rule) - len(bare)] + bare.encode("idna").decode("ascii"))
        return frozenset(forms)


@cache
def _public_suffixes() -> Any:
    """The public suffix list (ICANN and private sections) bundled with `publicsuffixlist`: no network, loaded on
    first use, kept while the container is warm. The library's lookup, on `SuffixRules`."""
    from pathlib import Path

    from publicsuffixlist import PSLFILE, PublicSuffixList

    class _List(PublicSuffixList):
        def _parse(self, source: Any, accept_encoded_idn: bool, only_icann: bool = False) -> None:  # noqa: ARG002
            rules = SuffixRules(Path(PSLFILE).read_text(encoding="utf-8"))
            self._publicsuffix, self._maxlabel = rules, rules.max_labels

    return _List(source="")


@cache
def registered_domain(host: str) -> str:
    """The site a host belongs to: its registered domain under the public suffix list, e.g. `ww2.namibian.com.na`
    and `www.namibian.com.na` -> `namibian.com.na`, `sundaytimes.timeslive.co.za` -> `timeslive.co.za`. Private
    suffixes count (`a.github.io` and `b.github.io` are two sites). An IP address, a single label (`localhost`) or
    a bare public suffix is its own site."""
    host = host.lower().rstrip(".")
    if not host or "." not in host:
        return host
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    return _public_suffixes().privatesuffix(host) or host


def site_of(url: str) -> str:
    """The registered domain of an http(s) URL's host (see `registered_domain`); ValueError when it has none."""
    return registered_domain(host_of(url))


def same_site(host_a: str | None, host_b: str | None) -> bool:
    """Whether two hosts are one site (one registered domain). Equal hosts answer without the suffix list."""
    if not host_a or not host_b:
        return False
    a, b = host_a.lower().rstrip("."), host_b.lower().rstrip(".")
    return a == b or registered_domain(a) == registered_domain(b)


def homepage_claim(url: str, homepage: str) -> tuple[int, int] | None:
    """How specifically an outlet's homepage claims a URL: None when it does not (another site, or a path outside
    the homepage's), else (host, path): host 2 for the same host (a leading `www.` aside), 1 for another host of
    the same site; path the length of the homepage's path prefix. The largest claim owns the URL."""
    try:
        target, home = urlsplit(url), urlsplit(homepage)
    except ValueError:
        return None
    url_host, home_host = (target.hostname or "").removeprefix("www."), (home.hostname or "").removeprefix("www.")
    if not url_host or not home_host:
        return None
    if url_host == home_host:
        host_score = 2
    elif same_site(url_host, home_host):
        host_score = 1
    else:
        return None
    prefix = home.path.rstrip("/")
    path = target.path or "/"
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return None
    return host_score, len(prefix)


def owner_of(url: str, homepages: Mapping[str, str], *, prefer: str | None = None) -> str | None:
    """The outlet (id -> homepage) whose homepage is the most specific claim on `url` (`homepage_claim`): the same
    host before a sibling host of the site, then the longest path prefix (`https://host/wire/` owns
    `https://host/wire/a`, `https://host/` the rest); a tie goes to `prefer` (the outlet asking), else to the
    smallest id. None when no homepage claims it."""
    best: tuple[tuple[int, int, bool], str] | None = None
    for outlet, homepage in sorted(homepages.items(), reverse=True):
        claim = homepage_claim(url, homepage)
        if claim is None:
            continue
        rank = (*claim, outlet == prefer)
        if best is None or rank >= best[0]:
            best = (rank, outlet)
    return best[1] if best else None
