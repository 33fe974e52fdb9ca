"""The bundled sample web agrees with its sources file and with the e2e test's expected grouping.

The e2e test asserts stories and bias percentages exactly, so every figure in
tests/e2e/sample_expected.json is recomputed here from sample-web/ itself: its feeds, pages and sources.json.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import lxml.html
import pytest

try:
    from newsdive.model.sources import Bias, Side, Source
    from newsdive_tools.sources_file import load_sources
except ModuleNotFoundError:  # not installed (no `pip install -e .`): read the package from the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "shared"))
    from newsdive.model.sources import Bias, Side, Source
    from newsdive_tools.sources_file import load_sources

REPO = Path(__file__).resolve().parents[4]
SAMPLE = REPO / "sample-web"
SITES = SAMPLE / "sites"
EXPECTED_FILE = REPO / "tests" / "e2e" / "sample_expected.json"

WINDOW = (datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 23, 23, 59, tzinfo=UTC))
STORY_SPAN = timedelta(hours=36)
CATEGORIES = {"politics", "business", "technology", "science", "health", "sports", "environment", "world"}
TRACKING_PARAM = re.compile(r"^(utm_[a-z]+|fbclid|gclid)$")
OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
SIDES = ("left", "center", "right")
ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle")


# ---------------------------------------------------------------- helpers


def clean_url(url: str) -> str:
    """The feed link without tracking parameters and fragment: what the page's canonical URL must be."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAM.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def served_file(url: str) -> Path | None:
    """The file the sample server answers a URL with (/a/b -> a/b, a/b.html, a/b/index.html); None: 404."""
    parts = urlsplit(url)
    base = SITES / (parts.hostname or "")
    rel = parts.path.lstrip("/")
    if not rel:
        return base / "index.html" if (base / "index.html").is_file() else None
    candidates = [base / rel, base / f"{rel}.html", base / rel / "index.html"]
    return next((c for c in candidates if c.is_file()), None)


