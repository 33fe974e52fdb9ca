"""Category and region of an article: transparent keyword rules, so every label can be explained.

Categories form a fixed taxonomy: World, Politics, Business, Technology, Science, Health, Sports, Entertainment
(lower-case ids). A publisher's own section (from its metadata or URL) is the strongest signal; keyword evidence
from the title (x3) and lead decides otherwise. Without either, an article that names a country other than its
outlet's is `world`; anything else falls back to `general`, which is not part of the taxonomy and never outvotes
it: a story is `general` only when none of its articles has evidence for a category.

Regions are the countries an article names (names, demonyms and capitals), the most mentioned first (title
mentions count three times; ties go to the first mentioned); the outlet's country only when it names none.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

TAXONOMY: tuple[str, ...] = (
    "world", "politics", "business", "technology", "science", "health", "sports", "entertainment",
)
FALLBACK = "general"
CATEGORIES: tuple[str, ...] = (*TAXONOMY, FALLBACK)  # every value a story can have, in tie-break order

_SECTION_ALIASES: dict[str, str] = {
    "politics": "politics", "election": "politics", "elections": "politics", "government": "politics",
    "us": "politics", "nation": "politics", "national": "politics", "policy": "politics", "congress": "politics",
    "world": "world", "international": "world", "global": "world", "foreign": "world", "europe": "world",
    "asia": "world", "africa": "world", "americas": "world", "middleeast": "world", "middle-east": "world",
    "business": "business", "economy": "business", "markets": "business", "money": "business",
    "finance": "business", "companies": "business", "energy": "business", "personal-finance": "business",
    "technology": "technology", "tech": "technology", "science": "science", "space": "science",
    "environment": "science", "climate": "science", "nature": "science",
    "health": "health", "medicine": "health", "wellness": "health", "coronavirus": "health",
    "sport": "sports", "sports": "sports", "football": "sports", "soccer": "sports", "nfl": "sports",
    "nba": "sports", "cricket": "sports", "tennis": "sports", "golf": "sports",
    "entertainment": "entertainment", "culture": "entertainment", "arts": "entertainment",
    "books": "entertainment", "music": "entertainment", "film": "entertainment", "movies": "entertainment",
    "tv": "entertainment", "television": "entertainment", "celebrity": "entertainment",
    "showbiz": "entertainment", "lifestyle": "entertainment",
}

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "world": ("embassy", "diplomat", "diplomatic", "foreign minister", "ceasefire", "cease-fire", "treaty",
              "united nations", "refugees", "sanctions", "summit", "troops", "invasion", "nato", "militants",
              "airstrike", "airstrikes", "war", "border", "earthquake", "hurricane", "typhoon", "flood",
              "flooding", "floods", "wildfire", "evacuated"),
    "politics": ("election", "senate", "senator", "congress", "parliament", "minister", "governor", "mayor",
                 "council", "vote", "voters", "ballot", "campaign", "lawmakers", "legislation", "bill",
                 "republican", "republicans", "democrat", "democrats", "party", "president", "policy",
                 "referendum", "coalition", "opposition", "white house", "supreme court", "impeachment"),
    "business": ("company", "shares", "stock", "stocks", "investors", "market", "markets", "revenue", "profit",
                 "merger", "acquisition", "ceo", "earnings", "bank", "banks", "inflation", "interest rates",
                 "economy", "jobs", "layoffs", "tariff", "tariffs", "retail", "prices", "startup", "fed",
                 "dow", "nasdaq", "s&p", "ipo", "bankruptcy", "oil", "sales", "deal", "billion", "ecb"),
    "technology": ("software", "app", "apps", "artificial intelligence", "ai", "chip", "chips", "cyber",
                   "hackers", "internet", "smartphone", "algorithm", "platform", "robot", "semiconductor",
                   "online", "google", "apple", "microsoft", "facebook", "iphone", "android", "xbox",
                   "playstation", "bitcoin", "data breach", "tablet", "ios", "windows"),
    "science": ("scientists", "researchers", "study", "telescope", "species", "fossil", "physics",
                "laboratory", "astronomers", "genome", "nasa", "spacecraft", "orbit", "discovery", "climate",
                "emissions", "carbon", "renewable", "pollution", "wildlife", "conservation", "planet",
                "asteroid", "rocket", "lander"),
    "health": ("hospital", "patients", "vaccine", "vaccines", "virus", "disease", "doctors", "nurses",
               "health", "medical", "outbreak", "drug", "treatment", "clinic", "infection", "cancer",
               "mental health", "covid", "pandemic", "fda", "cdc", "obesity", "diabetes", "surgery"),
    "sports": ("match", "championship", "league", "coach", "season", "tournament", "goal", "team", "players",
               "final", "cup", "olympic", "olympics", "stadium", "scored", "striker", "marathon", "nfl",
               "nba", "mlb", "fifa", "world cup", "quarterback", "playoff", "playoffs"),
    "entertainment": ("film", "movie", "movies", "album", "museum", "festival", "novel", "artist", "theatre",
                      "theater", "concert", "exhibition", "actor", "actress", "director", "award", "awards",
                      "singer", "celebrity", "box office", "oscar", "oscars", "grammy", "hollywood", "netflix",
                      "tv series", "episode", "season finale", "star", "stars", "rapper", "band", "trailer",
                      "tv", "show", "finale", "premiere", "sitcom", "reality show", "song", "songs", "singer",
                      "comedian", "broadway", "video game"),
}

_WORD = re.compile(r"[a-z0-9][a-z0-9'&-]*")


def section_category(section: str | None, url: str | None = None) -> str | None:
    """The category a publisher's section name (or one of the first URL path segments) maps to, if any."""
    candidates: list[str] = []
    if section:
        candidates.extend(re.findall(r"[a-z][a-z-]*", section.lower()))
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


