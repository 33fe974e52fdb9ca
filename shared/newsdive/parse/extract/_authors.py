"""Authors: names cleaned of roles, handles and credits, from structured data and from the byline the page
shows, in the page's language."""

from __future__ import annotations

import re

from lxml import etree

from ._text import elements, norm, text_of, unescape

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
PARENS = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")


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
        value = PARENS.sub(" ", _HANDLE.sub(" ", value))
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


def dom_authors(tree: etree._Element) -> list[str]:
    """Bylines marked in the page: the first itemprop=author (and its siblings), else rel=author or byline
    names.

    Only the first group: later ones belong to teasers of other articles.
    """
    marked = elements(tree, '//*[@itemprop="author"]')
    if marked:
        parent = marked[0].getparent()
        out = []
        for el in marked:
            if el is not marked[0] and el.getparent() is not parent:
                continue
            names = elements(el, './/*[@itemprop="name"]')
            out.append((names[0].get("content") or text_of(names[0])) if names else (el.get("content") or text_of(el)))
        return out[:10]
    return [
        text_of(el)
        for el in elements(
            tree,
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
