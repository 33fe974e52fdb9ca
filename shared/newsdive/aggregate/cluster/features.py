"""Sparse, weighted term vectors for articles.

IDF comes from a background word-frequency table (wordfreq's Zipf scale), so no global document-frequency
counter has to be updated by every article (that would be a hot key). Titles and numbers weigh more, and so do
names in a short text (a headline), where they are most of what tells the event apart; in a full text the names
of a running topic (a president, a country) recur in all of its stories and are not boosted.
Words are reduced to their Snowball stem (so "taper", "tapering" and "tapered" match), hyphenated compounds are
split ("US-UK-Australia" -> us, uk, australia), and a headline written in Title Case marks no word as a name.

Every script gets terms that fit it. Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari and the other scripts
that put spaces between words are cut at spaces and punctuation (combining marks stay inside their word: a
Devanagari vowel sign does not cut a word in two). Scripts written without spaces (Han, Hiragana, Katakana, Thai,
Lao, Khmer, Myanmar) and Hangul (spaced, but particles glue to the word: 대통령이, 대통령은) are cut into runs of
one script, and each run into overlapping pairs of characters (grapheme clusters), the character bigrams of
Lucene's CJK analyser; a run of one character is a term of its own, except Hiragana and the scripts of Thailand and
its neighbours, whose single characters are particles or parts of a syllable. Chinese is mapped from Traditional
to Simplified characters first (wordfreq's map), so both spellings give one term. `newsdive bench scripts` measures
bigrams against the segmenters (jieba, MeCab) on the fundus pages and our fixtures, and the README has the
figures and the decision.

IDF never raises and never borrows another language's frequencies: a language wordfreq has a list for (its
primary subtag, or a language within a small distance, such as "no" for "nb") uses that list; Chinese, Japanese
and Korean look their terms up in wordfreq's list directly (wordfreq's own lookup would need jieba or MeCab),
bigrams through a table of bigram frequencies summed over the list's words; any other language (isiZulu, Thai,
an unknown code) has no background table and every term weighs `FLAT_IDF`, so term frequency decides. The English
stop-word list applies to English only; stems are Snowball's for the languages Snowball has, and other languages'
words are left as they are.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache

from newsdive.language.plaintext import leading_words

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


FLAT_IDF = 4.0  # a language without a background table: every term as rare as a word of Zipf 3.5
LANGUAGE_DISTANCE = 9  # langcodes distance within which another list serves ("no" -> "nb", "sr" -> "sh")
_SEGMENTED_LISTS = frozenset({"zh", "ja", "ko"})  # wordfreq's lookup would need jieba / MeCab for these


@cache
def frequency_language(language: str | None) -> str | None:
    """The wordfreq list that serves this language, or None (no list close enough: no background table).

    wordfreq itself would answer any code with its nearest list, however far ("zu" gets English): not here."""
    if not language:
        return None
    from newsdive.language.word_frequencies import available_languages

    code = language.split("-")[0].lower()
    available = available_languages()
    if code in available:  # langcodes' closest match to a listed code is itself (tested): no need to import it
        return code
    try:
        import langcodes

        return langcodes.closest_supported_match(code, list(available), max_distance=LANGUAGE_DISTANCE)
    except (LookupError, ValueError):  # a malformed tag
        return None


# wordfreq's "large" lists (words down to Zipf 1) for these languages, its "small" ones (down to Zipf 3) for the
# others: the Lambda layer ships exactly these large lists (shared/Makefile reads this line; all 23 would be 46 MB),
# and local runs read the same lists, so both cluster alike. With small lists only, English B-cubed F1 fell from
# 0.854 to 0.836 (UCI) and 0.814 to 0.789 (AllSides undated): words between Zipf 1 and 3 all looked unknown.
LARGE_WORDLISTS = frozenset({"de", "en", "es", "fr", "it", "nl", "pt"})


def wordlist(language: str) -> str:
    return "large" if language in LARGE_WORDLISTS else "small"


@lru_cache(maxsize=200_000)
def idf(term: str, language: str = "en") -> float:
    """Inverse frequency from the background table: rare words (low Zipf) weigh most; unknown words are rare.

    Never raises: a language with no list (or none near enough) gives every term FLAT_IDF."""
    lang = frequency_language(language)
    if lang is None:
        return FLAT_IDF
    if NGRAM_IDF == "flat" and _patterns().ngram_script.search(term):
        return FLAT_IDF
    if lang in _SEGMENTED_LISTS:
        zipf = _listed_zipf(term, lang)
    else:
        from newsdive.language.word_frequencies import zipf_frequency

        try:
            zipf = zipf_frequency(term, lang, wordlist=wordlist(lang))
        except (LookupError, ImportError):  # a list without its tokenizer: no background table
            return FLAT_IDF
    return max(0.3, 7.5 - zipf)


@cache
def _frequency_table(lang: str) -> dict[str, float]:
    """wordfreq's word list of a language read without its tokenizer, with the frequencies of every character
    bigram (and one-character word) summed over the words that contain it."""
    from newsdive.language.word_frequencies import frequency_dict

    words = frequency_dict(lang, wordlist="small")
    table: dict[str, float] = dict(words)
    grams: defaultdict[str, float] = defaultdict(float)
    for word, freq in words.items():
        for gram in ngrams(word):
            if gram != word:
                grams[gram] += freq
        for ch in set(word):
            grams["\x00" + ch] += freq  # a character's frequency over all words (the backoff below)
    for gram, freq in grams.items():
        table[gram] = table.get(gram, 0.0) + freq
    return table


_DIGIT = re.compile(r"\d")


@cache
def _simplified() -> dict[int, str]:
    """wordfreq's character map from Traditional to Simplified Chinese (what its own lookup applies), read without
    importing its jieba-based module; empty when the file is missing."""
    import gzip

    import msgpack

    from newsdive.language.word_frequencies import data_dir

    try:
        with gzip.open(data_dir() / "_chinese_mapping.msgpack.gz") as fh:
            return msgpack.load(fh, raw=False, strict_map_key=False)
    except OSError:
        return {}


# How an n-gram's rarity is read (measured by `newsdive bench scripts`): "backoff" looks it up in the bigram table
# and, when no word of the list contains it (a pair across two words, or a rare name), takes its rarer character;
# "table" counts such a pair as unseen (rarest); "flat" gives every n-gram FLAT_IDF.
NGRAM_IDF = "backoff"


def _listed_zipf(term: str, lang: str) -> float:
    table = _frequency_table(lang)
    freq = table.get(_DIGIT.sub("0", term), 0.0)  # wordfreq lists write digits as 0
    if freq <= 0 and NGRAM_IDF == "backoff" and len(term) > 1 and _patterns().ngram_script.search(term):
        freq = min(table.get("\x00" + ch, 0.0) for ch in term)
    return math.log10(freq * 1e9) if freq > 0 else 0.0


_STEMMED_LANGUAGES = {  # ISO 639-1 code -> Snowball algorithm (snowballstemmer.algorithms())
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "eo": "esperanto", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish",
    "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}


@lru_cache(maxsize=64)
def _stemmer(language: str):  # noqa: ANN202 - snowballstemmer has no types
    import snowballstemmer  # ~20 ms on first use: only the aggregate stage needs it

    algorithm = _STEMMED_LANGUAGES.get(language)
    if algorithm is None or algorithm not in snowballstemmer.algorithms():  # an older snowballstemmer
        return None
    return snowballstemmer.stemmer(algorithm)


@lru_cache(maxsize=200_000)
def stem(term: str, language: str = "en") -> str:
    """The Snowball stem of a lower-case word (numbers unchanged); a language Snowball has no stemmer for keeps
    its words as they are (never another language's stemmer), and so do character n-grams."""
    if term[:1].isdigit():
        return term
    stemmer = _stemmer(language)
    if stemmer is None or _patterns().ngram_script.search(term):
        return term
    return stemmer.stemWord(term)


class _Patterns:
    """Compiled on first use (the `regex` module knows Unicode scripts and grapheme clusters; `re` does not)."""

    def __init__(self) -> None:
        import regex

        # Python's \w (letters and every kind of digit, "9½" is one word) with combining marks allowed inside and
        # at the end of a word (regex's \w has the marks but not the other digits).
        w = r"[\w\p{No}]"
        self.word = regex.compile(rf"\d[\d,.]*\d|(?:(?!_){w})(?:(?:{w}|['’.])*(?:(?!_){w}))?")
        self.ngram_script = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}"
                                          r"\p{Khmer}\p{Myanmar}]")
        # One run per script; the prolonged sound mark (U+30FC, script Common) belongs to Katakana words.
        self.runs = regex.compile(r"(?P<han>[\p{Han}]+)|(?P<hiragana>\p{Hiragana}+)"
                                  r"|(?P<katakana>[\p{Katakana}\u30fc]+)|(?P<hangul>\p{Hangul}+)"
                                  r"|(?P<sea>[\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]+)")
        self.cluster = regex.compile(r"\X")
        self.mark = regex.compile(r"\p{M}")


