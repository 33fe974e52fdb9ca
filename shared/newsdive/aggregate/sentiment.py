"""Sentiment that is true or says it does not know.

A method scores only text in a language it covers; any other text gets no score (`None`) and the label
`"unknown"`, never an English lexicon's verdict on another language. Methods and the languages they cover
(primary language subtags, so "en-GB" is English):

- `vader`: VADER (Hutto & Gilbert 2014), an English lexicon and rules; covers `en` only. Its compound score is
  averaged over sentences (long texts do not saturate) and labelled with its published thresholds: compound
  >= 0.05 positive, <= -0.05 negative, neutral in between.

No other language is covered (see the README for why: no well-kept, measured method small enough for a Lambda).

The text's language is the article's extracted one (the page's declaration, overruled by the extractor when the
text clearly says otherwise); when that is unknown, it is guessed from the text (scripts, function words of 12
languages: `newsdive.language.guess`) and stays unknown when the guess is unsure. English is never assumed.

Several readings mix (a story, a side) by the mean over the readings that have a score; a mix of none is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from statistics import fmean
from typing import Literal

SentimentLabel = Literal["positive", "neutral", "negative", "unknown"]
UNKNOWN: SentimentLabel = "unknown"
THRESHOLD = 0.05
VADER = "vader"
# Method -> the primary language subtags it covers.
COVERAGE: dict[str, frozenset[str]] = {VADER: frozenset({"en"})}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Reading:
    """A sentiment reading: the score in [-1, 1] (None: no method covers the text), its label, and the method
    (None when nothing scored it)."""

    score: float | None
    label: SentimentLabel
    method: str | None

    @property
    def known(self) -> bool:
        return self.score is not None


NOT_COVERED = Reading(None, UNKNOWN, None)


def primary(language: str | None) -> str | None:
    """The primary subtag of a BCP-47-ish code, lower case ("en-GB" -> "en", "zh_Hant" -> "zh")."""
    if not language:
        return None
    tag = re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()
    return tag if tag.isalpha() and 2 <= len(tag) <= 3 else None


def method_for(language: str | None) -> str | None:
    """The method covering this language, or None."""
    tag = primary(language)
    return next((method for method, covered in COVERAGE.items() if tag in covered), None)


def language_of(extracted: str | None, text: str) -> str | None:
    """The text's language: the extracted one when known, else a guess from the text, else None."""
    if extracted and primary(extracted):
        return extracted
    from newsdive.language.guess import guess_language  # only for articles whose language extraction left unknown

    return guess_language(text)


def read(text: str, language: str | None) -> Reading:
    """The sentiment of `text`, written in `language`: scored by the method covering it, else unknown."""
    method = method_for(language)
    if method is None:
        return NOT_COVERED
    score = compound(text)
    return Reading(score, label(score), method)


def mix(readings: Iterable[Reading]) -> Reading:
    """Several readings as one: the mean of the scored ones (their methods joined with "+", sorted); unknown
    when none is scored."""
    scored = [r for r in readings if r.score is not None]
    if not scored:
        return NOT_COVERED
    score = round(fmean(r.score for r in scored if r.score is not None), 4)
    methods = sorted({r.method for r in scored if r.method})
    return Reading(score, label(score), "+".join(methods) or None)


@lru_cache(maxsize=1)
def _analyzer():  # noqa: ANN202 - vaderSentiment has no types
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score in [-1, 1], averaged over sentences so long texts do not saturate.

    English text only: callers go through `read`, which checks the language first."""
    sentences = [_bounded(s) for s in _SENTENCE_END.split(text) if s.strip()][:MAX_SENTENCES]
    if not sentences:
        return 0.0
    analyzer = _analyzer()
    return round(fmean(analyzer.polarity_scores(s)["compound"] for s in sentences), 4)


# VADER's time grows with the square of a sentence's length (3,500 words: 2 s; a 450 KB run-on paragraph: minutes,
# past the function's timeout, a poison record). A title and lead never need more than this.
MAX_SENTENCES = 40
MAX_SENTENCE_WORDS = 120


def _bounded(sentence: str) -> str:
    words = sentence.split()
    return " ".join(words[:MAX_SENTENCE_WORDS]) if len(words) > MAX_SENTENCE_WORDS else sentence


def label(score: float | None) -> SentimentLabel:
    if score is None:
        return UNKNOWN
    if score >= THRESHOLD:
        return "positive"
    if score <= -THRESHOLD:
        return "negative"
    return "neutral"
