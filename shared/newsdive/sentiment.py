"""Sentiment with VADER (Hutto & Gilbert 2014), using its published thresholds: compound >= 0.05 positive,
<= -0.05 negative, neutral in between."""

from __future__ import annotations

from functools import lru_cache
from statistics import fmean
from typing import Literal

SentimentLabel = Literal["positive", "neutral", "negative"]
THRESHOLD = 0.05


@lru_cache(maxsize=1)
def _analyzer():  # noqa: ANN202 - vaderSentiment has no types
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score in [-1, 1], averaged over sentences so long texts do not saturate."""
    sentences = [s for s in _split_sentences(text) if s.strip()]
    if not sentences:
        return 0.0
    analyzer = _analyzer()
    return round(fmean(analyzer.polarity_scores(s)["compound"] for s in sentences), 4)


def label(score: float) -> SentimentLabel:
    if score >= THRESHOLD:
        return "positive"
    if score <= -THRESHOLD:
        return "negative"
    return "neutral"


def _split_sentences(text: str) -> list[str]:
    import re

    return re.split(r"(?<=[.!?])\s+", text)
