"""The analysis of a deep dive comes through a `Summarizer`.

- `ExtractiveSummarizer` (the default, no network): each outlet's lead sentence, most central outlet first, no
  sentence twice, every sentence attributed to its outlet.
- `BedrockSummarizer` (opt-in, `SUMMARIZER=bedrock`): an Amazon Bedrock model (Converse API, optional guardrail)
  writes a short overview *from the extractive sentences only*. The overview is an extra section, labelled in the
  document's `generation`; it never replaces the sourced sections, the figures or the source list. A generated
  text naming a number that is not in its input, cut short, or blocked by the guardrail is discarded and the
  extractive analysis is published instead. Re-publishing the same story reuses the previous overview when the
  model's input did not change, so documents stay byte-identical and the model is called once per story state.
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from newsdive.aggregate.cluster.features import cosine
from newsdive.language.plaintext import plain, safe_url, sentences, word_set
from newsdive.model.documents import DeepDive, Generation, Paragraph, Section
from newsdive.model.story import Member, StoryRecord

SUMMARY_SENTENCES = 5
# Datelines and timestamps that extraction sometimes leaves in a lead ("Published 8:15 AM PST", "· 21 November
# 2026 ·") are not summary material.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"\b\d{1,2}:\d{2}\s*(?:[AaPp]\.?[Mm]\b\.?)|\bPublished\b|\bUpdated\b|^\W"
    rf"|\b\d{{1,2}} {_MONTH} \d{{4}}\b|\b{_MONTH} \d{{1,2}}, \d{{4}}\b"
)


def is_dateline(sentence: str) -> bool:
    """A sentence carrying a byline's date or time, or opening with punctuation: page furniture, not prose."""
    return bool(_DATELINE.search(sentence))
_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")


@dataclass(frozen=True)
class Analysis:
    """The sections a summarizer produced (they open the deep dive) and how their text was made."""

    sections: list[Section]
    generation: Generation = field(default_factory=Generation)
    fallback_reason: str | None = None  # why a generative summarizer published the extractive analysis instead


class Summarizer(ABC):
    """Writes the opening analysis of a deep dive from the story's members."""

    uses_previous: bool = False  # True: pass the previously published deep dive (reuse of generated text)

    @abstractmethod
    def analyse(self, story: StoryRecord, members: Sequence[Member], *, previous: DeepDive | None = None) -> Analysis:
        """The analysis sections of the story, in order."""


class ExtractiveSummarizer(Summarizer):
    """Sentences taken from the reports themselves, each attributed to its outlet."""

    def analyse(self, story: StoryRecord, members: Sequence[Member], *, previous: DeepDive | None = None) -> Analysis:
        summary = Section(id="summary", title="Summary", paragraphs=summary_paragraphs(story, members))
        return Analysis(sections=[summary])


def summary_paragraphs(story: StoryRecord, members: Sequence[Member]) -> list[Paragraph]:
    """Each outlet's first usable lead sentence, most central outlet first; near-duplicates (Jaccard > 0.5 on
    words) and datelines are skipped, so no sentence appears twice."""
    by_outlet: dict[str, Member] = {}
    for m in sorted(members, key=lambda m: (-round(cosine(m.vector, story.centroid), 6), m.article_id)):
        by_outlet.setdefault(m.outlet_id, m)
    picked: list[Paragraph] = []
    seen_words: list[set[str]] = []
    for m in by_outlet.values():
        for sentence in sentences(plain(m.lead), m.language)[:3]:
            words = word_set(sentence)
            if len(words) < 6 or is_dateline(sentence):
                continue
            if any(len(words & w) / len(words | w) > 0.5 for w in seen_words):
                continue
            seen_words.append(words)
            picked.append(Paragraph(text=sentence, outlet_id=m.outlet_id, outlet=m.outlet, url=safe_url(m.url)))
            break
        if len(picked) >= SUMMARY_SENTENCES:
            break
    return picked


SYSTEM_PROMPT = (
    "You write a neutral overview of a news story for a news reader. Use only facts stated in the reports you "
    "are given; do not add names, numbers, dates or claims that are not in them, and do not take sides or judge. "
    "Write plain text (no markdown, no lists, no links), two or three sentences, at most 80 words."
)


