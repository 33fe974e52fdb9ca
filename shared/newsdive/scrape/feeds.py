"""Feeds and sitemaps to items: RSS 0.9x/1.0 (RDF)/2.0 and Atom through feedparser; XML sitemaps, sitemap
indexes and Google News sitemaps through lxml, with a parser that never uses the network or expands entities.

feedparser does the hard parts (encoding detection by the XML/HTTP rules with fallbacks, malformed documents,
namespaces, date formats); this module turns its loose dictionaries into typed, absolute, canonical items.
"""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin

from newsdive.model.errors import FeedParseError
from newsdive.scrape.urls import canonicalize_url

FeedKind = Literal["rss", "atom", "rdf", "sitemap", "news-sitemap", "sitemap-index"]

MAX_DECOMPRESSED = 50_000_000  # a gzip-compressed feed or sitemap.xml.gz may not inflate beyond this
SUMMARY_CHARS = 2000  # a summary taken from full content is cut here: it is a summary, not the article
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_ROOT = re.compile(r"^\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
                   r"<([A-Za-z_][\w:.-]*)", re.S | re.I)
_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BARE_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+$")
_EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
               "blockquote", "figure", "figcaption", "section", "article", "pre", "hr", "table", "dd", "dt")

# Day and month names of RFC 822 dates written in another language ("Seg, 24 Set 2018 19:42:40 -0300", a
# Brazilian feed). feedparser knows English only; these are translated before a second try.
_MONTHS = {
    # pt, es, it, fr, de, nl (abbreviations as feeds write them)
    "jan": "Jan", "janv": "Jan", "ene": "Jan", "gen": "Jan", "jän": "Jan",
    "fev": "Feb", "fév": "Feb", "févr": "Feb", "feb": "Feb", "fevr": "Feb",
    "mar": "Mar", "mär": "Mar", "mars": "Mar", "mrt": "Mar", "març": "Mar",
    "abr": "Apr", "avr": "Apr", "apr": "Apr",
    "mai": "May", "may": "May", "mag": "May", "mei": "May",
    "jun": "Jun", "juin": "Jun", "giu": "Jun",
    "jul": "Jul", "juil": "Jul", "lug": "Jul",
    "ago": "Aug", "aoû": "Aug", "aou": "Aug", "aug": "Aug",
    "set": "Sep", "sep": "Sep", "sept": "Sep",
    "out": "Oct", "oct": "Oct", "ott": "Oct", "okt": "Oct",
    "nov": "Nov",
    "dez": "Dec", "dic": "Dec", "déc": "Dec", "dec": "Dec",
}
_LOCAL_DATE = re.compile(r"^\s*(?:[^\W\d]+\.?,?\s+)?(\d{1,2})\s+([^\W\d]+)\.?\s+(\d{4})\s+"
                         r"(\d{1,2}:\d{2}(?::\d{2})?)\s*(.*)$")


@dataclass(frozen=True)
class FeedItem:
    url: str  # absolute, as in the feed (resolved against the feed URL)
    canonical_url: str
    title: str
    published_at: datetime | None  # tz-aware, UTC
    authors: tuple[str, ...] = ()
    summary: str = ""  # plain text
    guid: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str | None
    language: str | None
    items: tuple[FeedItem, ...]
    kind: FeedKind
    sitemaps: tuple[str, ...] = ()  # child sitemaps of a sitemap index
    sitemap_dates: tuple[datetime | None, ...] = ()  # their <lastmod>, in the same order

    def newest_sitemaps(self, limit: int) -> list[str]:
        """The `limit` child sitemaps most recently modified (undated ones after the dated, in document order):
        news sites append a sitemap per day or month, and only the newest hold new articles."""
        dates = list(self.sitemap_dates) + [None] * (len(self.sitemaps) - len(self.sitemap_dates))
        stamps = [d.timestamp() if d else None for d in dates]
        order = sorted(range(len(self.sitemaps)), key=lambda i: (stamps[i] is None, -(stamps[i] or 0), i))
        return [self.sitemaps[i] for i in order[:limit]]


# --- helpers ---------------------------------------------------------------------------------------------


