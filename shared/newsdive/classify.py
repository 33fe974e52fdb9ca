"""Category and region of an article: transparent keyword rules, so every label can be explained.

A publisher's own section (from its metadata or URL) is the strongest signal; keyword evidence from the title and
lead decides otherwise. Regions come from country names and demonyms in the text, else from the outlet's country.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

CATEGORIES: tuple[str, ...] = (
    "politics", "world", "business", "technology", "science", "health", "sports", "environment", "culture", "general",
)

_SECTION_ALIASES: dict[str, str] = {
    "politics": "politics", "election": "politics", "elections": "politics", "government": "politics",
    "us": "politics", "nation": "politics", "national": "politics", "policy": "politics",
    "world": "world", "international": "world", "global": "world", "foreign": "world",
    "business": "business", "economy": "business", "markets": "business", "money": "business", "finance": "business",
    "technology": "technology", "tech": "technology", "science": "science", "space": "science",
    "health": "health", "medicine": "health", "wellness": "health",
    "sport": "sports", "sports": "sports", "football": "sports", "soccer": "sports",
    "environment": "environment", "climate": "environment", "weather": "environment", "energy": "environment",
    "culture": "culture", "arts": "culture", "entertainment": "culture", "books": "culture", "music": "culture",
    "film": "culture", "movies": "culture",
}

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "politics": ("election", "senate", "senator", "congress", "parliament", "minister", "governor", "mayor",
                 "council", "vote", "voters", "ballot", "campaign", "lawmakers", "legislation", "bill", "republican",
                 "democrat", "party", "president", "policy", "referendum", "coalition", "opposition"),
    "world": ("embassy", "diplomat", "diplomatic", "foreign", "ceasefire", "treaty", "united nations", "border",
              "refugees", "sanctions", "summit", "troops", "invasion"),
    "business": ("company", "shares", "stock", "investors", "market", "revenue", "profit", "merger", "acquisition",
                 "ceo", "earnings", "bank", "inflation", "interest rates", "economy", "jobs", "layoffs", "tariff",
                 "retail", "prices", "startup"),
    "technology": ("software", "app", "artificial intelligence", "ai", "chip", "chips", "data", "cyber",
                   "hackers", "internet", "smartphone", "algorithm", "platform", "robot", "semiconductor", "online"),
    "science": ("scientists", "researchers", "study", "telescope", "species", "fossil", "physics", "laboratory",
                "astronomers", "genome", "nasa", "spacecraft", "orbit", "discovery", "journal"),
    "health": ("hospital", "patients", "vaccine", "virus", "disease", "doctors", "nurses", "health", "medical",
               "outbreak", "drug", "treatment", "clinic", "infection", "cancer", "mental health"),
    "sports": ("match", "championship", "league", "coach", "season", "tournament", "goal", "team", "players",
               "final", "cup", "olympic", "stadium", "scored", "striker", "marathon"),
    "environment": ("climate", "emissions", "flood", "flooding", "wildfire", "drought", "pollution", "carbon",
                    "renewable", "wind farm", "solar", "river", "wildlife", "conservation", "storm", "heatwave"),
    "culture": ("film", "album", "museum", "festival", "novel", "artist", "theatre", "theater", "concert",
                "exhibition", "actor", "director", "award"),
}

_WORD = re.compile(r"[a-z][a-z'-]*")


def section_category(section: str | None, url: str | None = None) -> str | None:
    """The category a publisher's section name (or first URL path segment) maps to, if any."""
    candidates: list[str] = []
    if section:
        candidates.extend(_WORD.findall(section.lower()))
    if url:
        path = re.sub(r"^https?://[^/]+", "", url.lower())
        candidates.extend(seg for seg in path.split("/")[:3] if seg)
    for word in candidates:
        if word in _SECTION_ALIASES:
            return _SECTION_ALIASES[word]
    return None


def keyword_scores(text: str) -> Counter[str]:
    """Keyword hits per category in a lower-cased text (phrases count as one hit)."""
    lowered = f" {' '.join(_WORD.findall(text.lower()))} "
    scores: Counter[str] = Counter()
    for category, words in _KEYWORDS.items():
        for word in words:
            hits = lowered.count(f" {word} ")
            if hits:
                scores[category] += hits
    return scores