@cache
def _patterns() -> _Patterns:
    return _Patterns()


_SINGLE_IS_A_TERM = frozenset({"han", "katakana", "hangul"})  # a lone Hiragana or Thai character is no term


def ngrams(text: str) -> list[str]:
    """Character bigrams of each one-script run of the n-gram scripts in `text` (a lone character of Han,
    Katakana or Hangul is a term of its own); other characters are ignored."""
    patterns = _patterns()
    out: list[str] = []
    for run in patterns.runs.finditer(text):
        chars = run.group(0)
        clusters = patterns.cluster.findall(chars) if patterns.mark.search(chars) else chars  # Han needs no \\X
        if len(clusters) == 1:
            if run.lastgroup in _SINGLE_IS_A_TERM:
                out.append(clusters[0])
            continue
        out.extend(a + b for a, b in zip(clusters, clusters[1:], strict=False))
    return out


def _normalise_token(token: str) -> str:
    token = token.replace("’", "'").strip(".'-").lower()
    if token.endswith("'s"):
        token = token[:-2]
    return token


def tokens(text: str, language: str = "en") -> list[tuple[str, bool]]:
    """(term, looks_like_a_name) pairs: a capitalised word that does not start a sentence counts as a name,
    except in Title Case text (most words capitalised), where capitals say nothing. Runs of the n-gram scripts
    give their character bigrams (`ngrams`); the English stop words are dropped from English text only."""
    patterns = _patterns()
    text = unicodedata.normalize("NFC", text)  # "é" as one character or as e + accent: one word
    if language == "zh":  # Traditional characters as Simplified: one term for both, and the list's spelling
        text = text.translate(_simplified())
    stopwords = _NEWS_STOPWORDS if language == "en" else frozenset()
    out: list[tuple[str, bool]] = []
    sentence_start = True
    matches = list(patterns.word.finditer(text))
    capitalised = sum(1 for m in matches if m.group(0)[:1].isupper())
    title_case = len(matches) >= 4 and capitalised > 0.6 * len(matches)
    for match in matches:
        raw = match.group(0)
        if patterns.ngram_script.search(raw):
            out.extend((gram, False) for gram in ngrams(raw))
            rest = patterns.runs.sub(" ", raw)  # Latin letters or digits glued to the run ("G7峰会")
            out.extend(tokens(rest, language) if rest.strip() else ())
            sentence_start = False
            continue
        term = _normalise_token(raw)
        prev = text[match.start() - 2 : match.start()]
        starts = sentence_start or any(ch in prev for ch in ".!?:\"“")
        sentence_start = raw.endswith(".") and not _NUMBER.match(raw)
        if len(term) < 2 or term in stopwords:
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
    weights: defaultdict[str, float] = defaultdict(float)
    rarity: dict[str, float] = {}
    names: set[str] = set()
    for text, factor in ((title, TITLE_WEIGHT), (leading_words(body, BODY_WORDS), 1.0)):
        for word, is_name in tokens(text, lang):
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