def _gunzip(body: bytes) -> bytes:
    """Inflate gzip bytes (a .gz sitemap, a feed saved compressed), refusing more than MAX_DECOMPRESSED."""
    out = bytearray()
    data = body
    while data[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(wbits=31)
        try:
            out += inflater.decompress(data, MAX_DECOMPRESSED + 1 - len(out))
            while inflater.unconsumed_tail and len(out) <= MAX_DECOMPRESSED:
                out += inflater.decompress(inflater.unconsumed_tail, MAX_DECOMPRESSED + 1 - len(out))
        except zlib.error as exc:  # the gzip magic, then something else (or a damaged stream)
            raise FeedParseError(f"corrupt gzip data: {exc}") from exc
        if len(out) > MAX_DECOMPRESSED:
            raise FeedParseError(f"compressed document inflates beyond {MAX_DECOMPRESSED} bytes")
        data = inflater.unused_data  # a multi-member gzip file
    return bytes(out)


def _root_name(body: bytes) -> str:
    """The local name of the document's root element, lower-case ('' when there is none)."""
    head = body[:8192]
    codec = "latin-1"
    for bom, name in _BOMS:
        if head.startswith(bom):
            head, codec = head[len(bom):], name
            break
    text = head.decode(codec, "ignore")
    match = _ROOT.match(text)
    return match.group(1).split(":")[-1].lower() if match else ""


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def html_to_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment: tags and scripts dropped, entities decoded, whitespace collapsed."""
    if not fragment or not fragment.strip():
        return ""
    fragment = _CONTROL.sub("", fragment)  # lxml refuses control characters (a NUL in a feed's summary)
    if "<" not in fragment and "&" not in fragment:
        return _clean(fragment)
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _clean(fragment)
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for el in root.iter(*_BLOCK_TAGS):
        el.tail = " " + (el.tail or "")
        el.text = " " + (el.text or "")
    return _clean(root.text_content())


def _truncate(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + " …"


def _language(value: Any) -> str | None:
    text = _clean(str(value)) if value else ""
    return text.replace("_", "-").lower() or None


def _struct_to_datetime(value: Any) -> datetime | None:
    """feedparser's *_parsed values are struct_time in UTC."""
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def parse_date(text: str | None) -> datetime | None:
    """A feed or sitemap date as a UTC datetime: ISO 8601 / W3C-DTF, RFC 822, or RFC 822 with day and month
    names in Portuguese, Spanish, Italian, French, German or Dutch. A date without offset is taken as UTC."""
    text = _clean(text)
    if not text:
        return None
    parsed: datetime | None = None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            match = _LOCAL_DATE.match(text)
            month = _MONTHS.get(match.group(2).lower()[:4]) or _MONTHS.get(match.group(2).lower()[:3]) \
                if match else None
            if match and month:
                day, _, year, clock, zone = match.groups()
                try:
                    parsed = parsedate_to_datetime(f"{day} {month} {year} {clock} {zone or '+0000'}".strip())
                except (TypeError, ValueError, IndexError):
                    parsed = None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _item(url: str, link: str | None, **fields: Any) -> FeedItem | None:
    link = _clean(link)
    if not link:
        return None
    try:
        absolute = urljoin(url, link)  # raises on a malformed host, e.g. "http://[::1"
        canonical = canonicalize_url(absolute)
    except ValueError:
        return None  # mailto:, javascript:, a broken link
    return FeedItem(url=absolute, canonical_url=canonical, **fields)


# --- RSS / Atom / RDF ------------------------------------------------------------------------------------


def _name_from_raw(raw: str) -> str:
    """"editor@paper.example (Jane Doe)" or "Jane Doe <jane@paper.example>" -> "Jane Doe"."""
    return _clean(_EMAIL.sub(" ", raw).replace("()", " ").replace("<>", " ")).strip(" ()<>[],;")


def _entry_authors(entry: Any) -> tuple[str, ...]:
    raw = _clean(entry.get("author"))
    names: list[str] = []
    for author in entry.get("authors") or []:
        if not isinstance(author, dict):
            continue
        name, email = _clean(author.get("name")), author.get("email") or ""
        # feedparser's e-mail regex allows 2-4 letter TLDs, so "desk@paper.example" loses "ple" into the name:
        # when the address was cut short, take the name from the raw string instead.
        if email and raw and re.search(re.escape(email) + r"[\w-]", raw):
            name = _name_from_raw(raw)
        if name:
            names.append(html_to_text(name))
    if not names and raw:
        names.append(_name_from_raw(raw))
    # A bare e-mail address is not a name (RSS <author> often holds just that).
    return tuple(dict.fromkeys(n for n in names if n and not _BARE_EMAIL.match(n)))


def _text(value: str | None, detail: Any) -> str:
    """A text construct as plain text: HTML is converted, plain text only cleaned (so "a <b> c" survives)."""
    kind = (detail or {}).get("type", "") if isinstance(detail, dict) else ""
    return _clean(value) if kind == "text/plain" else html_to_text(value)


def _entry_date(entry: Any) -> datetime | None:
    # dict.get: feedparser's own get maps a missing "updated" to "published", with a DeprecationWarning each time
    for key in ("published", "updated", "created"):
        parsed = _struct_to_datetime(dict.get(entry, f"{key}_parsed"))
        if parsed is None and dict.get(entry, key):
            parsed = parse_date(dict.get(entry, key))
        if parsed is not None:
            return parsed
    return None


def _entry_summary(entry: Any) -> str:
    summary = _text(entry.get("summary"), entry.get("summary_detail"))
    if not summary:
        for content in entry.get("content") or []:
            summary = html_to_text(content.get("value"))
            if summary:
                break
    return _truncate(summary)


def _kind(version: str, root: str) -> FeedKind:
    if version.startswith("atom") or (not version and root == "feed"):
        return "atom"
    if version in ("rss090", "rss10") or (not version and root == "rdf"):
        return "rdf"
    return "rss"


def _parse_syndication(body: bytes, url: str, content_type: str | None, root: str) -> ParsedFeed:
    import feedparser  # slow to import (about 60 ms): only the scrape stage pays for it

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # A stream, never bytes: feedparser opens a bytes argument as a local file name when it can.
    # Our summaries are plain text (HTML dropped by lxml), so feedparser need not sanitise or rewrite the
    # content HTML: that is most of its time on big feeds. Entry links are still resolved (xml:base).
    try:
        result = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False,
                                  resolve_relative_uris=False)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - feedparser's own bugs on broken input: chr() on "&#99999999;", ...
        # ... a KeyError from its loose parser on a misplaced end tag. Whatever it is, the document is malformed.
        raise FeedParseError(f"{url}: malformed feed ({type(exc).__name__}: {exc})") from exc
    version = result.get("version") or ""
    if version.startswith("json"):
        raise FeedParseError(f"{url}: JSON Feed is not supported")
    feed = result.get("feed") or {}
    feed_language = _language(feed.get("language") or (feed.get("title_detail") or {}).get("language"))
    kind = _kind(version, root)
    # Atom (RFC 4287 4.2.1): an entry without an author has the feed's authors. RSS has no such rule.
    inherited = _entry_authors(feed) if kind == "atom" else ()
    items: list[FeedItem] = []
    for entry in result.get("entries") or []:
        language = _language((entry.get("title_detail") or {}).get("language")) or feed_language
        item = _item(
            url, entry.get("link"),
            title=_text(entry.get("title"), entry.get("title_detail")),
            published_at=_entry_date(entry),
            authors=_entry_authors(entry) or inherited,
            summary=_entry_summary(entry),
            guid=_clean(entry.get("id")) or None,
            language=language,
        )
        if item is not None:
            items.append(item)
    if not version and not items:
        reason = result.get("bozo_exception") or "no RSS, Atom or RDF structure"
        raise FeedParseError(f"{url}: not a feed ({reason})")
    link = _clean(feed.get("link")) or None
    return ParsedFeed(
        title=_text(feed.get("title"), feed.get("title_detail")),
        link=urljoin(url, link) if link else None,
        language=feed_language,
        items=tuple(items),
        kind=kind,
    )


