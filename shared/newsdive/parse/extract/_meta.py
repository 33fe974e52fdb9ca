"""Metadata from structured data first (JSON-LD, OpenGraph, meta tags, microdata), then the DOM."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ._dates import aware, parse_datetime
from ._outlets import rule_for
from ._text import norm, text_of, unescape

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


# --- JSON-LD ---------------------------------------------------------------------------------------
_JSONLD_COMMENT = re.compile(r"^\s*(?:<!--|<!\[CDATA\[|//\s*<!\[CDATA\[)|(?:-->|\]\]>|//\s*\]\]>)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _load_json(text: str) -> Any:
    text = _JSONLD_COMMENT.sub("", text.strip())
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        pass
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except (ValueError, RecursionError):
        return None


def _types(node: dict) -> set[str]:
    t = node.get("@type")
    if isinstance(t, str):
        return {t.rsplit("/", 1)[-1].lower()}
    if isinstance(t, list):
        return {x.rsplit("/", 1)[-1].lower() for x in t if isinstance(x, str)}
    return set()


def _walk_nodes(data: Any, out: list[dict], depth: int = 0) -> None:
    if depth > 6 or len(out) > 200:
        return
    if isinstance(data, list):
        for item in data[:100]:
            _walk_nodes(item, out, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            out.append(data)
        for key in ("@graph", "mainEntity", "itemListElement", "hasPart"):
            if key in data:
                _walk_nodes(data[key], out, depth + 1)


def jsonld_nodes(tree: etree._Element) -> list[dict]:
    nodes: list[dict] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        data = _load_json(script.text or "")
        if data is not None:
            _walk_nodes(data, nodes)
    return nodes


def _first_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            s = _first_str(item)
            if s:
                return s
    if isinstance(value, dict):
        for key in ("name", "@value", "url", "@id", "contentUrl"):
            if isinstance(value.get(key), str):
                return value[key]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _image_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            s = _image_url(item)
            if s:
                return s
    if isinstance(value, dict):
        for key in ("url", "contentUrl", "@id"):
            if isinstance(value.get(key), str):
                return value[key]
    return ""


def _names(value: Any, depth: int = 0) -> list[tuple[str, bool]]:
    """(name, is_organization) pairs of a JSON-LD author value."""
    if depth > 3:
        return []
    if isinstance(value, str):
        return [(value, False)]
    if isinstance(value, list):
        out: list[tuple[str, bool]] = []
        for item in value[:30]:
            out.extend(_names(item, depth + 1))
        return out
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(x for x in name if isinstance(x, str))
        if not isinstance(name, str) or not name.strip():
            given, family = value.get("givenName"), value.get("familyName")
            name = " ".join(x for x in (given, family) if isinstance(x, str))
        org = bool(_types(value) & {"organization", "newsmediaorganization", "corporation", "organisation"})
        return [(name, org)] if name.strip() else []
    return []


# --- authors ---------------------------------------------------------------------------------------
_BY_PREFIX = re.compile(
    r"^\s*(?:(?i:(?:written|posted|reported|compiled|edited|text|story|words|interview|photos?)\s+)?"
    r"(?i:by|von|par|por|door|av|af|przez|от|автор[ы]?:?|tekst|texto|text)|di|de|da)\s*[:\-]?\s+",
)
_AUTHOR_NOISE = re.compile(
    r"\b(?:updated|published|posted|last modified|min read|minutes? read|follow|twitter|e-?mail|"
    r"contact)\b.*$",
    re.I,
)
_SPLIT = re.compile(
    r"\s*(?:,|;|\||/|\s&\s|\band\b|\bwith\b|\bmit\b|\bavec\b|\bund\b|\bet\b|\by\b|\be\b|\bi\b|\bog\b|\boch\b|\ben\b|\u3001|"
    r"\u00b7|\u2022)\s*",
    re.I,
)
_ROLE = (
    r"(?:(?:senior|chief|staff|special|political|foreign|contributing|associate|deputy|managing|"
    r"executive|national|investigative|business|sports?|science|health|tech(?:nology)?|white house|"
    r"guest)\s+)*"
    r"(?:reporter|writer|correspondent|editor|columnist|contributor|journalist|producer|analyst|"
    r"photographer|author)s?\b"
)
_ROLE_SUFFIX = re.compile(r"\s*[,\-–—|]\s*" + _ROLE + r".*$", re.I)
_ROLE_ONLY = re.compile(r"^(?:the\s+)?" + _ROLE + r"(?:\s+(?:at|for|of)\b.*)?$", re.I)
_HANDLE = re.compile(r"@\w+|\S+@\S+\.\w+|https?://\S+")
_NOT_NAME = re.compile(
    r"^(?:staff|admin|administrator|editor|editors|guest|anonymous|unknown|redaktion|"
    r"redacci[oó]n|r[ée]daction|newsroom|news desk|web desk|desk|team|agencies|agency|"
    r"wire|wires|the|and|by|"
    # news agencies are outlets, not people
    r"afp|ap|dpa|reuters|efe|ansa|apa|epd|kna|sid|aap|pa|pa media|pti|ians|ani|xinhua|kyodo|"
    r"yonhap|anadolu|tass|ria novosti|bloomberg|(?:the )?associated press|"
    r"agence france-presse|press association)$",
    re.I,
)


_CREDIT = re.compile(r"\b(?:image|photo|picture|getty|istock\w*|shutterstock|alamy)\b", re.I)
_PARENS = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")


def clean_authors(raw: list[str], outlets: set[str]) -> list[str]:
    """Person names from byline strings: no 'By', no roles, no handles, no outlet names, no duplicates."""
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = unescape(value)
        if (
            not value
            or len(value) > 300
            or value.lower().startswith(("http://", "https://", "www.", "("))
            or _CREDIT.search(value)
        ):
            continue
        value = _PARENS.sub(" ", _HANDLE.sub(" ", value))
        value = _BY_PREFIX.sub("", value)
        value = _AUTHOR_NOISE.sub("", value)
        for part in _SPLIT.split(value):
            part = _ROLE_SUFFIX.sub("", part)
            part = _BY_PREFIX.sub("", part)
            part = norm(part.strip(" .:-–—()[]\"'"))
            if (
                not part
                or len(part) > 60
                or _NOT_NAME.match(part)
                or _ROLE_ONLY.match(part)
                or any(ch.isdigit() for ch in part)
            ):
                continue
            if len(part.split()) > 5 or part.casefold() in outlets or not any(ch.isalpha() for ch in part):
                continue
            key = part.casefold()
            if key not in seen:
                seen.add(key)
                out.append(part)
    return out


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


# A separator between a title and the outlet's name: a short run of punctuation or symbols between spaces
# ("::", "»", "–", ">>", "~"; not "&", "+", quotes, brackets or sentence punctuation), or a bar, a full-width
# colon or a doubled dash with or without spaces ("标题--时政--人民网").
_TITLE_SEPARATORS = re.compile(
    r"\s+[^\w\s\"'“”‘’„‚()\[\]{}<&+,.;!?¿¡…%$€£#@*=]{1,3}\s+|\s*(?:[|｜ㅣ：]|--+|——+|――+|::)\s*"
)
# "Outlet: Title" without a space before the colon: cut only when the part before the colon is the outlet's name.
_PREFIX_COLON = re.compile(r"[:：]\s*(?=[^\s:：])")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def _title_key(title: str) -> str:
    """What two spellings of one title share: case, quote style and end punctuation aside."""
    return " ".join(title.translate(_QUOTES).casefold().split()).strip(" .!?…\"'")


_BYLINE_PART = re.compile(r"^by\s+\S", re.I)


def _strip_site(title: str, site_names: set[str], heading: str = "") -> str:
    """'Headline | Outlet' -> 'Headline': cut a part that names the outlet (or the section beside it)."""
    if (
        heading
        and len(heading) < len(title)
        and title.startswith(heading)
        and _TITLE_SEPARATORS.match(title, len(heading))
    ):
        return heading  # the page's own heading plus a separator and more: the rest is decoration
    folded = title.casefold()
    for site in sorted(site_names, key=len, reverse=True):
        colon = _PREFIX_COLON.match(title, len(site)) if site and folded.startswith(site) else None
        if colon and colon.end() < len(title):
            return title[colon.end():].strip() or title
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title

    def is_site(part: str) -> bool:
        part = part.strip().casefold()
        return bool(part) and any(part == s or part.replace(" ", "") == s.replace(" ", "") for s in site_names)

    seps = _TITLE_SEPARATORS.findall(title)
    if len(parts) >= 3 and _BYLINE_PART.match(parts[-1]) and is_site(parts[-2]):
        parts, seps = parts[:-1], seps[:-1]  # 'Headline | Outlet | by Writer': the byline goes with the outlet
    if is_site(parts[-1]):
        keep = parts[:-1]
        seps = seps[:-1]
    elif is_site(parts[0]):
        keep = parts[1:]
        seps = seps[1:]
    else:
        return title
    out = keep[0]
    for sep, part in zip(seps, keep[1:], strict=False):
        out += sep + part
    return out.strip() or title


# Title candidates, in the order that breaks ties; "title" (the <title> element) only settles spelling ties.
_VOTERS = ("jsonld:headline", "og:title", "h1", "twitter:title")


def _spelling(key: str, cands: dict[str, str]) -> str:
    """Of the spellings of one title (quote style, case), the one most candidates use; the <title>
    element's on a tie, else the first in candidate order."""
    spellings = [cands[k] for k in (*_VOTERS, "title") if cands.get(k) and _title_key(cands[k]) == key]
    counts = {s: spellings.count(s) for s in spellings}
    top = max(counts.values())
    tied = [s for s in spellings if counts[s] == top]
    if len(set(tied)) > 1 and cands.get("title") in tied:
        return cands["title"]
    return tied[0]


