"""The title: candidates from structured data, meta tags and the page, the outlet's name cut off, one chosen
by votes."""

from __future__ import annotations

import re
from collections.abc import Set
from urllib.parse import urlsplit

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


# "Headline-Section": a dash joined to the title without spaces. A dash is also how words are hyphenated
# ("Coca-Cola", "Covid-19"), so the part after it is cut only when it is a name the page gives itself.
_JOINED_SUFFIX = re.compile(r"(?<=\S)\s*[-–—]\s*([^-–—]+)$")


def _strip_joined(title: str, names: Set[str], heading: str = "") -> str:
    """'Headline-정치' -> 'Headline': cut a suffix after a dash, with or without spaces, when it is the page's own
    section or the outlet's name (casefolded), unless the page's visible heading carries the same suffix."""
    found = _JOINED_SUFFIX.search(title)
    if not found or found.group(1).strip().casefold() not in names:
        return title
    if heading and heading.casefold().endswith(title[found.start():].casefold()):
        return title
    kept = title[: found.start()].rstrip()
    return kept if any(ch.isalpha() for ch in kept) else title


def _strip_site(title: str, site_names: set[str], heading: str = "", joined: Set[str] = frozenset()) -> str:
    """'Headline | Outlet' -> 'Headline', 'Headline-Section | Outlet' -> 'Headline': cut the parts that name the
    outlet, and a dash-joined suffix in `joined` (the page's own section and outlet names, never a domain label:
    "fake-news" on news.example.org stays)."""
    return _strip_joined(_strip_outlet(title, site_names, heading), joined, heading)


def _strip_outlet(title: str, site_names: set[str], heading: str = "") -> str:
    """'Headline | Outlet' -> 'Headline': cut a part that names the outlet."""
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


def choose_title(sources: dict[str, str], sites: set[str], joined: Set[str] = frozenset()) -> str:
    """The JSON-LD headline unless the page's visible heading and its social title agree on another one;
    without a headline, the title most of og:title, <h1> and twitter:title agree on; else the <title>.
    `joined`: the page's own section and outlet names (casefolded), cut when joined to a title by a dash."""
    heading = sources.get("h1", "")
    cands = {k: _strip_site(v, sites, heading, joined) for k, v in sources.items() if v}
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


def title_by_rule(rule: dict | None, sources: dict[str, str], sites: set[str],
                  joined: Set[str] = frozenset()) -> str:
    """The title from the first source an outlet rule names that the page has (site name cut, not the site
    name alone), else ''."""
    if not rule:
        return ""
    heading = sources.get("h1", "")
    for source in rule["title"]["sources"]:
        value = _strip_site(sources.get(source) or "", sites, heading, joined)
        if value and value.casefold() not in sites:
            return value
    return ""


def domain_names(url: str | None) -> set[str]:
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
