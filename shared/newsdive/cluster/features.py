"""Sparse, weighted term vectors for articles.

IDF comes from a background word-frequency table (wordfreq's Zipf scale), so no global document-frequency
counter has to be updated by every article (that would be a hot key). Titles and numbers weigh more, and so do
names in a short text (a headline), where they are most of what tells the event apart; in a full text the names
of a running topic (a president, a country) recur in all of its stories and are not boosted.
Words are reduced to their Snowball stem (so "taper", "tapering" and "tapered" match), hyphenated compounds are
split ("US-UK-Australia" -> us, uk, australia), and a headline written in Title Case marks no word as a name.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

_WORD = re.compile(r"\d[\d,.]*\d|[^\W_](?:[\w'’.]*[^\W_])?", re.UNICODE)  # "41,000" is one number
_NUMBER = re.compile(r"^\d[\d.,]*$")

# Words too generic for news to tell one story from another, beyond what Zipf frequency already says.
_NEWS_STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i in is it its of on or our she that the
    their them they this to was we were which who will with would said says say told according also after about
    over more than not new year years one two three first last week weeks day days monday tuesday wednesday
    thursday friday saturday sunday today yesterday tomorrow mr mrs ms dr people could should may might can just
    like into out up down off what when where why how all any some most many much other such only own same so too
    very s t don now then there here those these while during before under again further once both each few no nor
    because until against between through above below percent per cent""".split()  # noqa: SIM905 - a word list reads better as text
)

TITLE_WEIGHT = 3.0
NAME_BOOST = 1.5  # in short texts only
SHORT_TEXT_TERMS = 20  # fewer distinct terms: a short text (a headline, a brief)
NUMBER_BOOST = 1.3
MAX_TERMS = 40
BODY_WORDS = 400


# wordfreq's "large" lists (words down to Zipf 1) for these languages, its "small" ones (down to Zipf 3) for the
# others: the Lambda layer ships exactly these large lists (shared/Makefile reads this line; all 23 would be 46 MB),
# and local runs read the same lists, so both cluster alike. With small lists only, English B-cubed F1 fell from
# 0.854 to 0.836 (UCI) and 0.814 to 0.789 (AllSides undated): words between Zipf 1 and 3 all looked unknown.
LARGE_WORDLISTS = frozenset({"de", "en", "es", "fr", "it", "nl", "pt"})


def wordlist(language: str) -> str:
    return "large" if language in LARGE_WORDLISTS else "small"


@lru_cache(maxsize=200_000)
def idf(term: str, language: str = "en") -> float:
    """Inverse frequency from the background table: rare words (low Zipf) weigh most; unknown words are rare."""
    from wordfreq import zipf_frequency  # heavy (~0.2 s first call): only the aggregate stage needs it

    try:
        zipf = zipf_frequency(term, language, wordlist=wordlist(language))
    except LookupError:  # language wordfreq does not know: fall back to English
        zipf = zipf_frequency(term, "en", wordlist=wordlist("en"))
    return max(0.3, 7.5 - zipf)


_STEMMED_LANGUAGES = {
    "ar": "arabic", "da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish",
    "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian", "nb": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish",
}


@lru_cache(maxsize=32)
def _stemmer(language: str):  # noqa: ANN202 - snowballstemmer has no types
    import snowballstemmer  # ~20 ms on first use: only the aggregate stage needs it

    return snowballstemmer.stemmer(_STEMMED_LANGUAGES.get(language, "english"))


@lru_cache(maxsize=200_000)
def stem(term: str, language: str = "en") -> str:
    """The Snowball stem of a lower-case word (numbers unchanged); languages without a stemmer use English."""
    if term[:1].isdigit():
        return term
    return _stemmer(language).stemWord(term)


def _normalise_token(token: str) -> str:
    token = token.replace("’", "'").strip(".'-").lower()
    if token.endswith("'s"):
        token = token[:-2]
    return token


def tokens(text: str) -> list[tuple[str, bool]]:
    """(term, looks_like_a_name) pairs: a capitalised word that does not start a sentence counts as a name,
    except in Title Case text (most words capitalised), where capitals say nothing."""
    out: list[tuple[str, bool]] = []
    sentence_start = True
    matches = list(_WORD.finditer(text))
    capitalised = sum(1 for m in matches if m.group(0)[:1].isupper())
    title_case = len(matches) >= 4 and capitalised > 0.6 * len(matches)
    for match in matches:
        raw = match.group(0)
        term = _normalise_token(raw)
        prev = text[match.start() - 2 : match.start()]
        starts = sentence_start or any(ch in prev for ch in ".!?:\"“")
        sentence_start = raw.endswith(".") and not _NUMBER.match(raw)
        if len(term) < 2 or term in _NEWS_STOPWORDS:
            continue
        if _NUMBER.match(term):
            digits = term.replace(",", "").rstrip(".")
            if len(digits.replace(".", "")) < 2:
                continue
            out.append((digits, False))
            continue
        out.append((term, raw[:1].isupper() and not starts and not title_case))
    return out


def term_vector(title: str, body: str, *, language: str | None = None, max_terms: int = MAX_TERMS) -> dict[str, float]:
    """L2-normalised TF-IDF vector of an article's title and lead over word stems, truncated to its strongest terms.

    A stem's IDF is that of the rarest word form it was seen as.
    """
    lang = (language or "en").split("-")[0].lower()
    weights: Counter[str] = Counter()
    rarity: dict[str, float] = {}
    names: set[str] = set()
    for text, factor in ((title, TITLE_WEIGHT), (" ".join(body.split()[:BODY_WORDS]), 1.0)):
        for word, is_name in tokens(text):
            term = stem(word, lang)
            weights[term] += factor
            rarity[term] = max(rarity.get(term, 0.0), idf(word, lang))
            if is_name:
                names.add(term)
    vector: dict[str, float] = {}
    short = len(weights) < SHORT_TEXT_TERMS
    for term, tf in weights.items():
        w = (1.0 + math.log(tf)) * rarity[term]
        if short and term in names:
            w *= NAME_BOOST
        if term[:1].isdigit():
            w *= NUMBER_BOOST
        vector[term] = w
    return normalise(top_terms(vector, max_terms))


def top_terms(vector: Mapping[str, float], n: int) -> dict[str, float]:
    """The n heaviest terms, ties broken alphabetically so the result never depends on insertion order."""
    return dict(sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def normalise(vector: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    if norm == 0:
        return {}
    return {t: round(w / norm, 6) for t, w in vector.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def merged(vectors: Iterable[Mapping[str, float]], max_terms: int) -> dict[str, float]:
    """Normalised mean of vectors: a story's centroid."""
    total: Counter[str] = Counter()
    for vector in vectors:
        total.update(vector)
    return normalise(top_terms(total, max_terms))