class BedrockSummarizer(Summarizer):
    """An overview written by a Bedrock model through the Converse API, grounded in the extractive sentences."""

    uses_previous = True

    def __init__(self, model_id: str, *, guardrail_id: str = "", guardrail_version: str = "",
                 client: Any = None, max_tokens: int = 300) -> None:
        if not model_id:
            raise ValueError("BedrockSummarizer needs a model id (BEDROCK_MODEL_ID)")
        self.model_id = model_id
        self.guardrail_id = guardrail_id
        self.guardrail_version = guardrail_version or ("DRAFT" if guardrail_id else "")
        self.max_tokens = max_tokens
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from newsdive.storage.clients import client

            self._client = client("bedrock-runtime")
        return self._client

    @property
    def guardrail(self) -> str | None:
        return f"{self.guardrail_id}:{self.guardrail_version}" if self.guardrail_id else None

    def prompt(self, story: StoryRecord, summary: Sequence[Paragraph]) -> str:
        lines = [f"Headline: {plain(story.title)}", "Reports:"]
        lines += [f"- {p.outlet}: {p.text}" for p in summary]
        return "\n".join(lines)

    def request(self, prompt: str) -> dict[str, Any]:
        """The Converse request (deterministic: temperature 0)."""
        kwargs: dict[str, Any] = {
            "modelId": self.model_id,
            "system": [{"text": SYSTEM_PROMPT}],
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": self.max_tokens, "temperature": 0.0},
        }
        if self.guardrail_id:
            kwargs["guardrailConfig"] = {"guardrailIdentifier": self.guardrail_id,
                                         "guardrailVersion": self.guardrail_version, "trace": "disabled"}
        return kwargs

    def analyse(self, story: StoryRecord, members: Sequence[Member], *, previous: DeepDive | None = None) -> Analysis:
        extractive = ExtractiveSummarizer().analyse(story, members)
        summary = extractive.sections[0].paragraphs
        if not summary:
            return Analysis(extractive.sections, fallback_reason="no sentence to summarise")
        prompt = self.prompt(story, summary)
        digest = hashlib.sha256(
            json.dumps({"model": self.model_id, "guardrail": self.guardrail, "system": SYSTEM_PROMPT,
                        "prompt": prompt}, sort_keys=True).encode("utf-8")
        ).hexdigest()
        generation = Generation(method="generated", model=self.model_id, guardrail=self.guardrail,
                                sections=["overview"], input_sha256=digest)
        reused = _previous_overview(previous, digest)
        if reused is not None:
            return Analysis([reused, *extractive.sections], generation)
        text, reason = self._generate(prompt)
        if text is None:
            return Analysis(extractive.sections, fallback_reason=reason)
        ungrounded = _numbers(text) - _numbers(prompt)
        if ungrounded:
            return Analysis(extractive.sections, fallback_reason=f"numbers not in the sources: {sorted(ungrounded)}")
        overview = Section(id="overview", title="Overview", paragraphs=[Paragraph(text=text)])
        return Analysis([overview, *extractive.sections], generation)

    def _generate(self, prompt: str) -> tuple[str | None, str | None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.converse(**self.request(prompt))
        except ClientError as exc:
            return None, f"bedrock {exc.response.get('Error', {}).get('Code', 'error')}"
        except BotoCoreError as exc:
            return None, f"bedrock {type(exc).__name__}"
        stop = response.get("stopReason")
        if stop != "end_turn":
            return None, f"bedrock stopped: {stop}"  # guardrail_intervened, max_tokens, content_filtered ...
        blocks = ((response.get("output") or {}).get("message") or {}).get("content") or []
        text = plain(" ".join(b["text"] for b in blocks if isinstance(b.get("text"), str)))
        text = re.sub(r"[*_#`]+", "", text).strip()  # models add markdown despite being asked not to
        if not text or len(text) > 800 or "://" in text:
            return None, "bedrock output empty, too long or with a link"
        return text, None


def _previous_overview(previous: DeepDive | None, digest: str) -> Section | None:
    if previous is None or previous.generation.input_sha256 != digest:
        return None
    return next((s for s in previous.sections if s.id == "overview"), None)


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def from_settings(kind: str, *, model_id: str = "", guardrail_id: str = "", guardrail_version: str = "") -> Summarizer:
    """The configured summarizer: "extractive" (default) or "bedrock"."""
    if kind == "bedrock":
        return BedrockSummarizer(model_id, guardrail_id=guardrail_id, guardrail_version=guardrail_version)
    if kind in ("", "extractive"):
        return ExtractiveSummarizer()
    raise ValueError(f"unknown summarizer {kind!r} (extractive or bedrock)")