def choose_title(sources: dict[str, str], sites: set[str]) -> str:
    """The JSON-LD headline unless the page's visible heading and its social title agree on another one;
    without a headline, the title most of og:title, <h1> and twitter:title agree on; else the <title>."""
    heading = sources.get("h1", "")
    cands = {k: _strip_site(v, sites, heading) for k, v in sources.items() if v}
    voters = [k for k in _VOTERS if cands.get(k)]
    if not voters:
        return cands.get("title", "")
    keys = {k: _title_key(cands[k]) for k in voters}
    headline = keys.get("jsonld:headline")
    shown = keys.get("h1")
    if headline is not None and not (
        shown is not None and shown != headline and shown in (keys.get("og:title"), keys.get("twitter:title"))
    ):
        # The publisher's structured headline, even when one social title differs; but when the heading
        # readers see and the social title agree against it, it is a search-engine variant.
        return _spelling(headline, cands)
    support = [list(keys.values()).count(keys[k]) for k in voters]
    best = max(range(len(voters)), key=lambda i: (support[i], -i))
    return _spelling(keys[voters[best]], cands)


def title_by_rule(rule: dict | None, sources: dict[str, str], sites: set[str]) -> str:
    """The title from the first source an outlet rule names that the page has (site name cut, not the site
    name alone), else ''."""
    if not rule:
        return ""
    heading = sources.get("h1", "")
    for source in rule["title"]["sources"]:
        value = _strip_site(sources.get(source) or "", sites, heading)
        if value and value.casefold() not in sites:
            return value
    return ""


