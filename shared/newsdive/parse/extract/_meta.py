"""Metadata from structured data first (JSON-LD, OpenGraph, meta tags, microdata), then the DOM."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsdive.parse.extract._authors import PARENS, _shown_bylines, clean_authors, dom_authors
from newsdive.parse.extract._jsonld import _names, first_str, image_url, jsonld_nodes, types
from newsdive.parse.extract._title import choose_title, domain_names, title_by_rule

from ._dates import aware, parse_datetime
from ._outlets import rule_for
from ._text import elements, norm, text_of, unescape

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "askpublicnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "socialmediaposting",
    "posting",
    "review",
    "satiricalarticle",
    "advertisercontentarticle",
    "medicalscholarlyarticle",
    "discussionforumposting",
    "creativework",
}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage", "medicalwebpage", "aboutpage", "profilepage"}


@dataclass
class Metadata:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    section: str | None = None
    description: str | None = None
    site_name: str | None = None
    article_body: str = ""
    published_naive: datetime | None = None  # a markup time without an offset, for the outlet's country to place
    date_texts: list[str] = field(default_factory=list)  # short shown texts with a year, when markup has no date
    is_article: bool = False  # structured data or og:type says this page is an article
    is_listing: bool = False  # structured data says this is a collection / index page


# --- language --------------------------------------------------------------------------------------
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{4}))?(?:[-_]([a-zA-Z]{2}|\d{3}))?(?:[-_.].*)?$")


# ISO 639-2/3 codes news pages use where no two-letter code exists ("utf-8" must not read as a language).
_THREE_LETTER = {
    "fil",
    "ceb",
    "yue",
    "haw",
    "gsw",
    "nds",
    "ast",
    "kab",
    "hsb",
    "dsb",
    "sco",
    "zza",
    "ckb",
    "fur",
    "lij",
    "lmo",
    "nap",
    "scn",
    "vec",
    "bar",
    "pam",
    "war",
    "ilo",
    "hil",
    "bcl",
    "mni",
    "sat",
}


def bcp47(value: str | None) -> str | None:
    """'en_US' -> 'en-US', 'DE' -> 'de', 'zh-hans-cn' -> 'zh-Hans-CN'; None for anything unusable."""
    if not value:
        return None
    m = _LANG.match(value.strip().split(",")[0].strip())
    if not m:
        return None
    lang, script, region = m.groups()
    lang = lang.lower()
    if lang in ("xx", "und", "mul", "zxx") or len(lang) == 3 and lang not in _THREE_LETTER:
        return None
    tag = lang
    if script:
        tag += "-" + script.title()
    if region:
        tag += "-" + region.upper()
    return tag


# --- helpers ---------------------------------------------------------------------------------------
def absolute_url(value: str | None, base: str | None) -> str | None:
    """An absolute http(s) URL (resolved against the page URL), or None."""
    value = norm(value)
    if not value or len(value) > 2048 or value.startswith(("data:", "javascript:")):
        return None
    try:
        resolved = urljoin(base or "", value) if base else value
        if resolved.startswith("//"):
            resolved = "https:" + resolved
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or len(resolved) > 2048:
        return None
    if any(ch.isspace() for ch in resolved):
        resolved = resolved.replace(" ", "%20")
        if any(ch.isspace() for ch in resolved):
            return None
    return resolved


# --- main ------------------------------------------------------------------------------------------
def _meta_map(tree: etree._Element) -> dict[str, list[str]]:
    """Every <meta> keyed by its lowercased name/property/itemprop/http-equiv, values in document order."""
    out: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None:
            content = meta.get("value")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                out.setdefault(key.strip().lower(), []).append(content)
    return out


def _pick_article_node(nodes: list[dict], url: str | None) -> dict | None:
    articles = [
        n for n in nodes if types(n) & ARTICLE_TYPES and not (types(n) & {"creativework"} and len(types(n)) == 1)
    ]
    if not articles:
        return None
    if len(articles) == 1:
        return articles[0]

    def score(node: dict) -> tuple[int, int]:
        s = 0
        for key in ("url", "mainEntityOfPage", "@id"):
            if url and first_str(node.get(key)).rstrip("/").split("#")[0] == url.rstrip("/"):
                s += 4
        if node.get("articleBody"):
            s += 2
        if node.get("headline"):
            s += 1
        if node.get("datePublished"):
            s += 1
        return (s, len(str(node.get("articleBody") or "")))

    return max(articles, key=score)


def _resolve(value: Any, by_id: dict[str, dict]) -> Any:
    """JSON-LD references ({"@id": ...}, as Yoast writes authors) replaced by the nodes they name."""
    if isinstance(value, list):
        return [_resolve(v, by_id) for v in value[:30]]
    if isinstance(value, dict) and "name" not in value and isinstance(value.get("@id"), str):
        return by_id.get(value["@id"], value)
    return value


def _dom_dates(tree: etree._Element) -> list[str]:
    """Publication times marked in the page body: <time pubdate>, itemprop, else the first <time datetime>."""
    first = None
    for el in tree.iter("time"):
        value = el.get("datetime")
        if not value:
            continue
        if el.get("pubdate") is not None or el.get("itemprop") == "datePublished":
            return [value]
        if first is None and "T" in value or first is None and ":" in value:
            first = value
    for el in elements(tree, '//*[@itemprop="datePublished"]'):
        return [el.get("content") or el.get("datetime") or text_of(el)]
    return [first] if first else []


_NOT_SHOWN = frozenset(("script", "style", "noscript", "template", "option", "head", "title"))
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _shown_date_texts(tree: etree._Element, limit: int = 12) -> list[str]:
    """Short texts shown on the page that carry a year: where a page without date markup prints its date.
    Those after the first <h1> come first (the article's own line), then those before it."""
    body = tree.find(".//body")
    if body is None:
        return []
    after: list[str] = []
    before: list[str] = []
    seen_h1 = False
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "h1":
            seen_h1 = True
        if el.tag in _NOT_SHOWN or any(a.tag in _NOT_SHOWN for a in el.iterancestors()):
            continue
        for raw in (el.text, el.tail):
            text = norm(raw) if raw else ""
            if 6 <= len(text) <= 80 and _HAS_YEAR.search(text):
                (after if seen_h1 else before).append(text)
        if len(after) >= limit:
            break
    return (after + before)[:limit]


def _pick_time(candidates: list[datetime], others: list[datetime]) -> datetime | None:
    """The first candidate with an offset; else a naive one given the offset another page date states."""
    for value in candidates:
        if aware(value) is not None:
            return value
    known = next((aware(v) for v in others if aware(v) is not None), None)
    if known is not None and candidates and isinstance(known.tzinfo, timezone):
        return aware(candidates[0], known.tzinfo)
    return None


_SECTION_KEYS = (
    "article:section",
    "og:article:section",
    "parsely-section",
    "section",
    "cxenseparse:section",
    "sailthru.section",
)
# Tags some outlets name their section in only (Hankook Ilbo: `content_category`; Marfeel sites: `mrf:sections`),
# read after the usual ones and the JSON-LD articleSection: they are less standard and some hold lists.
_FALLBACK_SECTION_KEYS = (
    "og:section",
    "prism.section",
    "content_category",
    "category",
    "mrf:sections",
    "mrf:section",
)
_SECTION_LIST = re.compile(r"\s*[;,|]\s*")


def _first_section(value: str) -> str:
    """The first name of a section tag that may list several ("Politik;Inland")."""
    return next((part for part in _SECTION_LIST.split(value) if part), "")


def _section(meta: dict[str, list[str]], art: dict) -> tuple[str | None, set[str]]:
    """The page's section: the usual tags, else JSON-LD articleSection, else the fallback tags; and every section
    name the page's tags give (casefolded), which its title may carry after a dash ("Headline-정치")."""
    usual = [unescape(v) for key in _SECTION_KEYS for v in meta.get(key, ())]
    fallback = [unescape(v) for key in _FALLBACK_SECTION_KEYS for v in meta.get(key, ())]
    section = (
        next(filter(None, usual), "")
        or unescape(first_str(art.get("articleSection")))
        or _first_section(next(filter(None, fallback), ""))
        or None
    )
    names = {
        name.casefold()
        for value in (section or "", *usual, *fallback)
        for name in _SECTION_LIST.split(norm(value))
        if name and len(name) < 40
    }
    return section, names


# Complex on purpose: one field after another, each source in priority order.
def extract_metadata(tree: etree._Element, url: str | None) -> Metadata:  # noqa: C901
    md = Metadata()
    meta = _meta_map(tree)

    def m(*keys: str) -> str:
        for key in keys:
            for value in meta.get(key, ()):
                v = unescape(value)
                if v:
                    return v
        return ""

    nodes = jsonld_nodes(tree)
    art = _pick_article_node(nodes, url) or {}
    page = next((n for n in nodes if types(n) & _PAGE_TYPES), {})
    org = next((n for n in nodes if types(n) & {"newsmediaorganization", "organization"}), {})
    website = next((n for n in nodes if "website" in types(n)), {})

    og_type = m("og:type").lower()
    md.is_article = (
        bool(art)
        or og_type in ("article", "news", "newsarticle", "blog", "blogposting")
        or bool(m("article:published_time"))
    )
    md.is_listing = (
        not art
        and bool(nodes)
        and any(types(n) & {"collectionpage", "itemlist"} for n in nodes)
        and og_type not in ("article",)
    )

    # site name
    publisher = art.get("publisher") if isinstance(art.get("publisher"), (dict, list, str)) else None
    md.site_name = (
        m("og:site_name", "application-name", "twitter:site")
        or unescape(first_str(publisher))
        or unescape(first_str(org.get("name")))
        or unescape(first_str(website.get("name")))
        or None
    )
    if md.site_name and md.site_name.startswith("@"):
        md.site_name = md.site_name[1:] or None
    outlets = {
        s.casefold()
        for s in (
            md.site_name,
            first_str(publisher),
            first_str(org.get("name")),
            first_str(website.get("name")),
        )
        if s
    }
    outlets |= {
        norm(PARENS.sub(" ", p)).casefold()
        for p in meta.get("publisher", []) + meta.get("copyright", [])
        if p and len(p) < 80
    }
    named = set(outlets)  # the names the page gives its outlet (domain labels are added below)
    outlets |= domain_names(url)

    # canonical URL
    canonical = None
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            canonical = link.get("href")
            break
    md.canonical_url = (
        absolute_url(canonical, url)
        or absolute_url(m("og:url"), url)
        or absolute_url(first_str(art.get("url")), url)
        or absolute_url(first_str(art.get("mainEntityOfPage")), url)
    )
    outlets |= domain_names(md.canonical_url)

    # section (before the title: a title may carry it after a dash, "Headline-정치")
    md.section, sections = _section(meta, art)

    # title
    title_el = tree.find(".//title")
    html_title = unescape(text_of(title_el)) if title_el is not None else ""
    h1 = ""
    for el in tree.iter("h1"):
        h1 = norm(text_of(el))
        if h1:
            break
    headline = unescape(first_str(art.get("headline"))) or unescape(first_str(art.get("name")))
    sites = set(outlets)
    if md.site_name:
        sites.add(md.site_name.casefold())
    title_sources = {
        "jsonld:headline": headline,
        "og:title": m("og:title"),
        "h1": h1,
        "twitter:title": m("twitter:title", "dc.title", "title", "headline"),
        "meta:title": m("title"),
        "title": html_title,
    }
    joined = named | sections
    md.title = title_by_rule(rule_for(url, md.canonical_url), title_sources, sites, joined) or choose_title(
        title_sources, sites, joined
    )
    if (
        h1
        and md.title != h1
        and h1.casefold().startswith(md.title.casefold()[:-3] or "\0")
        and len(h1) < len(md.title) + 40
        and md.title.endswith(("...", "…"))
    ):
        md.title = h1  # a truncated social title: the page's own heading is the full one

    # authors
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and "name" in n}
    md.authors = clean_authors(
        [
            name
            for name, is_org in _names(_resolve(art.get("author"), by_id)) + _names(_resolve(art.get("creator"), by_id))
            if not is_org
        ],
        outlets,
    )
    if not md.authors:
        for key in (
            "author",
            "article:author",
            "parsely-author",
            "sailthru.author",
            "dc.creator",
            "byl",
            "dcterms.creator",
            "cxenseparse:author",
            "og:article:author",
        ):
            md.authors = clean_authors(meta.get(key, []), outlets)
            if md.authors:
                break
    if not md.authors:
        md.authors = clean_authors(dom_authors(tree), outlets)
    shown_bylines = not md.authors  # read once the page's language is known, below

    # dates
    published_raw = [
        art.get("datePublished"),
        art.get("dateCreated"),
        m("article:published_time"),
        m(
            "og:article:published_time",
            "published_time",
            "pubdate",
            "publishdate",
            "date",
            "dc.date.issued",
            "dc.date",
            "dcterms.created",
            "dcterms.date",
            "sailthru.date",
            "parsely-pub-date",
            "datepublished",
            "article.published",
            "publish-date",
            "citation_date",
            "originalpublicationdate",
            "dc.date.created",
            "release_date",
            "cxenseparse:publishtime",
            "article:published",
            "pub_date",
        ),
    ]
    modified_raw = [
        art.get("dateModified"),
        m(
            "article:modified_time",
            "og:updated_time",
            "datemodified",
            "last-modified",
            "dcterms.modified",
            "dc.date.modified",
        ),
    ]
    if not any(published_raw):
        published_raw.extend(_dom_dates(tree))
    published = [d for d in map(parse_datetime, filter(None, published_raw)) if d is not None]
    modified = [d for d in map(parse_datetime, filter(None, modified_raw)) if d is not None]
    md.published_at, md.modified_at = _pick_time(published, modified), _pick_time(modified, published)
    if md.published_at is None:
        md.published_naive = next((d for d in published if d.tzinfo is None), None)
        if not published:
            md.date_texts = _shown_date_texts(tree)

    # language
    html_el = tree if tree.tag == "html" else tree.find(".//html")
    candidates = [
        html_el.get("lang") if html_el is not None else None,
        html_el.get("{http://www.w3.org/XML/1998/namespace}lang") if html_el is not None else None,
        html_el.get("xml:lang") if html_el is not None else None,
        m("content-language", "language", "dc.language", "og:locale"),
        first_str(art.get("inLanguage")),
        first_str(page.get("inLanguage")),
    ]
    md.language = next((bcp47(c) for c in candidates if bcp47(c)), None)
    if shown_bylines:
        md.authors = clean_authors(_shown_bylines(tree, md.language), outlets)

    # image, description
    md.image = absolute_url(
        m("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src", "image"),
        url,
    ) or absolute_url(image_url(art.get("image")), url)
    if md.image is None:
        for link in tree.iter("link"):
            if (link.get("rel") or "").lower() == "image_src":
                md.image = absolute_url(link.get("href"), url)
                break
    md.description = (
        m("og:description", "description", "twitter:description", "dc.description")
        or unescape(first_str(art.get("description")))
        or None
    )
    body = art.get("articleBody")
    md.article_body = body if isinstance(body, str) else ""
    return md