# --- sitemaps --------------------------------------------------------------------------------------------


def _safe_xml(body: bytes) -> Any:
    import lxml.etree

    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                                  dtd_validation=False, remove_comments=True, remove_pis=True, recover=True)
    try:
        return lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError:
        return None


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(el: Any, name: str) -> str:
    for child in el:
        if _local(child) == name:
            return _clean("".join(child.itertext()))
    return ""


def _child(el: Any, name: str) -> Any:
    for child in el:
        if _local(child) == name:
            return child
    return None


def _parse_sitemap(body: bytes, url: str) -> ParsedFeed:
    root = _safe_xml(body)
    if root is None:
        raise FeedParseError(f"{url}: sitemap is not well-formed XML")
    name = _local(root)
    if name == "sitemapindex":
        children: dict[str, datetime | None] = {}
        for entry in root:
            if _local(entry) != "sitemap":
                continue
            loc = _child_text(entry, "loc")
            if loc:
                try:
                    children.setdefault(canonicalize_url(loc, url), parse_date(_child_text(entry, "lastmod")))
                except ValueError:
                    continue
        return ParsedFeed(title="", link=None, language=None, items=(), kind="sitemap-index",
                          sitemaps=tuple(children), sitemap_dates=tuple(children.values()))

    items: list[FeedItem] = []
    is_news = False
    publication = ""
    for entry in root:
        if _local(entry) != "url":
            continue
        news = _child(entry, "news")
        title, language, date_text = "", None, _child_text(entry, "lastmod")
        if news is not None:
            is_news = True
            title = _child_text(news, "title")
            date_text = _child_text(news, "publication_date") or date_text
            pub = _child(news, "publication")
            if pub is not None:
                language = _language(_child_text(pub, "language"))
                publication = publication or _child_text(pub, "name")
        item = _item(url, _child_text(entry, "loc"), title=html_to_text(title),
                     published_at=parse_date(date_text), language=language)
        if item is not None:
            items.append(item)
    return ParsedFeed(title=publication, link=None, language=None, items=tuple(items),
                      kind="news-sitemap" if is_news else "sitemap")