def _domain_names(url: str | None) -> set[str]:
    if not url:
        return set()
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return set()
    host = host.removeprefix("www.").removeprefix("m.").removeprefix("amp.")
    if not host:
        return set()
    names = {host, host.split(".")[0]}
    return names


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
        n for n in nodes if _types(n) & ARTICLE_TYPES and not (_types(n) & {"creativework"} and len(_types(n)) == 1)
    ]
    if not articles:
        return None
    if len(articles) == 1:
        return articles[0]

    def score(node: dict) -> tuple[int, int]:
        s = 0
        for key in ("url", "mainEntityOfPage", "@id"):
            if url and _first_str(node.get(key)).rstrip("/").split("#")[0] == url.rstrip("/"):
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


def _dom_authors(tree: etree._Element) -> list[str]:
    """Bylines marked in the page: the first itemprop=author (and its siblings), else rel=author or byline
    names.

    Only the first group: later ones belong to teasers of other articles.
    """
    marked = tree.xpath('//*[@itemprop="author"]')
    if marked:
        parent = marked[0].getparent()
        out = []
        for el in marked:
            if el is not marked[0] and el.getparent() is not parent:
                continue
            names = el.xpath('.//*[@itemprop="name"]')
            out.append((names[0].get("content") or text_of(names[0])) if names else (el.get("content") or text_of(el)))
        return out[:10]
    return [
        text_of(el)
        for el in tree.xpath(
            '//a[@rel="author"]|//*[contains(@class,"byline__name") or contains(@class,"author-name") or '
            'contains(@class,"author__name")]'
        )[:10]
    ]