def categorize(title: str, body: str, *, section: str | None = None, url: str | None = None,
               source_country: str | None = None) -> str:
    """One category per article: section first, else the keyword vote over title (x3) and lead, else `world`
    when it names a foreign country, else the fallback."""
    by_section = section_category(section, url)
    if by_section:
        return by_section
    lead = " ".join(body.split()[:250])
    scores = keyword_scores(lead)
    for category, hits in keyword_scores(title).items():
        scores[category] += 3 * hits
    if scores:
        best = max(scores.values())
        return next(c for c in TAXONOMY if scores.get(c, 0) == best)
    home = _COUNTRY_OF_CODE.get((source_country or "").upper())
    if home and any(r != home for r in regions(lead, title=title)):
        return "world"
    return FALLBACK


def majority(values: Iterable[str], *, order: tuple[str, ...] = CATEGORIES) -> str:
    """The most frequent value, the fallback counting only when nothing else is there; ties go to the first in
    `order` so that results are reproducible."""
    counts = Counter(values)
    if len(counts) > 1:
        counts.pop(FALLBACK, None)
    if not counts:
        return FALLBACK
    best = max(counts.values())
    ranked = [v for v in order if counts.get(v) == best] or sorted(v for v, n in counts.items() if n == best)
    return ranked[0]


