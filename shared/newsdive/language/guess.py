"""A light language guess from the body text, for pages that declare none.

Scripts settle most non-Latin languages; for Latin-script text a handful of very common function words
decide between the languages news pages are mostly written in. No guess rather than a poor one.
"""

from __future__ import annotations

import functools
import re

_STOPWORDS = {
    "en": "the and of to in is that for on with was as by at from it are be has have said",
    "de": "der die und das ist nicht mit den von zu sich auf ein eine dem des im für auch",
    "fr": "le la les et des est une un du que pour dans qui sur pas au avec ce il elle",
    "es": "el la de que y los las en por con una para del se su al es lo como más",
    "it": "il di che la e per un una del non sono della nel con si da alla le gli",
    "pt": "de que o a e do da em um para com não uma os no se na por mais as dos",
    "nl": "de het een en van is dat op te in voor met niet zijn er die ook aan",
    "sv": "och att det som en på är av för med till den har de inte om ett var",
    "pl": "i w na z się nie do to że jest o jak po co ale przez od dla tak",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke ada",
    "tr": "ve bir bu da de için ile çok olarak daha gibi ne en olan ama",
    "zu": "ukuthi futhi kanye uma ngoba kodwa lokho kusho kuthi njengoba ngesikhathi wathi bathi abantu "
    "lapho "
    "noma kakhulu kulo yena bona ukuba kule kulezi",
}
_WORDS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+")
# Compiled on first use: wide character classes take milliseconds to compile, and most pages declare a language.
_SCRIPT_CLASSES = (
    ("ja", "[\u3040-\u30ff]"),
    ("ko", "[\uac00-\ud7af]"),
    ("zh", "[\u4e00-\u9fff]"),
    ("ru", "[\u0400-\u04ff]"),
    ("ar", "[\u0600-\u06ff]"),
    ("he", "[\u0590-\u05ff]"),
    ("el", "[\u0370-\u03ff]"),
    ("th", "[\u0e00-\u0e7f]"),
    ("hi", "[\u0900-\u097f]"),
)


@functools.cache
def _scripts() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((lang, re.compile(cls)) for lang, cls in _SCRIPT_CLASSES)


_UKRAINIAN = re.compile("[іїєґІЇЄҐ]")


def looks_english(text: str) -> bool:
    """False only for a long text almost without English function words (English prose has 25% or more)."""
    tokens = [t.lower() for t in _TOKEN.findall(text[:3000])]
    if len(tokens) < 60:
        return True
    return sum(1 for t in tokens if t in _WORDS["en"]) >= 0.05 * len(tokens)


def guess_language(text: str, min_share: float = 0.08) -> str | None:
    """A language code for the text, or None when unsure.

    min_share: the share of tokens that must be function words of the winning language.
    """
    sample = text[:3000]
    if not sample:
        return None
    letters = sum(1 for ch in sample if ch.isalpha()) or 1
    scripts = _scripts()
    for lang, rx in scripts:
        hits = len(rx.findall(sample))
        if lang == "zh" and hits and len(scripts[0][1].findall(sample)) > hits * 0.05:
            continue  # kanji with kana is Japanese, decided above when kana dominate enough
        if hits > letters * 0.3:
            if lang == "ru" and _UKRAINIAN.search(sample):
                return "uk"
            return lang
    tokens = [t.lower() for t in _TOKEN.findall(sample)]
    if len(tokens) < 20:
        return None
    counts = {lang: sum(1 for t in tokens if t in words) for lang, words in _WORDS.items()}
    best = max(counts, key=counts.__getitem__)
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] >= max(5, len(tokens) * min_share) and ranked[0] >= 1.5 * ranked[1]:
        return best
    return None