# How a byline shown on the page opens and joins two names, per language ("By A and B", "Von A und B", "Par A et B",
# "Por A y B"): read only on pages of that language (every language's on a page whose language is unknown).
BYLINE_WORDS: dict[str, tuple[str, str]] = {
    "en": ("by", "and"),
    "de": ("von", "und"),
    "fr": ("par", "et"),
    "es": ("por", "y"),
    "it": ("di", "e"),
    "pt": ("por", "e"),
    "nl": ("door", "en"),
    "sv": ("av", "och"),
    "da": ("af", "og"),
    "nb": ("av", "og"),
    "no": ("av", "og"),
}
_BYLINE_CLASS = re.compile(r"(?:^|[\s_-])(?:byline\w*|author|authors|autor|autores|autoren|auteur|auteurs|autore|"
                           r"writer|reporter|firma)(?:$|[\s_-])", re.I)
_NOT_BYLINE_CLASS = re.compile(r"bio|about|avatar|image|img|photo|social|follow|more|list|widget", re.I)
_BYLINE_TAGS = frozenset(("p", "div", "span", "address", "li", "a", "strong", "em", "b", "small"))


def _shown_bylines(tree: etree._Element, language: str | None) -> list[str]:
    """Bylines shown on a page whose markup names no author: an element with a byline class ("byline",
    "author", "autor", "auteur"...), else a short line after the headline that opens with the language's "by"
    ("By A and B", "Von A und B", "Par A et B", "Por A y B")."""
    body = tree.find(".//body")
    if body is None:
        return []
    for el in body.iter(*_BYLINE_TAGS):
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _BYLINE_CLASS.search(attrs) and not _NOT_BYLINE_CLASS.search(attrs):
            text = norm(text_of(el))
            if 2 <= len(text) <= 150:
                return [text]
    lang = (language or "").split("-")[0].lower()
    words = [BYLINE_WORDS[lang]] if lang in BYLINE_WORDS else ([] if lang else list(BYLINE_WORDS.values()))
    if not words:
        return []
    opener = re.compile(r"^(?:" + "|".join(sorted({w[0] for w in words})) + r")\s+(?=[^\W\d_])", re.I)
    seen_h1 = False
    checked = 0
    for el in body.iter():
        if el.tag == "h1":
            seen_h1 = True
            continue
        if not seen_h1 or el.tag not in _BYLINE_TAGS:
            continue
        text = norm(text_of(el))
        if not text or len(text) > 150:
            continue
        checked += 1
        if checked > 40:
            break
        match = opener.match(text)
        if match and text[match.end()].isupper():
            names = text[match.end():]
            return [f"{match.group(0)}{names}"] if _looks_like_names(names, words) else []
    return []


_NAME_PARTICLES = frozenset(("van", "von", "de", "da", "del", "der", "la", "le", "di", "du", "dos"))