# --- entry points ----------------------------------------------------------------------------------------


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse an RSS/Atom/RDF feed or an XML sitemap (index, Google News) into items with absolute links.

    `url` is where the document came from (relative links resolve against it); `content_type` is the HTTP
    header, whose charset takes part in encoding detection. Gzip-compressed bytes are inflated first. Items
    without a usable http(s) link are skipped. FeedParseError when the document is not a feed at all.
    """
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)
    if not body.strip():
        raise FeedParseError(f"{url}: empty document")
    root = _root_name(body)
    if root in ("urlset", "sitemapindex"):
        return _parse_sitemap(body, url)
    if root == "html" or body.lstrip()[:1] in (b"{", b"["):
        raise FeedParseError(f"{url}: an HTML or JSON document, not a feed")
    return _parse_syndication(body, url, content_type, root)


_FEED_LINK_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                              "application/x-rss+xml", "application/x-atom+xml", "text/xml",
                              "application/xml"})


def discover_feeds(html: bytes, base_url: str, *, comments: bool = True) -> list[str]:
    """Feed URLs a homepage announces with <link rel="alternate" type="application/rss+xml|atom+xml">,
    absolute (honouring <base href>), deduplicated, in document order with comment feeds last (or left out
    with comments=False: a news scraper wants the articles, not the readers' comments)."""
    import lxml.etree
    import lxml.html

    if not html or not html.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    base = base_url
    for el in doc.iter("base"):
        href = (el.get("href") or "").strip()
        if href:
            with contextlib.suppress(ValueError):  # a malformed <base href> ("http://[::1") is ignored
                base = urljoin(base_url, href)
            break
    found: list[tuple[bool, str]] = []
    for el in doc.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        kind = (el.get("type") or "").split(";")[0].strip().lower()
        href = (el.get("href") or "").strip()
        if "alternate" not in rel or kind not in _FEED_LINK_TYPES or not href:
            continue
        try:
            absolute = urljoin(base, href)  # raises on a malformed host
            canonicalize_url(absolute)  # only http(s) URLs with a host
        except ValueError:
            continue
        title = (el.get("title") or "").lower()
        is_comments = "comment" in title or "/comments/" in absolute
        found.append((is_comments, absolute))
    ordered = [u for c, u in found if not c] + ([u for c, u in found if c] if comments else [])
    return list(dict.fromkeys(ordered))