# Country -> the names, demonyms and capitals that point at it. Matched as capitalised words (so "turkey" the
# bird or "china" the plates do not count); names too often something else ("Jordan", "Chad", "Georgia") only
# by their demonym. Extend as data.
_PLACES: dict[str, tuple[str, ...]] = {
    "United States": ("United States", "U.S.", "U.S.A.", "USA", "US", "America", "American", "Americans",
                      "Washington"),
    "Canada": ("Canada", "Canadian", "Canadians", "Ottawa"), "Mexico": ("Mexico", "Mexican", "Mexicans"),
    "Brazil": ("Brazil", "Brazilian", "Brasilia"), "Argentina": ("Argentina", "Argentine", "Argentinian",
                                                                "Buenos Aires"),
    "Chile": ("Chile", "Chilean"), "Colombia": ("Colombia", "Colombian", "Bogota"),
    "Peru": ("Peru", "Peruvian"), "Venezuela": ("Venezuela", "Venezuelan", "Caracas"),
    "Cuba": ("Cuba", "Cuban", "Havana"), "Haiti": ("Haiti", "Haitian"),
    "United Kingdom": ("United Kingdom", "U.K.", "UK", "Britain", "British", "England", "Scotland",
                       "Scottish", "Wales", "Welsh", "London"),
    "Ireland": ("Ireland", "Irish", "Dublin"), "France": ("France", "French", "Paris"),
    "Germany": ("Germany", "German", "Germans", "Berlin"), "Spain": ("Spain", "Spanish", "Madrid"),
    "Portugal": ("Portugal", "Portuguese", "Lisbon"), "Italy": ("Italy", "Italian", "Italians", "Rome"),
    "Netherlands": ("Netherlands", "Dutch", "Amsterdam", "The Hague"), "Belgium": ("Belgium", "Belgian",
                                                                                  "Brussels"),
    "Switzerland": ("Switzerland", "Swiss", "Geneva", "Zurich"), "Austria": ("Austria", "Austrian", "Vienna"),
    "Sweden": ("Sweden", "Swedish", "Stockholm"), "Norway": ("Norway", "Norwegian", "Oslo"),
    "Denmark": ("Denmark", "Danish", "Copenhagen"), "Finland": ("Finland", "Finnish", "Helsinki"),
    "Iceland": ("Iceland", "Icelandic"), "Poland": ("Poland", "Polish", "Warsaw"),
    "Czech Republic": ("Czech Republic", "Czechia", "Czech", "Prague"), "Hungary": ("Hungary", "Hungarian",
                                                                                    "Budapest"),
    "Romania": ("Romania", "Romanian", "Bucharest"), "Bulgaria": ("Bulgaria", "Bulgarian"),
    "Greece": ("Greece", "Greek", "Athens"), "Serbia": ("Serbia", "Serbian", "Belgrade"),
    "Croatia": ("Croatia", "Croatian"), "Ukraine": ("Ukraine", "Ukrainian", "Ukrainians", "Kyiv", "Kiev"),
    "Russia": ("Russia", "Russian", "Russians", "Moscow", "Kremlin"), "Belarus": ("Belarus", "Belarusian",
                                                                                 "Minsk"),
    "Turkey": ("Turkey", "Turkish", "Ankara", "Istanbul"), "Israel": ("Israel", "Israeli", "Israelis",
                                                                      "Jerusalem", "Tel Aviv"),
    "Palestine": ("Palestine", "Palestinian", "Palestinians", "Gaza", "West Bank"),
    "Lebanon": ("Lebanon", "Lebanese", "Beirut"), "Syria": ("Syria", "Syrian", "Damascus"),
    "Jordan": ("Jordanian", "Amman"), "Iraq": ("Iraq", "Iraqi", "Baghdad"), "Iran": ("Iran", "Iranian",
                                                                                    "Tehran"),
    "Saudi Arabia": ("Saudi Arabia", "Saudi", "Riyadh"), "Yemen": ("Yemen", "Yemeni"),
    "United Arab Emirates": ("United Arab Emirates", "UAE", "Emirati", "Dubai", "Abu Dhabi"),
    "Qatar": ("Qatar", "Qatari", "Doha"), "Egypt": ("Egypt", "Egyptian", "Cairo"),
    "Libya": ("Libya", "Libyan", "Tripoli"), "Tunisia": ("Tunisia", "Tunisian"),
    "Algeria": ("Algeria", "Algerian"), "Morocco": ("Morocco", "Moroccan"),
    "Sudan": ("Sudan", "Sudanese", "Khartoum"), "Ethiopia": ("Ethiopia", "Ethiopian", "Addis Ababa"),
    "Somalia": ("Somalia", "Somali", "Mogadishu"), "Kenya": ("Kenya", "Kenyan", "Nairobi"),
    "Uganda": ("Uganda", "Ugandan"), "Tanzania": ("Tanzania", "Tanzanian"), "Rwanda": ("Rwanda", "Rwandan"),
    "Nigeria": ("Nigeria", "Nigerian", "Abuja", "Lagos"), "Ghana": ("Ghana", "Ghanaian"),
    "South Africa": ("South Africa", "South African", "Johannesburg", "Pretoria", "Cape Town"),
    "Zimbabwe": ("Zimbabwe", "Zimbabwean"), "Congo": ("Congo", "Congolese"),
    "Afghanistan": ("Afghanistan", "Afghan", "Afghans", "Kabul"),
    "Pakistan": ("Pakistan", "Pakistani", "Islamabad"), "India": ("India", "Indian", "Indians", "New Delhi",
                                                                  "Delhi", "Mumbai"),
    "Bangladesh": ("Bangladesh", "Bangladeshi", "Dhaka"), "Sri Lanka": ("Sri Lanka", "Sri Lankan"),
    "Nepal": ("Nepal", "Nepali", "Nepalese"), "China": ("China", "Chinese", "Beijing", "Shanghai"),
    "Hong Kong": ("Hong Kong",), "Taiwan": ("Taiwan", "Taiwanese", "Taipei"),
    "Japan": ("Japan", "Japanese", "Tokyo"), "South Korea": ("South Korea", "South Korean", "Seoul"),
    "North Korea": ("North Korea", "North Korean", "Pyongyang"), "Mongolia": ("Mongolia", "Mongolian"),
    "Vietnam": ("Vietnam", "Vietnamese", "Hanoi"), "Thailand": ("Thailand", "Thai", "Bangkok"),
    "Myanmar": ("Myanmar", "Burma", "Burmese"), "Cambodia": ("Cambodia", "Cambodian"),
    "Malaysia": ("Malaysia", "Malaysian", "Kuala Lumpur"), "Singapore": ("Singapore", "Singaporean"),
    "Indonesia": ("Indonesia", "Indonesian", "Jakarta"), "Philippines": ("Philippines", "Philippine",
                                                                         "Filipino", "Manila"),
    "Australia": ("Australia", "Australian", "Australians", "Canberra", "Sydney"),
    "New Zealand": ("New Zealand",), "Kazakhstan": ("Kazakhstan", "Kazakh"),
    "Armenia": ("Armenia", "Armenian"), "Azerbaijan": ("Azerbaijan", "Azerbaijani"),
    "Europe": ("European Union", "EU", "Europe", "European"),
}
_PLACE_OF: dict[str, str] = {alias: place for place, aliases in _PLACES.items() for alias in aliases}
_COUNTRY_OF_CODE: dict[str, str] = {
    "US": "United States", "CA": "Canada", "GB": "United Kingdom", "UK": "United Kingdom", "IE": "Ireland",
    "AU": "Australia", "NZ": "New Zealand", "FR": "France", "DE": "Germany", "ES": "Spain", "IT": "Italy",
    "IN": "India", "JP": "Japan", "CN": "China", "BR": "Brazil", "MX": "Mexico", "ZA": "South Africa",
    "NL": "Netherlands", "BE": "Belgium", "CH": "Switzerland", "AT": "Austria", "SE": "Sweden", "NO": "Norway",
    "DK": "Denmark", "FI": "Finland", "PL": "Poland", "PT": "Portugal", "GR": "Greece", "TR": "Turkey",
    "IL": "Israel", "RU": "Russia", "UA": "Ukraine", "KR": "South Korea", "TW": "Taiwan", "HK": "Hong Kong",
    "SG": "Singapore", "PH": "Philippines", "ID": "Indonesia", "MY": "Malaysia", "PK": "Pakistan",
    "NG": "Nigeria", "KE": "Kenya", "EG": "Egypt", "QA": "Qatar", "AE": "United Arab Emirates",
    "SA": "Saudi Arabia", "AR": "Argentina",
}
_PLACE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(k) for k in sorted(_PLACE_OF, key=len, reverse=True)) + r")(?![\w])"
)


def _mentions(text: str) -> list[str]:
    return [_PLACE_OF[m.group(1)] for m in _PLACE.finditer(text)]


def regions(text: str, *, source_country: str | None = None, limit: int = 3, title: str = "") -> list[str]:
    """The places an article names, primary first (title mentions x3, then first mention), else its outlet's
    country."""
    in_title, in_text = _mentions(title), _mentions(text)
    weight: Counter[str] = Counter()
    first: dict[str, int] = {}
    for position, place in enumerate([*in_title, *in_text]):
        weight[place] += 3 if position < len(in_title) else 1
        first.setdefault(place, position)
    if weight:
        ranked = sorted(weight, key=lambda p: (-weight[p], first[p]))
        return ranked[:limit]
    if source_country and source_country.upper() in _COUNTRY_OF_CODE:
        return [_COUNTRY_OF_CODE[source_country.upper()]]
    return []