def _looks_like_names(text: str, words: list[tuple[str, str]]) -> bool:
    """Every part between commas and the language's "and" is two to five capitalised words: a byline, not a
    sentence that opens with "by" ("Par ailleurs...", "By the harbour...")."""
    joiners = "|".join(sorted({re.escape(w[1]) for w in words}))
    for part in re.split(r"\s*(?:,|&|\b(?:" + joiners + r")\b)\s*", text):
        tokens = part.split()
        if not 2 <= len(tokens) <= 5 or not all(t[0].isupper() or t.lower() in _NAME_PARTICLES for t in tokens):
            return False
    return True


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
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
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


def extract_metadata(tree: etree._Element, url: str | None) -> Metadata:
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
    page = next((n for n in nodes if _types(n) & _PAGE_TYPES), {})
    org = next((n for n in nodes if _types(n) & {"newsmediaorganization", "organization"}), {})
    website = next((n for n in nodes if "website" in _types(n)), {})

    og_type = m("og:type").lower()
    md.is_article = (
        bool(art)
        or og_type in ("article", "news", "newsarticle", "blog", "blogposting")
        or bool(m("article:published_time"))
    )
    md.is_listing = (
        not art
        and bool(nodes)
        and any(_types(n) & {"collectionpage", "itemlist"} for n in nodes)
        and og_type not in ("article",)
    )

    # site name
    publisher = art.get("publisher") if isinstance(art.get("publisher"), (dict, list, str)) else None
    md.site_name = (
        m("og:site_name", "application-name", "twitter:site")
        or unescape(_first_str(publisher))
        or unescape(_first_str(org.get("name")))
        or unescape(_first_str(website.get("name")))
        or None
    )
    if md.site_name and md.site_name.startswith("@"):
        md.site_name = md.site_name[1:] or None
    outlets = {
        s.casefold()
        for s in (
            md.site_name,
            _first_str(publisher),
            _first_str(org.get("name")),
            _first_str(website.get("name")),
        )
        if s
    }
    outlets |= _domain_names(url)
    outlets |= {
        norm(_PARENS.sub(" ", p)).casefold()
        for p in meta.get("publisher", []) + meta.get("copyright", [])
        if p and len(p) < 80
    }

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
        or absolute_url(_first_str(art.get("url")), url)
        or absolute_url(_first_str(art.get("mainEntityOfPage")), url)
    )
    outlets |= _domain_names(md.canonical_url)

    # title
    title_el = tree.find(".//title")
    html_title = unescape(text_of(title_el)) if title_el is not None else ""
    h1 = ""
    for el in tree.iter("h1"):
        h1 = norm(text_of(el))
        if h1:
            break
    headline = unescape(_first_str(art.get("headline"))) or unescape(_first_str(art.get("name")))
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
    md.title = title_by_rule(rule_for(url, md.canonical_url), title_sources, sites) or choose_title(
        title_sources, sites
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
        md.authors = clean_authors(_dom_authors(tree), outlets)
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
        _first_str(art.get("inLanguage")),
        _first_str(page.get("inLanguage")),
    ]
    md.language = next((bcp47(c) for c in candidates if bcp47(c)), None)
    if shown_bylines:
        md.authors = clean_authors(_shown_bylines(tree, md.language), outlets)

    # image, section, description
    md.image = absolute_url(
        m("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src", "image"),
        url,
    ) or absolute_url(_image_url(art.get("image")), url)
    if md.image is None:
        for link in tree.iter("link"):
            if (link.get("rel") or "").lower() == "image_src":
                md.image = absolute_url(link.get("href"), url)
                break
    md.section = (
        m(
            "article:section",
            "og:article:section",
            "parsely-section",
            "section",
            "cxenseparse:section",
            "sailthru.section",
        )
        or unescape(_first_str(art.get("articleSection")))
        or None
    )
    md.description = (
        m("og:description", "description", "twitter:description", "dc.description")
        or unescape(_first_str(art.get("description")))
        or None
    )
    body = art.get("articleBody")
    md.article_body = body if isinstance(body, str) else ""
    return md
