"""Render stories as published documents: the deep dive and the cards of the index feeds.

Rendering is a pure function of the stored story records: no clock, no randomness, sorted keys, so the same
state always gives byte-identical documents (and unchanged documents are not rewritten).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

from newsdive.bias import blindspot_label
from newsdive.documents import (
    Blindspot,
    Card,
    DeepDive,
    IndexPage,
    Paragraph,
    Section,
    SourceEntry,
    StorySentiment,
    TocEntry,
    schema_path,
)
from newsdive.sentiment import label as sentiment_label
from newsdive.sources import Side, side_of
from newsdive.story import Member, StoryRecord
from newsdive.cluster.features import cosine
from newsdive.text import plain, sentences, snippet

WORDS_PER_MINUTE = 265
SUMMARY_SENTENCES = 5
PAGE_SIZE = 20
_SIDE_NAMES = {Side.LEFT: "Left", Side.CENTER: "Center", Side.RIGHT: "Right"}
_SIDE_ADJ = {Side.LEFT: "left-leaning", Side.CENTER: "center", Side.RIGHT: "right-leaning"}


def slugify(title: str, story_id: str) -> str:
    words = re.findall(r"[a-z0-9]+", plain(title).lower())
    return "-".join(words[:10]) + f"-{story_id[:8]}" if words else story_id


def deep_dive_path(story_id: str) -> str:
    return f"deep-dives/{story_id}.json"


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def _blindspot(story: StoryRecord) -> Blindspot | None:
    return Blindspot(side=story.blindspot, label=blindspot_label(story.blindspot)) if story.blindspot else None


def labels(story: StoryRecord) -> list[str]:
    """Short tags a reader sees at a glance: the dominant side and that side's tone (e.g. "Center Neutral"),
    "Balanced ..." when sides tie (overall tone), and the blindspot label."""
    dist = story.bias
    if dist.rated:
        best = max(dist.share(s) for s in Side)
        leaders = [s for s in (Side.LEFT, Side.CENTER, Side.RIGHT) if dist.share(s) == best]
        if len(leaders) == 1:
            side = leaders[0]
            tone = story.sentiment.by_side.get(side, story.sentiment.score)
            first = f"{_SIDE_NAMES[side]} {sentiment_label(tone).capitalize()}"
        else:
            first = f"Balanced {story.sentiment.label.capitalize()}"
    else:
        first = f"Unrated {story.sentiment.label.capitalize()}"
    out = [first]
    if story.blindspot:
        out.append(blindspot_label(story.blindspot) or "")
    return out


def representative(members: Sequence[Member], centroid: dict[str, float]) -> Member:
    return max(members, key=lambda m: (round(cosine(m.vector, centroid), 6), -len(m.article_id), m.article_id))


def _summary_paragraphs(story: StoryRecord, members: list[Member]) -> list[Paragraph]:
    """An extractive summary across outlets: each outlet's lead sentence, most central first, no repeats."""
    by_outlet: dict[str, Member] = {}
    for m in sorted(members, key=lambda m: (-cosine(m.vector, story.centroid), m.article_id)):
        by_outlet.setdefault(m.outlet_id, m)
    picked: list[Paragraph] = []
    seen_words: list[set[str]] = []
    for m in by_outlet.values():
        for sentence in sentences(m.lead)[:2]:
            words = set(re.findall(r"\w+", sentence.lower()))
            if len(words) < 6 or any(len(words & w) / len(words | w) > 0.5 for w in seen_words):
                continue
            seen_words.append(words)
            picked.append(Paragraph(text=sentence, outlet_id=m.outlet_id, outlet=m.outlet, url=m.url))
            break
        if len(picked) >= SUMMARY_SENTENCES:
            break
    return picked


def _sides_paragraphs(story: StoryRecord, members: list[Member]) -> list[Paragraph]:
    out: list[Paragraph] = []
    for side in (Side.LEFT, Side.CENTER, Side.RIGHT):
        of_side = [m for m in members if side_of(m.bias) == side]
        if not of_side:
            out.append(Paragraph(text=f"{_SIDE_NAMES[side]}: no {_SIDE_ADJ[side]} outlet among the sources covered this story."))
            continue
        m = representative(of_side, story.centroid)
        lead = sentences(m.lead)[0] if m.lead else ""
        text = f"{_SIDE_NAMES[side]}: “{m.title}”" + (f" {lead}" if lead else "")
        out.append(Paragraph(text=text, outlet_id=m.outlet_id, outlet=m.outlet, url=m.url))
    unrated = [m for m in members if side_of(m.bias) is None]
    if unrated:
        names = ", ".join(sorted({m.outlet for m in unrated}))
        out.append(Paragraph(text=f"Also covered by outlets without a bias rating: {names}."))
    return out


