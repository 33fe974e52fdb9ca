"""Feed and sitemap parsing on our own fixtures (tests/fixtures/feeds); the feeds bench on a tiny dataset."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdive.model.errors import FeedParseError, is_permanent
from newsdive.scrape import feeds as feeds_module
from newsdive.scrape.feeds import discover_feeds, html_to_text, parse_date, parse_feed
from newsdive_tools.bench import feeds as bench

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- RSS / Atom / RDF ------------------------------------------------------------------------------------


def test_rss2_items_fields_and_skipped_linkless_items() -> None:
    feed = parse_feed(fixture("rss2.xml"), url="https://gazette.example/feeds/main.xml",
                      content_type="application/rss+xml")
    assert (feed.kind, feed.title, feed.link, feed.language) == (
        "rss", "The Harbour Gazette", "https://gazette.example/", "en-gb")
    assert [i.title for i in feed.items] == [
        "Ferry timetable changes & new <winter> routes",  # escaped markup in a text title stays text
        "Council votes on the lighthouse",
        "Storm warning lifted",
    ]  # the item without a link and the mailto: one are skipped
    first, second, third = feed.items
    assert first.url == "https://gazette.example/news/2024/ferry-timetable?utm_source=rss&utm_medium=feed&id=7"
    assert first.canonical_url == "https://gazette.example/news/2024/ferry-timetable?id=7"
    assert first.guid == "gazette-1001" and first.language == "en-gb"
    assert second.canonical_url == "https://gazette.example/news/2024/lighthouse-vote"


def test_rss2_dates_with_offsets_are_correct_utc_instants() -> None:
    feed = parse_feed(fixture("rss2.xml"), url="https://gazette.example/feed")
    assert [i.published_at for i in feed.items] == [
        utc(2024, 3, 5, 7, 30),  # 09:30 +0200
        utc(2024, 3, 5, 4, 15),  # 23:15 -0500 the day before
        utc(2024, 3, 3, 23, 0),  # 18:00 EST
    ]
    assert all(i.published_at.utcoffset().total_seconds() == 0 for i in feed.items)  # type: ignore[union-attr]


def test_rss2_authors_and_plain_text_summaries() -> None:
    first, second, third = parse_feed(fixture("rss2.xml"), url="https://gazette.example/feed").items
    assert first.authors == ("Ada Lindqvist",)
    assert second.authors == ("Bruno Okafor",)  # "editor@gazette.example (Bruno Okafor)"
    assert third.authors == ()  # a bare address is not a name
    assert first.summary == "The harbour board published its winter plan. Café owners & fishers welcome it."
    assert "alert" not in first.summary
    assert third.summary == "The coastguard lifted the amber warning at noon."  # from content:encoded


def test_atom_feed_with_xml_base_inherited_authors_and_offsets() -> None:
    feed = parse_feed(fixture("atom.xml"), url="https://alpenbote.example/feed.atom")
    assert (feed.kind, feed.title, feed.language) == ("atom", "Der Alpenbote", "de-de")
    first, second = feed.items
    assert first.url == "https://alpenbote.example/lokal/seilbahn-eroeffnet"
    assert first.title == "Neue Seilbahn eröffnet"  # type="html" title: markup removed
    assert first.published_at == utc(2024, 3, 5, 7, 0)
    assert first.authors == ("Greta Huber", "Jonas Pichler")
    assert first.summary == "Die Bahn fährt ab Montag."
    assert second.published_at == utc(2024, 3, 5, 2, 0)  # updated 22:30 -03:30
    assert second.authors == ("Redaktion Alpenbote",)  # the feed's author, as RFC 4287 says
    assert second.summary == "Warme Fallwinde erwartet."


def test_rdf_feed() -> None:
    feed = parse_feed(fixture("rdf.xml"), url="https://lab-notes.example/rss")
    assert (feed.kind, feed.title, feed.language) == ("rdf", "Lab Notes Weekly", "en")
    (item,) = feed.items
    assert item.url == "https://lab-notes.example/notes/42"
    assert item.published_at == utc(2024, 2, 29, 11, 15)  # 16:45 +05:30
    assert item.authors == ("Petrova, M.",)


def test_feed_without_items_is_an_empty_feed_not_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(body, url="https://quiet.example/rss")
    assert (feed.kind, feed.title, feed.items) == ("rss", "Quiet", ())


# --- encodings -------------------------------------------------------------------------------------------


def test_declared_latin1_feed() -> None:
    feed = parse_feed(fixture("latin1.xml"), url="https://ribeira.example/rss")
    assert feed.title == "Gazeta da Ribeira - Últimas Notícias"
    assert feed.items[0].title == "Câmara aprova orçamento para a praça"
    assert feed.items[0].summary == "A votação terminou com aplausos."


@pytest.mark.parametrize("content_type", [None, "text/xml", "application/rss+xml", "text/xml; charset=utf-8"])
def test_undeclared_latin1_feed_is_not_mojibake(content_type: str | None) -> None:
    feed = parse_feed(fixture("latin1_undeclared.xml"), url="https://folhadovale.example/rss",
                      content_type=content_type)
    (item,) = feed.items
    assert item.title == "Eleição municipal: votação começa às 8h"
    assert "\ufffd" not in item.title + item.summary + feed.title
    # "Seg, 24 Set 2018 19:42:40 -0300": Portuguese day and month names
    assert item.published_at == utc(2018, 9, 24, 22, 42, 40)


@pytest.mark.parametrize("content_type", [None, "text/xml", "application/xml; charset=windows-1251"])
def test_windows_1251_feed(content_type: str | None) -> None:
    feed = parse_feed(fixture("cp1251.xml"), url="https://vestnik.example/rss", content_type=content_type)
    assert feed.title == "Вестник Приречья"
    (item,) = feed.items
    assert item.title == "На набережной открыли новый сквер"
    assert item.summary == "Горожане посадили сорок лип."
    assert item.published_at == utc(2014, 1, 22, 14, 31, 31)  # 20:31:31 +0600


def test_gzip_compressed_and_bom_prefixed_feeds() -> None:
    plain = parse_feed(fixture("rss2.xml"), url="https://gazette.example/feed")
    assert parse_feed(gzip.compress(fixture("rss2.xml")), url="https://gazette.example/feed") == plain
    assert parse_feed(b"\xef\xbb\xbf" + fixture("rss2.xml"), url="https://gazette.example/feed") == plain
    text = fixture("rss2.xml").decode("utf-8")
    utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert parse_feed(utf16, url="https://gazette.example/feed").items == plain.items


def test_gzip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds_module, "MAX_DECOMPRESSED", 100_000)
    with pytest.raises(FeedParseError, match="inflates"):
        parse_feed(gzip.compress(b"<rss>" + b" " * 1_000_000), url="https://x.example/rss")


# --- sitemaps --------------------------------------------------------------------------------------------


def test_sitemap() -> None:
    feed = parse_feed(fixture("sitemap.xml"), url="https://gazette.example/sitemap.xml")
    assert feed.kind == "sitemap"
    assert [(i.url, i.published_at) for i in feed.items] == [
        ("https://gazette.example/news/2024/ferry-timetable", utc(2024, 3, 5, 7, 30)),
        ("https://gazette.example/about", utc(2023, 11, 1)),
        ("https://gazette.example/news/2024/relative-entry", None),
    ]  # the ftp: entry is skipped


def test_gzipped_sitemap() -> None:
    feed = parse_feed(gzip.compress(fixture("sitemap.xml")), url="https://gazette.example/sitemap.xml.gz",
                      content_type="application/x-gzip")
    assert feed.kind == "sitemap" and len(feed.items) == 3


def test_sitemap_index() -> None:
    feed = parse_feed(fixture("sitemap_index.xml"), url="https://gazette.example/sitemap_index.xml")
    assert (feed.kind, feed.items) == ("sitemap-index", ())
    assert feed.sitemaps == ("https://gazette.example/sitemaps/news.xml",
                             "https://gazette.example/sitemaps/archive-2023.xml.gz",
                             "https://gazette.example/sitemaps/pages.xml")
    assert feed.sitemap_dates == (utc(2024, 3, 5), None, None)
    assert feed.newest_sitemaps(2) == ["https://gazette.example/sitemaps/news.xml",
                                       "https://gazette.example/sitemaps/archive-2023.xml.gz"]


def test_google_news_sitemap() -> None:
    feed = parse_feed(fixture("news_sitemap.xml"), url="https://gazette.example/news-sitemap.xml")
    assert (feed.kind, feed.title) == ("news-sitemap", "The Harbour Gazette")
    first, second = feed.items
    assert (first.title, first.language, first.published_at) == (
        "Ferry timetable changes & new routes", "en", utc(2024, 3, 5, 7, 30))
    assert (second.title, second.language, second.published_at) == (
        "Nouveaux horaires du ferry", "fr", utc(2024, 3, 5))


def test_sitemap_parser_does_not_read_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            '<url><loc>https://x.example/&xxe;</loc></url></urlset>').encode()
    feed = parse_feed(body, url="https://x.example/sitemap.xml")
    assert all("TOP-SECRET" not in i.url for i in feed.items)


def test_feed_parser_does_not_read_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><title>t &xxe;</title><item><title>a &xxe;</title>'
            '<link>https://x.example/a</link></item></channel></rss>').encode()
    feed = parse_feed(body, url="https://x.example/rss")
    assert [i.url for i in feed.items] == ["https://x.example/a"]
    assert "TOP-SECRET" not in feed.title + "".join(i.title + i.summary for i in feed.items)


def test_entity_expansion_bomb_is_not_expanded() -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "lol">{lol}]>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            '<url><loc>https://x.example/&l9;</loc></url></urlset>').encode()
    started = time.monotonic()
    feed = parse_feed(body, url="https://x.example/sitemap.xml")
    assert [i.url for i in feed.items] == ["https://x.example/"]  # the reference is left unexpanded
    assert time.monotonic() - started < 2.0


# --- not feeds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    fixture("broken.xml"),
    fixture("homepage.html"),
    b"",
    b"   \n",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
    b"%PDF-1.7 binary stuff",
    gzip.compress(b"<html><body>compressed page</body></html>"),
    b"\x1f\x8b but not gzip",
    b"<rss><channel><title>&#99999999;</title></channel></rss>",  # feedparser's chr() fails on it
    b'<rss version="2.0"><channel><item><title>&#99999999;</title><link>https://x.example/a</link></item></item>'
    b"</channel></rss>",
])
def test_documents_that_are_not_feeds_raise(body: bytes) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, url="https://x.example/feed")
    assert is_permanent(caught.value)


def test_body_naming_a_local_file_is_parsed_as_text_not_opened(tmp_path: Path) -> None:
    # feedparser opens a bytes argument as a file name when such a file exists: the body must never be a path.
    local = tmp_path / "local-feed.xml"
    local.write_bytes(fixture("rss2.xml"))
    with pytest.raises(FeedParseError):
        parse_feed(str(local).encode(), url="https://x.example/feed")


# --- helpers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("html, text", [
    ("<p>One</p><p>Two&nbsp;&amp; three</p>", "One Two\u00a0& three".replace("\u00a0", " ")),
    ("Plain &eacute;t&eacute;", "Plain été"),
    ("<div>a<br>b</div><script>var x = 1;</script><style>p{}</style>", "a b"),
    ("no markup  at\n all", "no markup at all"),
    ("", ""),
    (None, ""),
])
def test_html_to_text(html: str | None, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize("text, instant", [
    ("2024-03-05T09:30:00+02:00", utc(2024, 3, 5, 7, 30)),
    ("2024-03-05T07:30:00Z", utc(2024, 3, 5, 7, 30)),
    ("2024-03-05T07:30:00.250Z", datetime(2024, 3, 5, 7, 30, 0, 250000, tzinfo=UTC)),
    ("2024-03-05", utc(2024, 3, 5)),
    ("Tue, 05 Mar 2024 09:30:00 +0200", utc(2024, 3, 5, 7, 30)),
    ("Tue, 05 Mar 2024 02:30:00 EST", utc(2024, 3, 5, 7, 30)),
    ("mer, 16 nov 2022 00:38:15 +0100", utc(2022, 11, 15, 23, 38, 15)),
    ("Qui, 07 Mar 2024 10:00:00 -0300", utc(2024, 3, 7, 13, 0)),
    ("Di, 05 Dez 2023 10:00:00 +0100", utc(2023, 12, 5, 9, 0)),
    ("not a date", None),
    ("", None),
])
def test_parse_date(text: str, instant: datetime | None) -> None:
    assert parse_date(text) == instant


def test_discover_feeds_from_a_homepage() -> None:
    found = discover_feeds(fixture("homepage.html"), "https://www.gazette.example/index.html")
    assert found == ["https://gazette.example/feed.xml", "https://gazette.example/atom.xml",
                     "https://gazette.example/comments/feed.xml"]  # <base href>, deduplicated, comments last
    assert discover_feeds(fixture("homepage.html"), "https://www.gazette.example/", comments=False) == [
        "https://gazette.example/feed.xml", "https://gazette.example/atom.xml"]
    assert discover_feeds(b"", "https://x.example/") == []
    assert discover_feeds(b"<html><head><title>none</title></head></html>", "https://x.example/") == []


# --- the feeds bench -------------------------------------------------------------------------------------


def _dataset(root: Path) -> Path:
    (root / "proj" / "input").mkdir(parents=True)
    (root / "proj" / "expected-output").mkdir()
    (root / "proj" / "input" / "gazette.rss").write_bytes(fixture("rss2.xml"))
    (root / "proj" / "input" / "vestnik.xml").write_bytes(gzip.compress(fixture("cp1251.xml")))
    expected = {"feed": {"items": [
        {"title": "Ferry timetable changes & new <winter> routes",
         "link": "https://gazette.example/news/2024/ferry-timetable?utm_source=rss&utm_medium=feed&id=7",
         "creator": "Ada Lindqvist", "isoDate": "2024-03-05T07:30:00.000Z"},
        {"title": "Council votes on the \ufffdighthouse", "link": "https://gazette.example/wrong-link",
         "isoDate": "2024-03-05T04:15:00.000Z"},
    ]}}
    (root / "proj" / "expected-output" / "gazette.json").write_text(json.dumps(expected), encoding="utf-8")
    (root / "SOURCE.md").write_text("| file | items |\n| --- | --- |\n| `proj/input/gazette.rss` | 3 |\n"
                                    "| `proj/input/vestnik.xml` | 2 |\n", encoding="utf-8")
    return root


def test_feeds_bench_prints_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _dataset(tmp_path)
    assert bench.main(["--dataset", str(root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_file = {f["file"]: f for f in report["feeds"]}
    gazette, vestnik = by_file["proj/input/gazette.rss"], by_file["proj/input/vestnik.xml"]
    assert (gazette["items"], gazette["expected_items"]) == (3, 3)
    assert (vestnik["items"], vestnik["expected_items"]) == (1, 2)
    # the relative link in the feed matches the expected absolute one because the bench re-bases it on the
    # feed's site link (the saved file has no fetch URL)
    assert gazette["compared"] == {"title": 2, "link": 2, "author": 1, "date": 2}
    assert gazette["correct"] == {"title": 2, "link": 1, "author": 1, "date": 2}
    assert report["totals"]["item_count_matches"] == 1
    assert report["totals"]["peer_feedparser"]["feeds_failed"] == 1  # plain feedparser cannot read gzip

    assert bench.main(["--dataset", str(root)]) == 0
    table = capsys.readouterr().out
    assert "proj/input/gazette.rss" in table and "fields correct vs expected output" in table


def test_feeds_bench_without_dataset_exits_cleanly(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--dataset", str(tmp_path / "missing")]) == 0
    assert "not found" in capsys.readouterr().out


def test_broken_links_and_control_characters_cost_one_item_not_the_feed() -> None:
    """Found by fuzzing the parser: a malformed IPv6 host made urljoin raise, and a NUL byte in a summary made
    lxml raise, both out of parse_feed."""
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
            b"<item><title>Broken host</title><link>http://[::1/a</link></item>"
            b"<item><title>Good</title><link>https://paper.example/good</link>"
            b"<description>Lead &amp; more\x00 text</description></item>"
            b'<item><title>Sitemap-ish</title><link>https://[not-an-ip]/x</link></item>'
            b"</channel></rss>")
    feed = parse_feed(body, url="https://paper.example/feed")
    assert [item.url for item in feed.items] == ["https://paper.example/good"]
    assert feed.items[0].summary == "Lead & more text"
    sitemap = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               b"<url><loc>http://[::1</loc></url><url><loc>https://paper.example/b</loc></url></urlset>")
    assert [item.url for item in parse_feed(sitemap, url="https://paper.example/sitemap.xml").items] == [
        "https://paper.example/b"]



def test_discovery_skips_malformed_links_and_ignores_a_malformed_base() -> None:
    html = (b'<html><head><base href="http://[::1/"><link rel="alternate" type="application/rss+xml" '
            b'href="http://[x/feed"><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>')
    assert discover_feeds(html, "https://paper.example/") == ["https://paper.example/rss.xml"]

# --- property: any feed-like document parses or fails with FeedParseError ---------------------------------

_FEED_FIXTURES = ("rss2.xml", "atom.xml", "rdf.xml", "sitemap.xml", "news_sitemap.xml", "latin1.xml")
_PIECES = [b"&#99999999;", b"&#x110000;", b"&#0;", b"\x00", b"<![CDATA[", b"]]>", b"<", b">", b"&", b"&amp",
           b"<item>", b"</item>", b"<entry>", b"<link>", b"</link>", b"<link>http://[::1</link>",
           b'<link href="http://["/>', b"<loc>http://[x</loc>", b"<pubDate>99999-99-99</pubDate>",
           b"<updated>0000-00-00T99:99</updated>", b'xml:base="http://[::1"', b"<author>\x01</author>",
           b"<description>a\x00b &lt;p&gt;c</description>", b"\xff\xfe", b'<?xml version="1.0" encoding="bogus"?>']


# derandomize: the same examples in every run, so CI cannot fail on a new random find (run it with
# derandomize=False and more examples to explore; that is how the cases in the test above were found).
@settings(max_examples=250, database=None, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_FEED_FIXTURES),
       st.lists(st.tuples(st.floats(0, 1), st.one_of(st.sampled_from(_PIECES), st.binary(max_size=6)),
                          st.integers(0, 6)), min_size=1, max_size=6))
def test_a_damaged_feed_parses_or_raises_feed_parse_error(name: str, edits: list[tuple[float, bytes, int]]) -> None:
    body = fixture(name)
    for where, piece, cut in edits:
        at = int(where * len(body))
        body = body[:at] + piece + body[at + cut:]
    try:
        feed = parse_feed(body, url="https://paper.example/feed")
    except FeedParseError:
        return
    assert all(item.url.startswith(("http://", "https://")) for item in feed.items)
