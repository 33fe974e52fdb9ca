"""Render stories as published documents: the deep dive, the cards of the index feeds, RSS feeds and the sitemap.

Rendering is a pure function of the stored story records: no clock, no randomness, sorted keys, so the same
state always gives byte-identical documents (and unchanged documents are not rewritten). Story-level times are
published in UTC; a source entry keeps the time as its outlet published it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import overload

from newsdive.aggregate.bias import blindspot_label
from newsdive.aggregate.cluster.features import cosine
from newsdive.aggregate.sentiment import SentimentLabel
from newsdive.language.plaintext import WORDS_PER_MINUTE, plain, reading_minutes, safe_url, sentences, snippet  # noqa: F401 - WORDS_PER_MINUTE re-exported
from newsdive.model.documents import (
    ArticleSentiment,
    Blindspot,
    Card,
    DeepDive,
    IndexPage,
    KeyPlayer,
    Paragraph,
    Section,
    SideSentiment,
    SourceEntry,
    StorySentiment,
    TocEntry,
    schema_path,
)
from newsdive.model.sources import Side, side_of
from newsdive.model.story import Member, StoryRecord, story_language
from newsdive.publish.key_players import key_players
from newsdive.publish.summarize import ExtractiveSummarizer, Summarizer, summary_paragraphs

PAGE_SIZE = 20
_SIDE_NAMES = {Side.LEFT: "Left", Side.CENTER: "Center", Side.RIGHT: "Right"}
_SIDE_ADJ = {Side.LEFT: "left-leaning", Side.CENTER: "center", Side.RIGHT: "right-leaning"}
EXTRACTIVE = ExtractiveSummarizer()


_SLUG_WORDS = 10
_SLUG_CHARS = 120  # of the words part; a word of an unspaced script (Thai...) is cut at 40 characters


def _ascii_words(title: str, language: str | None = None) -> list[str]:
    """The title's words in ASCII: letters and digits of any script are transliterated (anyascii: Han by
    syllable, Hangul, kana, Cyrillic, Devanagari, Arabic, Greek, accented Latin by letter); everything else separates
    words. ASCII letters and digits are kept as they are, so an ASCII title's words are the same as before.
    Ukrainian is romanised by its official rules first (translitua, KMU 2010: "Климчук" -> "Klymchuk", where
    anyascii's Russian-style letters give "Klimchuk")."""
    import unicodedata

    text = plain(title)
    if language and language.split("-")[0].lower() == "uk":
        from translitua import UkrainianKMU, translit

        text = translit(text, UkrainianKMU)
    out: list[str] = []
    for ch in text:
        if ch.isascii():
            out.append(ch.lower() if ch.isalnum() else " ")
            continue
        category = unicodedata.category(ch)
        if category[0] not in "LMN":  # punctuation, symbols (£, €, ™), spaces: a separator as before
            out.append(" ")
            continue
        from anyascii import anyascii  # per-block tables, loaded on first use

        latin = anyascii(ch)
        # A Han ideograph is one syllable of a text written without spaces: a word of its own.
        alone = unicodedata.name(ch, "").startswith("CJK ") and "IDEOGRAPH" in unicodedata.name(ch, "")
        latin = re.sub(r"[^a-z0-9]+", " " if alone else "", latin.lower())
        out.append(f" {latin} " if alone else latin)
    return [w[:40] for w in "".join(out).split()]


def slugify(title: str, story_id: str, language: str | None = None) -> str:
    """`words-of-the-title-<first 8 of the id>`: at most 10 words and 120 characters of [a-z0-9-], any script
    transliterated to Latin letters (see `_ascii_words`; `language`, the title's, picks a language's own
    romanisation where one is known); the bare id when the title has no letter or digit."""
    words: list[str] = []
    for word in _ascii_words(title, language)[:_SLUG_WORDS]:
        if words and len("-".join([*words, word])) > _SLUG_CHARS:
            break
        words.append(word[:_SLUG_CHARS])
    return "-".join(words) + f"-{story_id[:8]}" if words else story_id


def story_slug(story: StoryRecord) -> str:
    """The story's slug, romanised by the rules of its one language (a story in several languages: anyascii)."""
    return slugify(story.title, story.story_id, story_language(story.members.values()))


def deep_dive_path(story_id: str) -> str:
    return f"deep-dives/{story_id}.json"


@overload
def utc(when: datetime) -> datetime: ...
@overload
def utc(when: None) -> None: ...
def utc(when: datetime | None) -> datetime | None:
    return when.astimezone(UTC) if when is not None else None


def _instant(member: Member) -> tuple[float, str]:
    """Timeline order: by the real instant (offsets differ between outlets), undated last, then by id."""
    return (member.published_at.timestamp() if member.published_at else math.inf, member.article_id)


def _blindspot(story: StoryRecord) -> Blindspot | None:
    return Blindspot(side=story.blindspot, label=blindspot_label(story.blindspot)) if story.blindspot else None


def _tone(name: str, tone: SentimentLabel) -> str:
    """"Center Neutral", or "Center · tone unknown" when no method covers the articles' language."""
    return f"{name} · tone unknown" if tone == "unknown" else f"{name} {tone.capitalize()}"


def labels(story: StoryRecord) -> list[str]:
    """Short tags a reader sees at a glance: the dominant side and that side's tone (e.g. "Center Neutral"),
    "Balanced ..." when sides tie (overall tone), and the blindspot label. A tone no method could read is said
    to be unknown ("Left · tone unknown"), never guessed."""
    dist = story.bias
    if dist.rated:
        best = max(dist.share(s) for s in Side)
        leaders = [s for s in (Side.LEFT, Side.CENTER, Side.RIGHT) if dist.share(s) == best]
        if len(leaders) == 1:
            side = leaders[0]
            of_side = story.sentiment.sides.get(side)
            first = _tone(_SIDE_NAMES[side], of_side.label if of_side else "unknown")
        else:
            first = _tone("Balanced", story.sentiment.label)
    else:
        first = _tone("Unrated", story.sentiment.label)
    out = [first]
    if story.blindspot:
        out.append(blindspot_label(story.blindspot) or "")
    return out


def side_representative(members: Sequence[Member], centroid: dict[str, float]) -> Member:
    """The article of one side shown in "how each side covers it": closest to the story's centroid, ties broken by
    article id (stable whatever the publication times); not the story's headline (`story._headline_member`)."""
    return max(members, key=lambda m: (round(cosine(m.vector, centroid), 6), -len(m.article_id), m.article_id))


def _para(text: str, m: Member | None = None) -> Paragraph:
    if m is None:
        return Paragraph(text=text)
    return Paragraph(text=text, outlet_id=m.outlet_id, outlet=m.outlet, url=safe_url(m.url))


def _sides_paragraphs(story: StoryRecord, members: list[Member]) -> list[Paragraph]:
    out: list[Paragraph] = []
    for side in (Side.LEFT, Side.CENTER, Side.RIGHT):
        of_side = [m for m in members if side_of(m.bias) == side]
        if not of_side:
            out.append(_para(f"{_SIDE_NAMES[side]}: no {_SIDE_ADJ[side]} outlet among the sources covered this story."))
            continue
        m = side_representative(of_side, story.centroid)
        first = sentences(plain(m.lead), m.language)[:1]
        text = f"{_SIDE_NAMES[side]}: “{plain(m.title)}”" + (f" {first[0]}" if first else "")
        out.append(_para(text, m))
    unrated = [m for m in members if side_of(m.bias) is None]
    if unrated:
        names = ", ".join(sorted({plain(m.outlet) for m in unrated}))
        out.append(_para(f"Also covered by outlets without a bias rating: {names}."))
    return out


def _key_player_paragraphs(players: Sequence[KeyPlayer], members: Sequence[Member]) -> list[Paragraph]:
    if not players:
        return [_para("No person or organisation is named more than once in the reports.")]
    names = {m.outlet_id: plain(m.outlet) for m in members}
    out = []
    for p in players:
        by = ", ".join(sorted(names.get(o, o) for o in p.outlet_ids))
        times = "once" if p.mentions == 1 else f"{p.mentions} times"
        out.append(_para(f"{p.name}: named {times}, by {by}."))
    return out


def _timeline_paragraphs(members: list[Member]) -> list[Paragraph]:
    out = []
    for i, m in enumerate(sorted(members, key=_instant)):
        when = utc(m.published_at).strftime("%Y-%m-%d %H:%M UTC") if m.published_at else "undated"
        first = " (first report)" if i == 0 and m.published_at else ""
        out.append(_para(f"{when}{first}: {plain(m.outlet)}: {plain(m.title)}", m))
    return out


def _sources_paragraphs(members: list[Member]) -> list[Paragraph]:
    return [
        _para(f"{plain(m.outlet)} ({m.bias.value}): {plain(m.title)}", m)
        for m in sorted(members, key=lambda m: (plain(m.outlet).lower(), m.article_id))
    ]


def sections(story: StoryRecord, *, analysis: Sequence[Section] | None = None,
             players: Sequence[KeyPlayer] | None = None) -> list[Section]:
    """The deep dive's sections in their fixed order: the analysis (Summary, plus a labelled generated Overview
    before it when a generative summarizer is on), How each side covers it, Key players, Timeline, Sources."""
    members = sorted(story.members.values(), key=_instant)
    if analysis is None:
        analysis = [Section(id="summary", title="Summary", paragraphs=summary_paragraphs(story, members))]
    if players is None:
        players = key_players(story, members)
    return [
        *analysis,
        Section(id="how-each-side-covers-it", title="How each side covers it",
                paragraphs=_sides_paragraphs(story, members)),
        Section(id="key-players", title="Key players", paragraphs=_key_player_paragraphs(players, members)),
        Section(id="timeline", title="Timeline", paragraphs=_timeline_paragraphs(members)),
        Section(id="sources", title="Sources", paragraphs=_sources_paragraphs(members)),
    ]


def read_time(title: str, summary: str, secs: Sequence[Section], *, skip: Iterable[str] = ()) -> int:
    """Minutes to read the document's own text (at least 1): words at 265 per minute, characters of scripts
    written without spaces at their script's rate (newsdive.language.plaintext.reading_minutes). Generated sections are
    not counted, so a card and its deep dive always agree."""
    skipped = set(skip)
    texts = [title, summary]
    texts += [t for s in secs if s.id not in skipped for t in (s.title, *(p.text for p in s.paragraphs))]
    return max(1, math.ceil(round(reading_minutes(texts), 9)))


def _summary_text(secs: Sequence[Section]) -> str:
    first = next((s for s in secs if s.id == "summary"), None)
    text = " ".join(p.text for p in first.paragraphs) if first else ""
    return snippet(text, 300)


_CARDS: dict[bytes, Card] = {}  # story digest -> card (see `card`)
_CARDS_MAX = 4096


def card(story: StoryRecord) -> Card:
    """A story as a list item; its figures are those of its deep dive.

    Memoised on a digest of the whole story: every index feed lists up to 200 stories and re-renders them at every
    publish invocation, while most of them have not changed since the last one (a warm container keeps the cache).
    """
    key = hashlib.blake2b(story.model_dump_json().encode(), digest_size=16).digest()
    cached = _CARDS.get(key)
    if cached is None:
        if len(_CARDS) >= _CARDS_MAX:
            _CARDS.pop(next(iter(_CARDS)))  # the oldest entry: insertion order
        cached = _CARDS[key] = _card(story)
    return cached.model_copy(deep=True)


def _card(story: StoryRecord) -> Card:
    secs = sections(story)
    summary = _summary_text(secs)
    return Card(
        id=story.story_id,
        slug=story_slug(story),
        title=plain(story.title),
        category=story.category,
        regions=story.regions,
        bias=story.bias,
        blindspot=_blindspot(story),
        snippet=snippet(summary or story.title, 160),
        published_at=utc(story.published_at),
        updated_at=utc(story.updated_at),
        read_time_minutes=read_time(plain(story.title), summary, secs),
        source_count=len(story.outlets()),
        article_count=len(story.members),
        labels=labels(story),
        url=f"/{deep_dive_path(story.story_id)}",
        language=story_language(story.members.values()),
    )


def deep_dive(story: StoryRecord, related: Sequence[StoryRecord], *, summarizer: Summarizer = EXTRACTIVE,
              previous: DeepDive | None = None) -> DeepDive:
    members = sorted(story.members.values(), key=_instant)
    analysis = summarizer.analyse(story, members, previous=previous)
    players = key_players(story, members)
    secs = sections(story, analysis=analysis.sections, players=players)
    summary = _summary_text(secs)
    return DeepDive(
        schema_url=schema_path("deep-dive"),
        id=story.story_id,
        slug=story_slug(story),
        url=f"/{deep_dive_path(story.story_id)}",
        title=plain(story.title),
        summary=summary,
        category=story.category,
        regions=story.regions,
        published_at=utc(story.published_at),
        updated_at=utc(story.updated_at),
        read_time_minutes=read_time(plain(story.title), summary, secs, skip=analysis.generation.sections),
        source_count=len(story.outlets()),
        article_count=len(members),
        bias=story.bias,
        blindspot=_blindspot(story),
        sentiment=_sentiment(story),
        labels=labels(story),
        toc=[TocEntry(id=s.id, title=s.title) for s in secs],
        sections=secs,
        sources=[
            SourceEntry(
                article_id=m.article_id,
                outlet_id=m.outlet_id,
                outlet=m.outlet,
                bias=m.bias,
                side=side_of(m.bias),
                title=m.title,
                url=safe_url(m.url),
                published_at=m.published_at,
                flags=m.flags,
                language=language_code(m.language),
                sentiment=ArticleSentiment(score=m.sentiment, label=m.reading.label, method=m.sentiment_method),
            )
            for m in members
        ],
        related=[card(r) for r in related if r.story_id != story.story_id][:6],
        generation=analysis.generation,
        key_players=players,
        language=story_language(members),
    )


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$")


def language_code(language: str | None) -> str | None:
    """A stored language as published: a BCP-47-ish code, or null for anything else."""
    return language if language and len(language) <= 35 and _LANGUAGE.match(language) else None


def _sentiment(story: StoryRecord) -> StorySentiment:
    s = story.sentiment
    return StorySentiment(
        score=s.score, label=s.label, method=s.method, scored=s.scored, by_side=s.by_side,
        sides={side: SideSentiment(score=v.score, label=v.label, method=v.method, scored=v.scored,
                                   articles=v.articles) for side, v in s.sides.items()},
    )


def newest_first(stories: Iterable[StoryRecord]) -> list[StoryRecord]:
    """By the real instant of the last update (offsets differ between outlets), newest first; ties by id, higher
    first (the order of the story indexes' sort key)."""
    return sorted(stories, key=lambda s: (s.updated_at.timestamp() if s.updated_at else -math.inf, s.story_id),
                  reverse=True)


def index_pages(kind: str, stories: Sequence[StoryRecord], *, category: str | None = None,
                page_size: int = PAGE_SIZE) -> dict[str, IndexPage]:
    """An index feed split into pages: the first at its well-known key, the next ones beside it."""
    base = {"latest": "index/latest", "blindspots": "index/blindspots"}.get(kind) or f"index/categories/{category}"
    cards = [card(s) for s in newest_first(stories)]
    chunks = [cards[i : i + page_size] for i in range(0, len(cards), page_size)] or [[]]
    pages: dict[str, IndexPage] = {}
    for number, items in enumerate(chunks, start=1):
        key = f"{base}.json" if number == 1 else f"{base}/page-{number}.json"
        nxt = f"/{base}/page-{number + 1}.json" if number < len(chunks) else None
        times = [c.updated_at for c in items if c.updated_at]
        pages[key] = IndexPage(
            schema_url=schema_path("index-page"), kind=kind, category=category, page=number,
            page_size=page_size, items=items, next=nxt, updated_at=max(times) if times else None,
        )
    return pages


def to_json(document: DeepDive | IndexPage | dict) -> bytes:
    """Canonical JSON bytes: sorted keys, UTF-8, stable separators, newline at the end."""
    data = document if isinstance(document, dict) else document.model_dump(mode="json", by_alias=True)
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