def _timeline_paragraphs(members: list[Member]) -> list[Paragraph]:
    out = []
    for i, m in enumerate(members):
        when = m.published_at.strftime("%Y-%m-%d %H:%M UTC") if m.published_at else "undated"
        first = " (first report)" if i == 0 else ""
        out.append(Paragraph(text=f"{when}{first}: {m.outlet}: {m.title}", outlet_id=m.outlet_id, outlet=m.outlet, url=m.url))
    return out


def _sources_paragraphs(members: list[Member]) -> list[Paragraph]:
    return [
        Paragraph(text=f"{m.outlet} ({m.bias.value}): {m.title}", outlet_id=m.outlet_id, outlet=m.outlet, url=m.url)
        for m in sorted(members, key=lambda m: (m.outlet.lower(), m.article_id))
    ]


def sections(story: StoryRecord) -> list[Section]:
    members = story.ordered_members()
    return [
        Section(id="summary", title="Summary", paragraphs=_summary_paragraphs(story, members)),
        Section(id="how-each-side-covers-it", title="How each side covers it", paragraphs=_sides_paragraphs(story, members)),
        Section(id="timeline", title="Timeline", paragraphs=_timeline_paragraphs(members)),
        Section(id="sources", title="Sources", paragraphs=_sources_paragraphs(members)),
    ]


def read_time(title: str, summary: str, secs: Sequence[Section]) -> int:
    words = len(title.split()) + len(summary.split())
    words += sum(len(s.title.split()) + sum(len(p.text.split()) for p in s.paragraphs) for s in secs)
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def _summary_text(secs: Sequence[Section]) -> str:
    first = next((s for s in secs if s.id == "summary"), None)
    text = " ".join(p.text for p in first.paragraphs) if first else ""
    return snippet(text, 300)


def card(story: StoryRecord) -> Card:
    """A story as a list item; its figures are those of its deep dive."""
    secs = sections(story)
    summary = _summary_text(secs)
    return Card(
        id=story.story_id,
        slug=slugify(story.title, story.story_id),
        title=plain(story.title),
        category=story.category,
        regions=story.regions,
        bias=story.bias,
        blindspot=_blindspot(story),
        snippet=snippet(summary or story.title, 160),
        published_at=story.published_at,
        updated_at=story.updated_at,
        read_time_minutes=read_time(story.title, summary, secs),
        source_count=len(story.outlets()),
        article_count=len(story.members),
        labels=labels(story),
        url=f"/{deep_dive_path(story.story_id)}",
    )


def deep_dive(story: StoryRecord, related: Sequence[StoryRecord]) -> DeepDive:
    secs = sections(story)
    summary = _summary_text(secs)
    members = story.ordered_members()
    return DeepDive(
        schema_url=schema_path("deep-dive"),
        id=story.story_id,
        slug=slugify(story.title, story.story_id),
        url=f"/{deep_dive_path(story.story_id)}",
        title=plain(story.title),
        summary=summary,
        category=story.category,
        regions=story.regions,
        published_at=story.published_at,
        updated_at=story.updated_at,
        read_time_minutes=read_time(story.title, summary, secs),
        source_count=len(story.outlets()),
        article_count=len(members),
        bias=story.bias,
        blindspot=_blindspot(story),
        sentiment=StorySentiment(score=story.sentiment.score, label=story.sentiment.label, by_side=story.sentiment.by_side),
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
                url=m.url,
                published_at=m.published_at,
                flags=m.flags,
            )
            for m in members
        ],
        related=[card(r) for r in related if r.story_id != story.story_id],
    )


def index_pages(kind: str, stories: Sequence[StoryRecord], *, category: str | None = None,
                page_size: int = PAGE_SIZE) -> dict[str, IndexPage]:
    """An index feed split into pages: the first at its well-known key, the next ones beside it."""
    base = {"latest": "index/latest", "blindspots": "index/blindspots"}.get(kind) or f"index/categories/{category}"
    cards = [card(s) for s in stories]
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
