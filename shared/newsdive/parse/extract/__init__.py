"""Article extraction: HTML bytes -> ExtractedArticle (metadata + clean body paragraphs).

Structured data first (JSON-LD, OpenGraph, meta tags, microdata), then a DOM scorer on lxml for the body.
Imports only lxml and the stdlib at module load: the parse Lambda imports this at cold start.
"""

from __future__ import annotations

from lxml import etree

from newsdive.language.guess import guess_language, looks_english
from newsdive.model.article import ExtractedArticle
from newsdive.model.errors import NoArticleError, PageTooLargeError

from ._body import extract_paragraphs
from ._dates import in_country, visible_datetime
from ._decode import check_content_type, decode
from ._meta import Metadata, extract_metadata
from ._text import norm, unescape

__all__ = ["extract_article", "page_metadata", "MIN_ARTICLE_CHARS"]

# Below this much body text a page is a stub, a login wall or a gallery, not an article.
MIN_ARTICLE_CHARS = 150
# Han, kana and hangul carry about a word per character or two: they count three times. They are the
# three-byte UTF-8 sequences led by 0xE3..0xED (U+3000..U+DFFF); counting lead bytes avoids a regex whose
# character class takes ~10 ms to compile at cold start.
_DENSE_LEADS = tuple(bytes([lead]) for lead in range(0xE3, 0xEE))


def _weight(paragraphs: list[str]) -> int:
    total = 0
    for p in paragraphs:
        total += len(p)
        if not p.isascii():
            encoded = p.encode("utf-8", "replace")
            total += 2 * sum(encoded.count(lead) for lead in _DENSE_LEADS)
    return total


_PARSER = etree.HTMLParser(  # type: ignore[call-arg]  # lxml-stubs lack default_doctype
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    default_doctype=False,
    no_network=True,
    huge_tree=False,
)

_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])


def _parse(text: str) -> etree._Element:
    try:
        # lxml refuses XML-incompatible control characters in text set later: drop them (bytes < 0x20 never
        # occur inside UTF-8 multi-byte sequences, so deleting them byte-wise is safe and fast).
        data = text.encode("utf-8", "replace").translate(None, _CONTROL_BYTES)
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise NoArticleError(f"unparseable HTML: {exc}") from exc
    if root is None:
        raise NoArticleError("empty document")
    return root


def _confirm_with_structured(paragraphs: list[str], article_body: str) -> list[str]:
    """Drop short DOM paragraphs that the publisher's own JSON-LD articleBody does not contain.

    Only when that articleBody is complete, i.e. it holds (nearly) all the long paragraphs found in the DOM:
    a truncated or teaser articleBody confirms nothing.
    """
    ref = unescape(article_body).casefold()
    long = [p for p in paragraphs if len(p) >= 150]
    if len(long) < 2:
        return paragraphs
    found = sum(1 for p in long if p[:60].casefold() in ref)
    if found < 0.9 * len(long):
        return paragraphs
    return [p for p in paragraphs if len(p) >= 200 or p[:60].casefold() in ref]


def _body_from_structured(md: Metadata) -> list[str]:
    lines = [norm(line) for line in md.article_body.replace("\r", "\n").split("\n")]
    return [line for line in lines if line]


def extract_article(
    html: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    max_bytes: int = 5_000_000,
    country: str | None = None,
) -> ExtractedArticle:
    """Extract metadata and body text from one HTML page.

    `country` (ISO 3166-1, the outlet's) places a publication time stated without an offset: in the markup, or
    shown on a page whose markup states none (read in the page's language, `_dates.visible_datetime`).

    Raises NotHtmlError (non-HTML bytes or content type), PageTooLargeError (over max_bytes) or
    NoArticleError (HTML that carries no article), and nothing else.
    """
    if len(html) > max_bytes:
        raise PageTooLargeError(f"page of {len(html)} bytes exceeds the cap of {max_bytes}")
    check_content_type(content_type)
    text = decode(bytes(html), content_type)
    root = _parse(text)
    md = extract_metadata(root, url)
    body = root.find("body")
    if body is None:
        body = root
    paragraphs, stats = extract_paragraphs(body)
    if len(md.article_body) >= 500:
        paragraphs = _confirm_with_structured(paragraphs, md.article_body)
    if md.title:
        title_key = md.title.casefold()
        paragraphs = [p for p in paragraphs if p.casefold() != title_key]
    total = _weight(paragraphs)
    if total < MIN_ARTICLE_CHARS and len(md.article_body) >= MIN_ARTICLE_CHARS:
        paragraphs = _body_from_structured(md)
        total = _weight(paragraphs)
    if total < MIN_ARTICLE_CHARS:
        raise NoArticleError(f"only {total} characters of body text")
    if not md.is_article and (md.is_listing or stats["link_headings"] >= 4):
        raise NoArticleError("an index page: link headlines, no article")
    language = md.language
    sample = " ".join(paragraphs[:20])
    if language is None:
        language = guess_language(sample)
    elif language.startswith("en") and not looks_english(sample):
        # Templates declare lang="en" on pages of every language; overrule it only on a clear verdict.
        guess = guess_language(sample, min_share=0.04)
        if guess is not None and guess != "en":
            language = guess
    published = md.published_at
    if published is None:
        shown = md.published_naive or visible_datetime(md.date_texts, language)
        published = in_country(shown, country) if shown is not None else None
    return ExtractedArticle(
        title=md.title,
        authors=md.authors,
        published_at=published,
        modified_at=md.modified_at,
        language=language,
        canonical_url=md.canonical_url,
        image=md.image,
        section=md.section,
        description=md.description,
        site_name=md.site_name,
        paragraphs=paragraphs,
    )


def page_metadata(html: bytes, *, url: str | None = None, content_type: str | None = None,
                  country: str | None = None) -> ExtractedArticle:
    """The page's metadata without a body (title, authors, times, language, canonical URL, image, section,
    description), read as `extract_article` reads it: for a page that carries no article text but still stands
    for one (a paywall teaser, a script-rendered shell), so what it is about and when is not lost with the body.

    Raises NotHtmlError; nothing else."""
    check_content_type(content_type)
    root = _parse(decode(bytes(html), content_type))
    md = extract_metadata(root, url)
    language = md.language or guess_language(f"{md.title}. {md.description or ''}")
    published = md.published_at
    if published is None:
        shown = md.published_naive or visible_datetime(md.date_texts, language)
        published = in_country(shown, country) if shown is not None else None
    return ExtractedArticle(title=md.title, authors=md.authors, published_at=published, modified_at=md.modified_at,
                            language=language, canonical_url=md.canonical_url, image=md.image, section=md.section,
                            description=md.description, site_name=md.site_name)
