"""wordfreq's word frequencies read from its own data files, without importing wordfreq on the common path.

Importing wordfreq costs a cold container 100-200 ms CPU (ftfy, langcodes' tables, its tokenizer's expressions)
before the first lookup, and the aggregate and publish stages pay it on their first record. Its word lists are
plain data: gzipped msgpack ("cBpack"), a header `{"format": "cB", "version": 1}` followed by one list of words per
centibel, the list at index i holding the words of frequency 10 ** (-i / 100). Read here with gzip and msgpack.

The answers are wordfreq's own, to the last bit. `zipf_frequency` answers from the list only when the tokens
wordfreq would look up are certain (`lookup_tokens`): a language whose only preprocessing is Unicode NFC and case
folding, and a text of Latin, Greek or Cyrillic letters, ASCII digits and the marks ' ’ . , - (several tokens
combine as wordfreq combines them, French elisions are cut off as it cuts them, numbers are weighed by wordfreq's
own numbers module). Anything else (an elision before an accented vowel, other scripts, Turkish dotted I,
Chinese, spaces...) is asked of wordfreq itself, imported
then. tests/unit/language/test_word_frequencies.py compares both on every word of several lists and on generated
strings; decisions/0021 has the measurements.
"""

from __future__ import annotations

import math
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType

# wordfreq's languages whose text is only NFC-normalised and case-folded before it is tokenised by its regular
# expression (no transliteration, no mark removal, no Turkish i, no cedilla or comma fix, no CJK segmenter): a
# test checks each against wordfreq's own language info.
PLAIN_LANGUAGES = frozenset({
    "bg", "ca", "cs", "da", "de", "el", "en", "es", "fi", "fil", "fr", "hu", "id", "is", "it", "lt", "lv", "mk",
    "ms", "nb", "nl", "pl", "pt", "ru", "sk", "sl", "sv", "uk", "vi",
})
_SCRIPTS = ("LATIN ", "GREEK ", "CYRILLIC ")  # letters of these have Unicode Word_Break ALetter (tested)
_NO_FREQUENCY = 1e-9  # Zipf 0: what wordfreq gives a word that is not in its list


@cache
def data_dir() -> Path:
    """wordfreq's data folder, found without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("wordfreq is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def available_languages(wordlist: str = "best") -> dict[str, str]:
    """Language code -> path of its list, for a list size ("small", "large", or "best": large where there is one).

    Read from the file names, as wordfreq does, so a trimmed data folder (the Lambda layer's) answers the same."""
    if wordlist == "best":
        return {**available_languages("small"), **available_languages("large")}
    found: dict[str, str] = {}
    for path in data_dir().glob("*.msgpack.gz"):
        if path.name.startswith("_"):
            continue
        size, _, lang = path.name.split(".")[0].partition("_")
        if size == wordlist:
            found[lang] = str(path)
    return found


@cache
def _buckets(path: str) -> list[list[str]]:
    import gzip

    import msgpack

    with gzip.open(path, "rb") as fh:
        data = msgpack.load(fh, raw=False)
    header = data[0] if data else None
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path}: not a cBpack word list")
    return data[1:]


@cache
def frequency_dict(lang: str, wordlist: str = "best") -> dict[str, float]:
    """Word -> frequency (a proportion of all words), as wordfreq's `get_frequency_dict`; the same dict, in the
    same order. A code without a list of its own goes to wordfreq, which picks the nearest language."""
    path = available_languages(wordlist).get(lang)
    if path is None:
        import wordfreq

        return wordfreq.get_frequency_dict(lang, wordlist)
    freqs: dict[str, float] = {}
    for centibels, words in enumerate(_buckets(path)):
        freq = 10 ** (-centibels / 100)
        for word in words:
            freqs[word] = freq
    return freqs


@lru_cache(maxsize=100)
def top_n_list(lang: str, n: int, wordlist: str = "best") -> list[str]:
    """The n most frequent words of the list, without multi-digit numbers, as wordfreq's `top_n_list`."""
    path = available_languages(wordlist).get(lang)
    numbers = _numbers()
    if path is None or numbers is None:
        import wordfreq

        return wordfreq.top_n_list(lang, n, wordlist)
    out: list[str] = []
    for words in _buckets(path):
        for word in words:
            if not numbers.has_digit_sequence(word):
                out.append(word)
                if len(out) >= n:
                    return out
    return out


def zipf_frequency(word: str, lang: str, wordlist: str = "best") -> float:
    """wordfreq's `zipf_frequency(word, lang, wordlist)`: from the list when `lookup_tokens` knows the tokens
    wordfreq would look up, from wordfreq itself for anything else."""
    tokens = lookup_tokens(word, lang)
    path = available_languages(wordlist).get(lang)
    numbers = _numbers() if tokens and any(_has_digit(token) for token in tokens) else None
    if tokens is None or path is None or (numbers is None and any(_has_digit(token) for token in tokens)):
        import wordfreq

        return wordfreq.zipf_frequency(word, lang, wordlist)
    if not tokens:
        return _zipf(_NO_FREQUENCY)
    freqs = frequency_dict(lang, wordlist)
    one_over = 0.0  # several tokens combine as 1/f = 1/f1 + 1/f2 + ... (wordfreq's rule)
    for token in tokens:
        if numbers is None or not _has_digit(token):
            freq = freqs.get(token)
        else:
            # multi-digit numbers are listed with their digits as 0 ("0000"), each number then weighed by
            # wordfreq's estimate of its own share (its numbers module, loaded alone)
            smashed = numbers.smash_numbers(token)
            freq = freqs.get(smashed)
            if freq is not None and smashed != token:
                freq *= numbers.digit_freq(token)
        if freq is None:  # one unknown token: the whole is unknown
            return _zipf(_NO_FREQUENCY)
        one_over += 1.0 / freq
    # wordfreq's data is precise to about 1%: it rounds a frequency to 3 significant digits, a Zipf value to 2 places
    freq = max(1.0 / one_over, _NO_FREQUENCY)
    return _zipf(round(freq, math.floor(-math.log(freq, 10)) + 3))