def largest_remainder(counts: dict[str, int]) -> dict[str, int]:
    """Integer shares summing to 100: floor each, extra points to the largest remainders (ties L, C, R)."""
    total = sum(counts.values())
    if total == 0:
        return dict.fromkeys(SIDES, 0)
    floors = {s: counts[s] * 100 // total for s in SIDES}
    remainders = {s: counts[s] * 100 % total for s in SIDES}
    for side in sorted(SIDES, key=lambda s: (-remainders[s], SIDES.index(s)))[: 100 - sum(floors.values())]:
        floors[side] += 1
    return floors


def blindspot(counts: dict[str, int], shares: dict[str, int]) -> str | None:
    if sum(counts.values()) < 3:
        return None
    if shares["left"] <= 15 and shares["right"] >= 50:
        return "left"
    if shares["right"] <= 15 and shares["left"] >= 50:
        return "right"
    return None


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def published_time(doc: lxml.html.HtmlElement) -> str | None:
    """The page's own statement of when it was published: JSON-LD, then meta, then the first <time>."""
    for script in doc.xpath('//script[@type="application/ld+json"]'):
        for node in _walk(json.loads(script.text)):
            if node.get("@type") in ARTICLE_TYPES and node.get("datePublished"):
                return node["datePublished"]
    for xpath in ('//meta[@property="article:published_time"]/@content', "//time[@datetime]/@datetime"):
        found = doc.xpath(xpath)
        if found:
            return found[0]
    return None


@dataclass(frozen=True)
class FeedItem:
    source_id: str
    link: str
    feed_published: datetime | None
    author: str

    @property
    def url(self) -> str:
        return clean_url(self.link)


@cache
def sources() -> dict[str, Source]:
    return {s.id: s for s in load_sources(SAMPLE / "sources.json")}


@cache
def expected() -> dict:
    return json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


@cache
def feeds() -> dict[str, feedparser.FeedParserDict]:
    parsed = {}
    for source in sources().values():
        for feed_url in source.feeds:
            path = served_file(feed_url)
            assert path is not None, f"{source.id}: feed {feed_url} is not served"
            parsed[feed_url] = feedparser.parse(path.read_bytes())
    return parsed


@cache
def feed_items() -> tuple[FeedItem, ...]:
    items = []
    for source in sources().values():
        for feed_url in source.feeds:
            for entry in feeds()[feed_url].entries:
                stamp = entry.get("published_parsed")
                when = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
                items.append(FeedItem(source.id, entry.link, when, entry.get("author", "")))
    return tuple(items)


def not_found_links() -> set[str]:
    return set(expected()["failures"]["not_found"])


def page_items() -> list[FeedItem]:
    """Feed items whose link the server answers (everything but the declared 404s)."""
    return [i for i in feed_items() if i.link not in not_found_links()]


@cache
def page(url: str) -> lxml.html.HtmlElement:
    path = served_file(url)
    assert path is not None, f"{url} is not served"
    return lxml.html.fromstring(path.read_bytes())


def article_urls() -> list[str]:
    return [u for s in expected()["stories"] for u in s["articles"]] + list(expected()["singles"])


def source_of(url: str) -> str:
    owners = {i.source_id for i in feed_items() if i.url == url}
    assert len(owners) == 1, f"{url} appears in the feeds of {sorted(owners)}"
    return owners.pop()


def page_time(url: str) -> datetime:
    return datetime.fromisoformat(published_time(page(url)))


# ---------------------------------------------------------------- sources and feeds


def test_sources_file_loads_with_every_bias_bucket_and_one_unrated_outlet():
    loaded = sources()
    biases = [s.bias for s in loaded.values()]
    assert len(loaded) >= 8
    for bias in (Bias.LEFT, Bias.LEAN_LEFT, Bias.LEAN_RIGHT, Bias.RIGHT):
        assert bias in biases
    assert biases.count(Bias.CENTER) >= 2
    assert biases.count(Bias.UNRATED) == 1
    for source in loaded.values():
        for url in [source.homepage, *source.feeds]:
            parts = urlsplit(url)
            assert parts.scheme == "http" and parts.hostname.endswith(".example"), url
        assert len(source.feeds) == 1


def test_every_homepage_is_served():
    for source in sources().values():
        path = served_file(source.homepage)
        assert path is not None and path.name == "index.html", source.homepage


def test_every_feed_parses_cleanly_and_names_its_authors():
    versions = []
    for feed_url, parsed in feeds().items():
        assert not parsed.bozo, f"{feed_url}: {parsed.get('bozo_exception')}"
        assert parsed.entries, feed_url
        versions.append(parsed.version)
        for entry in parsed.entries:
            assert entry.get("author"), f"{feed_url}: {entry.link} has no author"
            assert entry.get("published_parsed"), f"{feed_url}: {entry.link} has no parsable date"
    assert versions.count("atom10") >= 2
    assert versions.count("rss20") >= 4


def test_feed_links_resolve_to_files_except_the_declared_404():
    for item in feed_items():
        if item.link in not_found_links():
            assert served_file(item.link) is None, f"{item.link} is declared 404 but is served"
        else:
            assert served_file(item.link) is not None, f"{item.link} does not resolve to a file"
    all_links = {i.link for i in feed_items()}
    assert not_found_links() <= all_links, "a declared 404 is not in any feed"


def test_some_feed_links_carry_tracking_parameters_or_fragments():
    links = [i.link for i in feed_items()]
    assert any("utm_source=" in link for link in links)
    assert any("fbclid=" in link for link in links)
    assert any(urlsplit(link).fragment for link in links)


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("item", page_items(), ids=lambda i: i.url)
def test_page_canonical_is_the_feed_link_without_tracking(item: FeedItem):
    canonical = page(item.link).xpath('//link[@rel="canonical"]/@href')
    assert canonical == [item.url]
    assert "?" not in item.url and "#" not in item.url


@pytest.mark.parametrize("item", page_items(), ids=lambda i: i.url)
def test_page_declares_its_published_time_with_an_offset_matching_the_feed(item: FeedItem):
    stated = published_time(page(item.link))
    assert stated is not None and OFFSET.search(stated), f"{item.url}: {stated!r}"
    when = datetime.fromisoformat(stated)
    assert WINDOW[0] <= when <= WINDOW[1], f"{item.url}: {when} outside the sample window"
    assert item.feed_published == when, f"{item.url}: feed says {item.feed_published}, page says {when}"


def test_exactly_one_page_is_saved_in_windows_1252():
    declared = {}
    for item in page_items():
        raw = served_file(item.link).read_bytes()
        match = re.search(rb'<meta[^>]+charset="?([A-Za-z0-9_-]+)', raw)
        declared[item.url] = match.group(1).decode().lower()
        raw.decode(declared[item.url])  # the bytes really are in the declared encoding
    cp1252 = [u for u, charset in declared.items() if charset == "windows-1252"]
    assert len(cp1252) == 1
    raw = served_file(cp1252[0]).read_bytes()
    assert any(b > 0x7F for b in raw)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert set(declared.values()) == {"utf-8", "windows-1252"}


def test_article_markup_mixes_json_ld_opengraph_and_plain_html():
    styles = {"json-ld": 0, "opengraph": 0, "plain": 0}
    for url in article_urls():
        doc = page(url)
        if doc.xpath('//script[@type="application/ld+json"]'):
            styles["json-ld"] += 1
        elif doc.xpath('//meta[@property="og:title"]'):
            styles["opengraph"] += 1
        else:
            assert doc.xpath("//h1") and doc.xpath('//*[contains(@class, "byline")]'), url
            assert doc.xpath("//time[@datetime]") and doc.get("lang") == "en", url
            styles["plain"] += 1
    total = sum(styles.values())
    assert all(count >= total // 4 for count in styles.values()), styles


def test_no_article_pages_have_no_article_text():
    for url in expected()["failures"]["no_article"]:
        doc = page(url)
        longest = max((len(p.text_content().split()) for p in doc.xpath("//main//p")), default=0)
        assert longest <= 20, f"{url} has a paragraph of {longest} words"


# ---------------------------------------------------------------- the expected file


def test_expected_file_covers_every_feed_item_exactly_once():
    exp = expected()
    listed = article_urls() + list(exp["failures"]["no_article"])
    assert len(listed) == len(set(listed)), "a URL is listed twice"
    reachable = {i.url for i in page_items()}
    assert set(listed) == reachable
    unserved = {i.link for i in feed_items()} - {i.link for i in page_items()}
    assert set(exp["failures"]["not_found"]) == unserved


def test_expected_bias_figures_recompute_from_sources():
    for story in expected()["stories"]:
        outlets = {source_of(url) for url in story["articles"]}
        assert sorted(story["outlets"]) == sorted(outlets), story["key"]
        assert len(story["outlets"]) == len(set(story["outlets"])), story["key"]
        counts = dict.fromkeys(SIDES, 0)
        unrated = 0
        for source_id in outlets:
            side = sources()[source_id].side
            if side is None:
                unrated += 1
            else:
                counts[Side(side).value] += 1
        shares = largest_remainder(counts)
        assert story["counts"] == counts, story["key"]
        assert story["bias"] == shares, story["key"]
        assert sum(shares.values()) in (0, 100)
        assert story["unrated"] == unrated, story["key"]
        assert story["blindspot"] == blindspot(counts, shares), story["key"]


def test_largest_remainder_rounding_breaks_ties_left_then_center_then_right():
    assert largest_remainder({"left": 3, "center": 2, "right": 2}) == {"left": 43, "center": 29, "right": 28}
    assert largest_remainder({"left": 1, "center": 1, "right": 1}) == {"left": 34, "center": 33, "right": 33}
    assert largest_remainder({"left": 1, "center": 2, "right": 0}) == {"left": 33, "center": 67, "right": 0}
    assert largest_remainder({"left": 0, "center": 0, "right": 0}) == {"left": 0, "center": 0, "right": 0}


def test_story_articles_lie_within_36_hours():
    for story in expected()["stories"]:
        times = [page_time(url) for url in story["articles"]]
        assert max(times) - min(times) <= STORY_SPAN, story["key"]


def test_sample_covers_the_designed_cases():
    exp = expected()
    stories = exp["stories"]
    assert len(article_urls()) >= 40
    assert len(stories) >= 9 and len(exp["singles"]) >= 5
    assert len({s["key"] for s in stories}) == len(stories)
    assert {s["category"] for s in stories} <= CATEGORIES
    assert len({s["category"] for s in stories}) >= 6
    sizes = [len(s["outlets"]) for s in stories]
    assert sum(5 <= n <= 7 for n in sizes) >= 2
    assert sum(3 <= n <= 4 for n in sizes) >= 2
    assert sizes.count(2) >= 1
    for side in ("left", "right"):
        blind = [s for s in stories if s["blindspot"] == side and s["counts"][side] == 0]
        assert any(sum(s["counts"].values()) >= 3 for s in blind), f"no blindspot for the {side}"
    assert any(s["unrated"] >= 1 for s in stories)
    assert any(len(s["articles"]) > len(s["outlets"]) for s in stories), "no outlet with two articles"
    single_outlets = [source_of(url) for url in exp["singles"]]
    assert len(single_outlets) == len(exp["singles"])
