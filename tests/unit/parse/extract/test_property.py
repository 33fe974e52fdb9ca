"""Property: whatever bytes come in, extraction returns an ExtractedArticle or raises a documented error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdive.model.article import ExtractedArticle
from newsdive.model.errors import NoArticleError, NotHtmlError, PageTooLargeError
from newsdive.parse.extract import extract_article

DOCUMENTED = (NotHtmlError, PageTooLargeError, NoArticleError)

_TAGS = [
    "html",
    "head",
    "body",
    "p",
    "div",
    "article",
    "span",
    "a",
    "h1",
    "h2",
    "script",
    "meta",
    "title",
    "section",
    "br",
    "li",
    "ul",
    "figure",
    "nav",
    "form",
    "table",
    "td",
    "tr",
    "header",
    "footer",
]
_ATTRS = [
    'class="article-body"',
    'id="comments"',
    'class="share"',
    'lang="en_US"',
    'charset="shift_jis"',
    'property="og:title" content="T"',
    'type="application/ld+json"',
    'href="/x"',
    "hidden",
    'style="display:none"',
    'rel="canonical" href="::bad::"',
    'property="article:published_time" content="2020-02-30T25:61"',
    'name="author" content="By , and ,"',
    'content="http://[::1"',
    'itemprop="author"',
]
_JSONLD = [
    '{"@type":"NewsArticle","author":[{"name":null}],"datePublished":12}',
    '{"@graph":[[[]]]}',
    '[{"@type":["Article"],"headline":{"a":1},"image":[[{"url":5}]],"articleBody":"x"}]',
    "{bad json",
]

markup_piece = st.one_of(
    st.sampled_from(_TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(_TAGS).map(lambda t: f"</{t}>"),
    st.tuples(st.sampled_from(_TAGS), st.sampled_from(_ATTRS)).map(lambda ta: f"<{ta[0]} {ta[1]}>"),
    st.sampled_from(_JSONLD),
    st.text(min_size=0, max_size=80),
    st.sampled_from(["&amp;", "&#0;", "&#x110000;", "<!--", "-->", "<![CDATA[", "\x00", "\ufeff", "<?xml ?>"]),
)
html_like = st.lists(markup_piece, max_size=60).map("".join)
encodings = st.sampled_from(["utf-8", "utf-16", "cp1252", "shift_jis", "gb18030", "latin-1"])


def _check(data: bytes, content_type: str | None = None) -> None:
    try:
        result = extract_article(data, content_type=content_type, max_bytes=20_000)
    except DOCUMENTED:
        return
    assert isinstance(result, ExtractedArticle)


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_give_an_article_or_a_documented_error(data: bytes):
    _check(data)


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_like, encodings, st.sampled_from([None, "text/html", "text/html; charset=bogus", "text/plain"]))
def test_arbitrary_html_like_text_gives_an_article_or_a_documented_error(
    text: str, encoding: str, content_type: str | None
):
    _check(text.encode(encoding, "replace"), content_type)


@settings(max_examples=100, database=None, deadline=None)
@given(st.text(min_size=200, max_size=2000), st.sampled_from(["p", "div", "td", "li"]))
def test_any_text_in_an_article_container_is_returned_or_refused_cleanly(text: str, tag: str):
    _check(f"<html><body><article><{tag}>{text}</{tag}></article></body></html>".encode("utf-8", "replace"))
