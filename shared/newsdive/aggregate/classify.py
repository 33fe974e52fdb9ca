"""Category and regions of an article: transparent rules, in the article's own language, so every label can be
explained.

Categories form a fixed taxonomy: World, Politics, Business, Technology, Science, Health, Sports, Entertainment
(lower-case ids). Evidence, strongest first:

1. the publisher's own section (from its metadata, the URL's first three path segments or its host's first label),
   mapped across languages (`sections` in ``data/category_words.json``: "politik", "économie", "internacional",
   "国际", "経済", "스포츠"...);
2. keywords of the article's language, from the title (x3) and the lead. Keyword data exist for
   `KEYWORD_LANGUAGES` (en, de, fr, es, it, pt, nl, sv, pl, ru, uk, tr, ar, hi, vi, zh, ja, ko); words are compared
   by their Snowball stem (German, Dutch and Swedish also as the last part of a compound), as written where the stem
   is short or shared by two categories or the language has no stemmer (Vietnamese; Ukrainian, whose data list the
   inflected forms headlines use), in Chinese, Japanese and Korean as substrings. A country the article mainly
   names that is not its outlet's adds 3 votes for `world`. A language without keyword data gets no keyword
   verdict: never another language's words;
3. without either, an article that names a country other than its outlet's is `world`;
4. anything else falls back to `general`, which is not part of the taxonomy and never outvotes it: a story is
   `general` only when none of its articles has evidence for a category.

Regions are the countries an article names, the most mentioned first (title mentions count three times; ties go to
the first mentioned); the outlet's country only when it names none. Names come from CLDR through babel, in the
article's language (every CLDR locale: "Russland", "Niemcy", "ロシア"), with inflected forms through the
language's Snowball stemmer where it has one ("Russlands", "России"), Turkish suffixes after an apostrophe
("Türkiye'de"). Capitals: the capital of each country (countryinfo) in the article's language where CLDR names it
as a time-zone city ("Moskau", "モスクワ"), and the cities of countries with one or two time zones ("Gaza");
capitals that are no time-zone city (Beijing, Washington, New Delhi, Ankara...) are found in English only.
Demonyms ("Russian", "Israeli") are English only (countryinfo); in other languages demonyms and adjectives
("russische", "français") are not covered, nor forms a stemmer does not reduce to the name (Polish "Niemczech"),
nor any inflection in a language without a Snowball stemmer. A name that is also an everyday word of the language
(wordfreq) counts only for places of a million people or more (Spanish "Reunión").
Matching is case-sensitive in cased scripts, so "turkey" the bird or "china" the plates do not count; a few English
names that are more often something else ("Jordan", "Chad", "Georgia", "Jersey") count only by their demonym or
capital.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

TAXONOMY: tuple[str, ...] = (
    "world", "politics", "business", "technology", "science", "health", "sports", "entertainment",
)
FALLBACK = "general"
CATEGORIES: tuple[str, ...] = (*TAXONOMY, FALLBACK)  # every value a story can have, in tie-break order

# Snowball stemmers (snowballstemmer) of the languages news is written in; others match words whole.
_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "fi": "finnish", "fr": "french", "hi": "hindi", "hu": "hungarian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nl": "dutch", "no": "norwegian", "nb": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "tr": "turkish",
}
_UNSPACED = {"zh", "ja", "ko", "th"}  # scripts written without spaces between words: substrings
_COMPOUNDING = {"de", "nl", "sv", "da", "no", "nb"}  # a keyword also counts as the last part of a compound
# Vowel signs and other combining marks of Devanagari and Arabic are part of a word ("राजनीति"), though Python's
# \w does not include them.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0900-\u0963"
_LETTER = rf"(?:[^\W_]|[{_MARKS}])"
_WORD = re.compile(rf"{_LETTER}+(?:[&-]{_LETTER}+)*")  # apostrophes split: "ECB's", "l'inflation", "Türkiye'de"
_APOSTROPHES = str.maketrans({"\u02bc": "'"})  # Ukrainian "здоровʼя" splits as "здоров'я" does
# One-letter conjunctions written onto the next word, which the language's stemmer leaves on: tried off a word that
# matched nothing as written ("والحرب" -> "الحرب"), never off one that did ("وزير" is "minister").
_CONJUNCTIONS = {"ar": "وف"}
_LEAD_WORDS = 250
_LEAD_CHARS = 600  # unspaced scripts: about as much text as 250 words

# English abbreviations and short forms news uses that CLDR does not list as names.
_EN_SHORT = {"US": "US", "U.S.": "US", "USA": "US", "U.S.A.": "US", "UK": "GB", "U.K.": "GB", "Britain": "GB",
             "EU": "EU", "UAE": "AE", "America": "US"}
_EN_AMBIGUOUS = {"Jordan", "Chad", "Georgia", "Jersey", "Guernsey", "Man", "Niger", "Dominica", "Victoria",
                 "Kingston", "Georgetown", "Santiago"}
_NOT_PLACES = {"UN", "EZ", "ZZ", "QO", "XA", "XB", "AQ"}  # CLDR codes of no country one can be "about"
# The sections of babel's per-locale CLDR data (babel/locale-data/*.dat) the code reads: `Locale.territories` and
# `Locale.time_zones`, here and in publish/key_players.py (`_places`). The Lambda layer keeps only these
# (shared/trim_cldr.py, run by shared/Makefile, reads this line without importing the package: keep it a literal
# tuple); a babel call reading another section fails there with a KeyError (tests/unit/test_cldr_sections.py).
# babel/global.dat (likely subtags, parent locales, territory_zones) is kept whole.
CLDR_SECTIONS: tuple[str, ...] = ("territories", "time_zones")


def base_language(language: str | None) -> str:
    """The primary subtag of a language tag ("de-AT" -> "de"); English when none is known."""
    return (language or "en").replace("_", "-").split("-")[0].lower() or "en"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    path = resources.files("newsdive") / "data" / "category_words.json"
    return json.loads(path.read_text(encoding="utf-8"))


KEYWORD_LANGUAGES: tuple[str, ...] = (
    "en", "de", "fr", "es", "it", "pt", "nl", "sv", "pl", "ru", "uk", "tr", "ar", "hi", "vi", "zh", "ja", "ko",
)


@lru_cache(maxsize=64)
def _stemmer(language: str) -> Any:  # noqa: ANN401 - snowballstemmer has no types
    name = _SNOWBALL.get(language)
    if name is None:
        return None
    import snowballstemmer

    return snowballstemmer.stemmer(name)


def _stems(words: list[str], language: str) -> list[str]:
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer is not None else words


# ---------------------------------------------------------------------------------------------------- categories


@lru_cache(maxsize=1)
def _sections() -> tuple[dict[str, str], dict[str, str]]:
    """Section words of cased and spaced scripts (matched whole), and of unspaced scripts (matched as
    substrings)."""
    whole: dict[str, str] = {}
    inner: dict[str, str] = {}
    for word, category in _data()["sections"].items():
        (inner if any(ord(ch) > 0x2E80 for ch in word) else whole)[word] = category
    return whole, inner


def section_category(section: str | None, url: str | None = None) -> str | None:
    """The category a publisher's section name maps to (in any language), else the category of one of the first
    three URL path segments (also as "<section>-news" or "<section>-<number>") or of the host's first label
    ("sports.example.com"), if any."""
    whole, inner = _sections()
    candidates: list[str] = []
    if section:
        lowered = section.lower()
        candidates.extend(re.findall(rf"[^\W\d_][\w{_MARKS}-]*", lowered))
        for word, category in inner.items():
            if word in lowered:
                return category
    if url:
        split = urlsplit(url.strip())
        path = unquote(split.path).lower()
        candidates.extend(seg for seg in path.split("/")[:4] if seg)
        host = (split.hostname or "").split(".")
        if len(host) > 2:
            candidates.append(host[0])
    for word in candidates:
        if word in whole:
            return whole[word]
        for key, category in inner.items():
            if key in word:
                return category
        parts = re.split(r"[-_]", word)
        if len(parts) == 2:  # "business-news", "news_world", "technology-26519395", "banking-finance"
            found = {whole.get(p) for p in parts if p in whole}
            rest = [p for p in parts if p not in whole]
            if len(found) == 1 and all(p == "news" or p.isdigit() for p in rest):
                return found.pop()
    return None


@lru_cache(maxsize=32)
def _keyword_index(language: str) -> tuple[dict[tuple[str, ...], str], list[tuple[str, str]], list[tuple[str, str]]]:
    """For one language: keyword stem sequences -> category; compound tails (word, category); and, for unspaced
    scripts, substrings (word, category)."""
    table = _data()["keywords"].get(language, {})
    phrases: dict[tuple[str, ...], str] = {}
    tails: list[tuple[str, str]] = []
    substrings: list[tuple[str, str]] = []
    entries: list[tuple[tuple[str, ...], tuple[str, ...], str]] = []
    for category, words in table.items():
        for word in words:
            if language in _UNSPACED:
                substrings.append((word, category))
                continue
            tokens = _WORD.findall(word.lower().translate(_APOSTROPHES))
            entries.append((tuple(tokens), tuple(_forms(tokens, language)), category))
            if language in _COMPOUNDING and " " not in word and len(word) >= 4:
                tails.append((word, category))
    by_key: dict[tuple[str, ...], set[str]] = {}
    for _, key, category in entries:
        by_key.setdefault(key, set()).add(category)
    for written, key, category in entries:
        if len(by_key[key]) == 1:
            phrases[key] = category
        else:  # "final" (sports) and "finale" (entertainment) share a stem: each counts as written
            phrases[tuple(f"={t}" for t in written)] = category
    return phrases, tails, substrings


_MIN_STEM = {"en": 3}  # English's stemmer is light ("wars" -> "war"); the others cut deeper ("coupe" -> "coup")
_MIN_STEM_OTHER = 5


def _forms(words: list[str], language: str) -> list[str]:
    """What a word is compared by: its Snowball stem, or the word itself ("=word") when the stem is short and
    not the word ("parti" -> "part", "coupe" -> "coup", "ИИ" -> "и" would match unrelated words)."""
    shortest = _MIN_STEM.get(language, _MIN_STEM_OTHER)
    return [st if st == w or len(st) >= shortest else f"={w}"
            for w, st in zip(words, _stems(words, language), strict=True)]


# Complex on purpose: longest phrase first, then hyphen parts, then tails: one pass order.
def keyword_scores(text: str, language: str | None = "en") -> Counter[str]:  # noqa: C901
    """Keyword hits per category in a text of the given language (a phrase counts once); empty for a language
    without keyword data."""
    lang = base_language(language)
    scores: Counter[str] = Counter()
    if lang not in KEYWORD_LANGUAGES:
        return scores
    phrases, tails, substrings = _keyword_index(lang)
    if substrings:
        for word, category in substrings:
            hits = text.count(word) if not word.isascii() else len(re.findall(
                rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, flags=re.IGNORECASE))
            if hits:
                scores[category] += hits
        return scores
    words = _WORD.findall(text.lower().translate(_APOSTROPHES))
    stems = _forms(words, lang)
    longest = max((len(p) for p in phrases), default=1)
    matched = [False] * len(stems)
    for n in range(longest, 0, -1):
        for i in range(len(stems) - n + 1):
            if any(matched[i:i + n]):
                continue
            key = tuple(stems[i:i + n])
            hit = phrases.get(key)
            if not hit:
                key = tuple(f"={w}" for w in words[i:i + n])
                hit = phrases.get(key)
            if hit:
                scores[hit] += 1
                matched[i:i + n] = [True] * n
    for i, word in enumerate(words):  # "premier-ministre", "премьер-министр": the parts
        if not matched[i] and "-" in word:
            for part in word.split("-"):
                key = tuple(_forms([part], lang))
                if key in phrases:
                    scores[phrases[key]] += 1
                    matched[i] = True
    conjunctions = _CONJUNCTIONS.get(lang, "")
    for i, word in enumerate(words if conjunctions else ()):  # Arabic "والانتخابات": "and" on an unmatched word
        if not matched[i] and len(word) > 3 and word[0] in conjunctions:
            for key in (tuple(_forms([word[1:]], lang)), (f"={word[1:]}",)):
                if key in phrases:
                    scores[phrases[key]] += 1
                    matched[i] = True
                    break
    if tails:
        for i, word in enumerate(words):
            if matched[i]:
                continue
            for tail, category in tails:
                if len(word) > len(tail) + 2 and word.endswith(tail):
                    scores[category] += 1
                    break
    return scores


def _lead(body: str, language: str) -> str:
    if language in _UNSPACED:
        return body[:_LEAD_CHARS]
    return " ".join(body.split()[:_LEAD_WORDS])


FOREIGN_VOTES = 3  # an article mainly about a country other than its outlet's: votes `world` as a title keyword does


def categorize(title: str, body: str, *, section: str | None = None, url: str | None = None,
               source_country: str | None = None, language: str | None = None) -> str:
    """One category per article: section first, else the keyword vote of the article's language over title (x3)
    and lead, else `world` when it names a foreign country, else the fallback. No language: English."""
    by_section = section_category(section, url)
    if by_section:
        return by_section
    lang = base_language(language)
    lead = _lead(body, lang)
    scores = keyword_scores(lead, lang)
    for category, hits in keyword_scores(title, lang).items():
        scores[category] += 3 * hits
    home = country_name(source_country)
    places = regions(lead, title=title, language=lang) if home else []
    if places and places[0] != home:  # mainly about another country: foreign news
        scores["world"] += FOREIGN_VOTES
    if scores:
        best = max(scores.values())
        return next(c for c in TAXONOMY if scores.get(c, 0) == best)
    if any(r != home for r in places):
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


# ------------------------------------------------------------------------------------------------------- regions


def _simple(name: str) -> list[str]:
    """A CLDR name and its plain variants: "Myanmar (Burma)" -> Myanmar, Burma; "Hong Kong SAR China" -> Hong
    Kong; "Congo - Kinshasa" stays whole."""
    out = [name]
    inner = re.search(r"\(([^)]+)\)", name)
    if inner:
        out += [name[: inner.start()].strip(), inner.group(1).strip()]
    for marker in (" SAR ", "特别行政区", "特別行政区", " 특별행정구"):
        if marker.strip() in name:
            out.append(name.split(marker.strip())[0].strip())
    return [n for n in dict.fromkeys(out) if n]


@lru_cache(maxsize=1)
def _english_labels() -> dict[str, str]:
    """ISO code -> the region label stories carry (CLDR's English name, plain variant)."""
    from babel import Locale

    return {code: _simple(name)[1] if "(" in name or "SAR" in name else name
            for code, name in Locale.parse("en").territories.items()
            if (len(code) == 2 and code.isalpha() and code not in _NOT_PLACES)}


def country_name(code: str | None) -> str | None:
    """The region label of an ISO 3166 alpha-2 code ("UK" is taken for GB), or None."""
    if not code:
        return None
    code = code.upper()
    return _english_labels().get("GB" if code == "UK" else code)


@lru_cache(maxsize=1)
def _countryinfo() -> dict[str, Mapping[str, Any]]:
    """ISO alpha-2 -> countryinfo's record (English capital and demonym)."""
    from countryinfo import all_countries

    out: dict[str, Mapping[str, Any]] = {}
    for country in all_countries():
        info = country.info()
        code = (info.get("ISO") or {}).get("alpha2")
        if code:
            out[code.upper()] = info
    return out


@lru_cache(maxsize=1)
def _zone_cities() -> dict[str, list[str]]:
    """ISO alpha-2 -> its CLDR time zones (IANA ids)."""
    from babel.core import get_global

    return {code: list(zones) for code, zones in get_global("territory_zones").items()}


# Complex on purpose: CLDR names, zone cities, capitals, English extras: one table.
@lru_cache(maxsize=32)
def _place_names(language: str) -> dict[str, str]:  # noqa: C901
    """Name, capital or demonym in the language -> ISO code. Names claimed by two countries are dropped."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language)
        english = Locale.parse("en")
    except (UnknownLocaleError, ValueError):
        return {}

    def city(zone: str, where: Any) -> str:  # noqa: ANN401 - a babel Locale
        """CLDR's exemplar city of a zone in a locale, else the zone id's own (CLDR's fallback)."""
        return (where.time_zones.get(zone) or {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")

    labels = _english_labels()
    found: dict[str, set[str]] = {}

    def add(name: str | None, code: str) -> None:
        if name and len(name) >= (2 if language in _UNSPACED else 3) and code in labels:
            found.setdefault(name, set()).add(code)

    for code, name in locale.territories.items():
        if code in labels or code == "EU":
            for variant in _simple(name):
                add(variant, code)
    info = _countryinfo()
    zones = _zone_cities()
    english_city: dict[str, str] = {}
    for code, zone_ids in zones.items():
        for zone in zone_ids:
            english_city.setdefault(city(zone, english), zone)
            if len(zone_ids) <= 2 and not zone.startswith("Antarctica/"):
                add(city(zone, locale), code)
    for code, record in info.items():
        capital = record.get("capital")
        if not capital:
            continue
        capital_zone = english_city.get(capital)
        if capital_zone:
            add(city(capital_zone, locale), code)
        elif language == "en":
            add(capital, code)
            add(capital.split(",")[0].removesuffix(" D.C.").strip(), code)  # "Washington, D.C."
    if language == "en":
        for code, record in info.items():
            add(record.get("name"), code)
            add(record.get("demonym"), code)
        for short, code in _EN_SHORT.items():
            add(short, code)
        for name in _EN_AMBIGUOUS:
            found.pop(name, None)
    return {name: next(iter(codes)) for name, codes in found.items()
            if len(codes) == 1 and not _common_word(name, next(iter(codes)), language)}


_COMMON_ZIPF = 4.0  # wordfreq's Zipf scale: 4 is a word used once in about 10,000 words
_SMALL_PLACE = 1_000_000


@lru_cache(maxsize=1)
def _wordfreq_languages() -> frozenset[str]:
    from newsdive.language.word_frequencies import available_languages

    return frozenset(available_languages())


def _common_word(name: str, code: str, language: str) -> bool:
    """A name that is also an everyday word of the language ("Reunión", a meeting; "Georgia") names its place
    only when the place is large enough to be what the word means more often (populations from countryinfo)."""
    if " " in name or language in _UNSPACED:  # wordfreq would need a word segmenter; no case there anyway
        return False
    from newsdive.language.word_frequencies import zipf_frequency

    if language not in _wordfreq_languages():  # wordfreq would answer with its nearest language's words
        return False
    try:
        # the small list: the large one's frequencies from Zipf 3.3 up in every language (checked), a tenth of its load
        common = zipf_frequency(name.lower(), language, wordlist="small") >= _COMMON_ZIPF
    except (LookupError, ImportError):
        return False
    population = (_countryinfo().get(code) or {}).get("population") or 0
    return common and population < _SMALL_PLACE


@lru_cache(maxsize=32)
def _place_matcher(language: str) -> tuple[re.Pattern[str] | None, dict[str, str], dict[str, str]]:
    """The language's names as one pattern, name -> code, and (Snowball languages) stem of a one-word name ->
    code."""
    names = _place_names(language)
    if not names:
        return None, {}, {}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    if language in _UNSPACED:
        pattern = re.compile(f"({alternatives})")
    else:
        pattern = re.compile(rf"(?<![\w.])({alternatives})(?![\w])")
    stems: dict[str, str] = {}
    if language != "en" and _stemmer(language) is not None:
        by_stem: dict[str, set[str]] = {}
        for name, code in names.items():
            if " " not in name and name[:1].isupper():
                stem = _stems([name.lower()], language)[0]
                if len(stem) >= 4:
                    by_stem.setdefault(stem, set()).add(code)
        stems = {s: next(iter(c)) for s, c in by_stem.items() if len(c) == 1}
    return pattern, names, stems


def _mentions(text: str, language: str) -> list[str]:
    pattern, names, stems = _place_matcher(language)
    if pattern is None or not text:
        return []
    found = [(m.start(), names[m.group(1)]) for m in pattern.finditer(text)]
    if stems:
        taken = {start for start, _ in found}
        for m in re.finditer(r"(?<![\w.])[^\W\d_][\w]*", text):
            if m.start() in taken or not m.group(0)[:1].isupper():
                continue
            code = stems.get(_stems([m.group(0).lower()], language)[0])
            if code:
                found.append((m.start(), code))
    labels = _english_labels()
    return [labels[code] if code != "EU" else "European Union" for _, code in sorted(found)]


def regions(text: str, *, source_country: str | None = None, limit: int = 3, title: str = "",
            language: str | None = None) -> list[str]:
    """The places an article names in its language (no language: English), primary first (title mentions x3,
    then first mention), else its outlet's country."""
    lang = base_language(language)
    in_title, in_text = _mentions(title, lang), _mentions(text, lang)
    weight: Counter[str] = Counter()
    first: dict[str, int] = {}
    for position, place in enumerate([*in_title, *in_text]):
        weight[place] += 3 if position < len(in_title) else 1
        first.setdefault(place, position)
    if weight:
        ranked = sorted(weight, key=lambda p: (-weight[p], first[p]))
        return ranked[:limit]
    home = country_name(source_country)
    return [home] if home else []