def categorize(title: str, body: str, *, section: str | None = None, url: str | None = None) -> str:
    """One category per article: section first, else the keyword vote over title (x3) and lead."""
    by_section = section_category(section, url)
    if by_section:
        return by_section
    lead = " ".join(body.split()[:250])
    scores = keyword_scores(lead)
    for category, hits in keyword_scores(title).items():
        scores[category] += 3 * hits
    if not scores:
        return "general"
    best = max(scores.values())
    return next(c for c in CATEGORIES if scores.get(c, 0) == best)


def majority(values: Iterable[str], *, order: tuple[str, ...] = CATEGORIES) -> str:
    """The most frequent value; ties go to the first in `order` so that results are reproducible."""
    counts = Counter(values)
    if not counts:
        return "general"
    best = max(counts.values())
    ranked = [v for v in order if counts.get(v) == best] or sorted(v for v, n in counts.items() if n == best)
    return ranked[0]


# Country names and demonyms -> display name. Deliberately small and explicit; extend as data.
_COUNTRIES: dict[str, str] = {
    "united states": "United States", "u.s.": "United States", "american": "United States",
    "washington": "United States", "canada": "Canada", "canadian": "Canada", "mexico": "Mexico",
    "mexican": "Mexico", "brazil": "Brazil", "argentina": "Argentina", "united kingdom": "United Kingdom",
    "britain": "United Kingdom", "british": "United Kingdom", "england": "United Kingdom", "london": "United Kingdom",
    "ireland": "Ireland", "irish": "Ireland", "france": "France", "french": "France", "paris": "France",
    "germany": "Germany", "german": "Germany", "berlin": "Germany", "spain": "Spain", "spanish": "Spain",
    "italy": "Italy", "italian": "Italy", "netherlands": "Netherlands", "dutch": "Netherlands",
    "poland": "Poland", "polish": "Poland", "ukraine": "Ukraine", "ukrainian": "Ukraine", "kyiv": "Ukraine",
    "russia": "Russia", "russian": "Russia", "moscow": "Russia", "turkey": "Turkey", "israel": "Israel",
    "israeli": "Israel", "gaza": "Palestine", "palestinian": "Palestine", "iran": "Iran", "iranian": "Iran",
    "saudi arabia": "Saudi Arabia", "egypt": "Egypt", "nigeria": "Nigeria", "kenya": "Kenya",
    "south africa": "South Africa", "india": "India", "indian": "India", "pakistan": "Pakistan", "china": "China",
    "chinese": "China", "beijing": "China", "taiwan": "Taiwan", "japan": "Japan", "japanese": "Japan",
    "tokyo": "Japan", "south korea": "South Korea", "korean": "South Korea", "north korea": "North Korea",
    "australia": "Australia", "australian": "Australia", "new zealand": "New Zealand", "indonesia": "Indonesia",
    "philippines": "Philippines", "vietnam": "Vietnam", "europe": "Europe", "european union": "Europe",
}
_COUNTRY_OF_CODE: dict[str, str] = {
    "US": "United States", "CA": "Canada", "GB": "United Kingdom", "UK": "United Kingdom", "IE": "Ireland",
    "AU": "Australia", "NZ": "New Zealand", "FR": "France", "DE": "Germany", "ES": "Spain", "IT": "Italy",
    "IN": "India", "JP": "Japan", "CN": "China", "BR": "Brazil", "MX": "Mexico", "ZA": "South Africa",
}
_PLACE = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(_COUNTRIES, key=len, reverse=True)) + r")\b")


def regions(text: str, *, source_country: str | None = None, limit: int = 3) -> list[str]:
    """Places the text names most, else the outlet's own country; sorted by mentions, then name."""
    counts = Counter(_COUNTRIES[m.group(1)] for m in _PLACE.finditer(text.lower()))
    if counts:
        return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
    if source_country and source_country.upper() in _COUNTRY_OF_CODE:
        return [_COUNTRY_OF_CODE[source_country.upper()]]
    return []