def _has_digit(token: str) -> bool:
    return any("0" <= ch <= "9" for ch in token)  # the only digits `lookup_tokens` lets through


def _zipf(freq: float) -> float:
    return round(math.log(freq, 10) + 9, 2)


_LETTER, _DIGIT, _APOSTROPHE, _POINT, _COMMA, _BREAK = range(6)
_MARKS = {"'": _APOSTROPHE, "\u2019": _APOSTROPHE, ".": _POINT, ",": _COMMA, "-": _BREAK}
# wordfreq cuts a French or Catalan elision off a token: one or two letters and a straight apostrophe at its start,
# before a vowel or "h" ("l'homme" -> "l", "homme"; not "l’homme" with a curly one). Certain here for a plain
# vowel, "h" or "y" after it, and for a consonant (kept whole: "i'm", "we'll"); other letters go to wordfreq.
_ELIDED = frozenset("aehiouy")
_KEEPS_ELISION = frozenset("bcdfgjklmnpqrstvwxz")


@lru_cache(maxsize=65536)
def lookup_tokens(word: str, lang: str) -> tuple[str, ...] | None:
    """The tokens wordfreq would look `word` up as in `lang`, or None when that is not certain here.

    For the plain languages wordfreq NFC-normalises and case-folds the text, then cuts it at Unicode's word
    boundaries (UAX #29). Over the characters taken here, Latin, Greek and Cyrillic letters, ASCII digits and
    the marks ' ’ . , - those boundaries are: none between letters and digits (rules WB5, WB8-WB10); none at an
    apostrophe or a point between two letters (WB6-WB7), nor at an apostrophe, point or comma between two digits
    (WB11-WB12); everywhere else. Marks left alone are no token; ’ is then looked up as '. An elision is cut off
    as wordfreq cuts it (`_ELIDED`)."""
    if lang not in PLAIN_LANGUAGES:
        return None
    text = unicodedata.normalize("NFC", word).casefold()
    if not text.isascii() and (unicodedata.normalize("NFC", text) != text or text.casefold() != text):
        return None
    kinds: list[int] = []
    for ch in text:
        kind = _MARKS.get(ch)
        if kind is None:
            if "0" <= ch <= "9":
                kind = _DIGIT
            elif _letter(ch):
                kind = _LETTER
            else:
                return None
        kinds.append(kind)
    return _cut_elisions(_segments(text, kinds))


def _segments(text: str, kinds: list[int]) -> list[str]:
    """The runs of letters and digits between word boundaries, as the rules in `lookup_tokens` place them."""
    tokens: list[str] = []
    start = None
    for i, kind in enumerate(kinds):
        if kind in (_LETTER, _DIGIT):
            if start is None:
                start = i
            continue
        before = kinds[i - 1] if i else None
        after = kinds[i + 1] if i + 1 < len(kinds) else None
        joins = (before == after == _LETTER and kind in (_APOSTROPHE, _POINT)) or (
            before == after == _DIGIT and kind in (_APOSTROPHE, _POINT, _COMMA))
        if not joins and start is not None:
            tokens.append(text[start:i])
            start = None
    if start is not None:
        tokens.append(text[start:])
    return tokens


def _cut_elisions(tokens: list[str]) -> tuple[str, ...] | None:
    out: list[str] = []
    for token in tokens:
        while at := 1 if token[1:2] == "'" else 2 if token[2:3] == "'" else 0:  # one or two letters, then '
            if token[at + 1] in _ELIDED:
                out.append(token[:at])
                token = token[at + 1 :]
            elif token[at + 1] in _KEEPS_ELISION:
                break
            else:
                return None
        out.append(token)
    return tuple(token.replace("\u2019", "'") for token in out)


@lru_cache(maxsize=4096)
def _letter(ch: str) -> bool:
    return ch.isalpha() and unicodedata.name(ch, "").startswith(_SCRIPTS)


@cache
def _numbers() -> ModuleType | None:
    """wordfreq's `numbers` module (how it weighs numbers: years, Benford's law), loaded on its own: importing it
    as `wordfreq.numbers` would import the whole package. It needs only `regex`. None when it cannot be loaded
    (another wordfreq layout): numbers then go to wordfreq."""
    import importlib.util

    try:
        spec = importlib.util.spec_from_file_location("newsdive._wordfreq_numbers", data_dir().parent / "numbers.py")
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (ImportError, OSError, SyntaxError):
        return None
    needed = ("smash_numbers", "digit_freq", "has_digit_sequence")
    return module if all(callable(getattr(module, name, None)) for name in needed) else None
