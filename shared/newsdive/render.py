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
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache

from newsdive.bias import blindspot_label
from newsdive.classify import regions as find_regions
from newsdive.cluster.features import cosine
from newsdive.documents import (
    Blindspot,
    Card,
    DeepDive,
    IndexPage,
    KeyPlayer,
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
from newsdive.summarize import ExtractiveSummarizer, Summarizer, is_dateline, summary_paragraphs
from newsdive.text import plain, safe_url, sentences, snippet

WORDS_PER_MINUTE = 265
PAGE_SIZE = 20
KEY_PLAYERS = 6
FEED_ITEMS = 50
_SIDE_NAMES = {Side.LEFT: "Left", Side.CENTER: "Center", Side.RIGHT: "Right"}
_SIDE_ADJ = {Side.LEFT: "left-leaning", Side.CENTER: "center", Side.RIGHT: "right-leaning"}
EXTRACTIVE = ExtractiveSummarizer()


def slugify(title: str, story_id: str) -> str:
    words = re.findall(r"[a-z0-9]+", plain(title).lower())
    return "-".join(words[:10]) + f"-{story_id[:8]}" if words else story_id


def deep_dive_path(story_id: str) -> str:
    return f"deep-dives/{story_id}.json"


def utc(when: datetime | None) -> datetime | None:
    return when.astimezone(UTC) if when is not None else None


def _instant(member: Member) -> tuple[float, str]:
    """Timeline order: by the real instant (offsets differ between outlets), undated last, then by id."""
    return (member.published_at.timestamp() if member.published_at else math.inf, member.article_id)


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
        m = representative(of_side, story.centroid)
        first = sentences(plain(m.lead))[:1]
        text = f"{_SIDE_NAMES[side]}: “{plain(m.title)}”" + (f" {first[0]}" if first else "")
        out.append(_para(text, m))
    unrated = [m for m in members if side_of(m.bias) is None]
    if unrated:
        names = ", ".join(sorted({plain(m.outlet) for m in unrated}))
        out.append(_para(f"Also covered by outlets without a bias rating: {names}."))
    return out


# -- key players ---------------------------------------------------------------------------------------------
# A capitalised-name counter over the members' titles and leads (no model):
# - a name is a run of capitalised words (with "of", "de", "van", "&" ... inside), split at punctuation;
# - a sentence's first word counts only if the story capitalises it elsewhere mid-sentence or it is not an
#   everyday word (wordfreq Zipf < 3.5), so "The", "Heavy" or "Shares" opening a sentence are not names;
#   leading titles ("Mayor", "Dr.") are dropped;
# - a possessive ends a name; a title inside a run is dropped with what precedes it ("Regional Renewal Minister
#   Leopold Ashdown" -> "Leopold Ashdown");
# - countries and demonyms, names starting or ending with a place word ("Alder Valley", "River Senn"), single
#   words named mostly right after "in", "at", "near" ... (a town), outlets' own names, days and months are not
#   players; a shorter form joins the one longer name it starts or ends ("Castellan" -> "Castellan Mobile");
# - headlines in Title Case are skipped (every word is capitalised there);
# - sentences that are datelines ("· 21 November 2026 ·") are skipped;
# - ranked by outlets naming it, then mentions; kept when named at least twice; a part of a name already listed
#   is not listed again; at most 6.
_TOKEN = re.compile(r"&|[^\W_][\w’'\-–.]*")
_POSSESSIVE = re.compile(r"(?:[’']s|(?<=s)[’'])$")
_LOCATIVE = frozenset({"in", "at", "near", "across", "outside", "around", "into", "towards", "toward", "through"})
_CONNECTORS = frozenset({"of", "for", "de", "del", "della", "da", "do", "dos", "van", "von", "der", "den", "la", "le",
                         "du", "al", "bin", "&"})
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "mayor",
                     "president", "prime", "minister", "senator", "sen", "rep", "representative", "gov",
                     "governor", "judge", "justice", "chief", "executive", "ceo", "chair", "chairman",
                     "chairwoman", "col", "lt", "captain", "capt", "coach", "king", "queen",
                     "prince", "princess", "pope", "father", "rev", "councillor", "councilor", "commissioner",
                     "secretary", "speaker", "leader", "majority", "minority", "opposition", "deputy", "engineer",
                     "grandmaster", "sens", "reps",
                     "auditor-general", "attorney-general", "inspector", "detective", "officer", "sergeant"})
_NOT_NAMES = frozenset({"the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we",
                        "i", "you", "his", "her", "their", "our", "but", "and", "or", "so", "yet", "in", "on",
                        "at", "for", "to", "from", "with", "by", "of", "after", "before", "as", "if", "when",
                        "while", "why", "how", "what", "who", "where", "monday", "tuesday", "wednesday",
                        "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may",
                        "june", "july", "august", "september", "october", "november", "december", "am", "pm",
                        "utc", "gmt", "est", "edt", "pst", "pdt", "cet", "bst", "breaking", "live", "update",
                        "exclusive", "analysis", "opinion", "editorial", "published", "updated"})
_PLACE_WORDS = frozenset({"bay", "valley", "river", "street", "road", "avenue", "square", "island", "islands",
                          "lake", "mount", "mountains", "county", "city", "town", "village", "harbour", "harbor",
                          "park", "coast", "beach", "district", "province", "state", "region", "heights", "hill",
                          "hills", "point", "falls", "springs", "peninsula", "strait", "gulf", "sea", "ocean", "bridge",
                          "airport", "station", "port"})


def _is_title_case(title: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w’'-]*", title) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def _runs(sentence: str) -> Iterable[tuple[list[str], bool, str]]:
    """Runs of capitalised words of one sentence, whether the run opens the sentence, and the word before it.
    A possessive ends a run ("Halcyon Orbital’s Petrel" names Halcyon Orbital)."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]
    run: list[str] = []
    run_opens, before = False, ""
    for i, (token, start, end) in enumerate(tokens):
        word = token.rstrip(".") or token
        joined = bool(run) and not sentence[tokens[i - 1][2]:start].strip() and not _POSSESSIVE.search(run[-1])
        if word[:1].isupper() and (joined or not run):
            if not run:
                run_opens = not sentence[:start].strip(" “\"‘'(")
                before = tokens[i - 1][0].lower() if i else ""
            run.append(word)
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (joined and word.lower() in _CONNECTORS and nxt is not None and nxt[0][:1].isupper()
                and not sentence[end:nxt[1]].strip()):
            run.append(word)
            continue
        if run:
            yield _trim(run), run_opens, before
        run = [word] if word[:1].isupper() else []
        run_opens = not sentence[:start].strip(" “\"‘'(")
        before = tokens[i - 1][0].lower() if i else ""
    if run:
        yield _trim(run), run_opens, before


def _trim(run: list[str]) -> list[str]:
    while run and run[-1].lower() in _CONNECTORS:
        run = run[:-1]
    return run


@lru_cache(maxsize=4096)
def _common_word(word: str) -> bool:
    """An everyday English word ("Shares", "Heavy", "Sixteen-year-old"), not a name: Zipf frequency >= 3.5."""
    from wordfreq import zipf_frequency  # loaded on first use only (about 0.2 s)

    word = re.sub(r"[’']s$", "", word).lower()
    if "-" in word or "–" in word:
        return any(zipf_frequency(part, "en", wordlist="small") >= 3.5 for part in re.split(r"[-–]", word) if part)
    return zipf_frequency(word, "en", wordlist="small") >= 3.5


def _key(name: str) -> str:
    return _POSSESSIVE.sub("", name).lower()


def key_players(story: StoryRecord, members: Sequence[Member], limit: int = KEY_PLAYERS) -> list[KeyPlayer]:
    """People and organisations the reports name most (see the rules above)."""
    texts: list[tuple[Member, str]] = []
    for m in members:
        title = plain(m.title)
        if title and not _is_title_case(title):
            texts.append((m, title))
        texts.extend((m, s) for s in sentences(plain(m.lead)) if not is_dateline(s))
    runs = [(m, run, start, before) for m, text in texts for run, start, before in _runs(text) if run]
    mid_sentence = {_key(w) for _, run, start, _ in runs for w in (run[1:] if start else run)}
    outlets = {_key(re.sub(r"^The\s+", "", plain(m.outlet))) for m in members}
    outlets |= {_key(plain(m.outlet)) for m in members}
    places = {r.lower() for r in story.regions}
    mentions: Counter[str] = Counter()
    located: Counter[str] = Counter()  # mentions right after "in", "at", "near" ...: a place, not a player
    named_by: dict[str, set[str]] = {}
    surfaces: dict[str, Counter[str]] = {}
    for m, run, start, before in runs:
        words = list(run)
        if start and _key(words[0]) not in mid_sentence and _common_word(words[0]):
            words = words[1:]
        titled = [i for i, w in enumerate(words[:-1]) if w.lower() in _TITLES]
        if titled:  # "Regional Renewal Minister Leopold Ashdown" -> "Leopold Ashdown"
            words = words[titled[-1] + 1:]
        while words and (words[0].lower() in _CONNECTORS or (len(words) > 1 and words[0].lower() in _NOT_NAMES)):
            words = words[1:]
        while words and words[-1].lower() in _NOT_NAMES:  # "Nathaniel Osgood November" (a byline's date)
            words = words[:-1]
        words = _trim(words)
        if not words:
            continue
        name = " ".join(words)
        key = _key(name)
        if (key in _NOT_NAMES or key in _TITLES or words[0].lower() in _NOT_NAMES or key in outlets
                or key in places or {words[0].lower(), _key(words[-1])} & _PLACE_WORDS
                or (len(words) == 1 and (find_regions(name) or len(name) < 3))):
            continue
        mentions[key] += 1
        located[key] += before in _LOCATIVE
        named_by.setdefault(key, set()).add(m.outlet_id)
        surfaces.setdefault(key, Counter())[name] += 1
    for key in [k for k in mentions if " " not in k and located[k] * 2 >= mentions[k]]:
        del mentions[key]
    # A shorter form joins the one longer name it starts or ends ("Castellan" -> "Castellan Mobile"), longest
    # forms first ("Hollis–Marr" -> "Hollis–Marr Homes Act", then "Hollis" -> the same).
    def parts(k: str) -> list[str]:
        return re.split(r"[\s\-–]+", k)

    for key in sorted(mentions, key=lambda k: (-len(parts(k)), k)):
        words = parts(key)
        longer = [k for k in mentions if len(parts(k)) > len(words)
                  and (parts(k)[:len(words)] == words or parts(k)[-len(words):] == words)]
        if len(longer) == 1:
            mentions[longer[0]] += mentions.pop(key)
            named_by[longer[0]] |= named_by.pop(key)
            surfaces[longer[0]].update(surfaces.pop(key))
    ranked = sorted((k for k, n in mentions.items() if n >= 2), key=lambda k: (-len(named_by[k]), -mentions[k], k))
    out: list[KeyPlayer] = []
    chosen: list[list[str]] = []
    for key in ranked:
        words = parts(key)
        if any(words == c[i:i + len(words)] for c in chosen for i in range(len(c) - len(words) + 1)):
            continue  # a part of a name already listed ("Hollis" after "Hollis–Marr Homes Act")
        if len(out) == limit:
            break
        chosen.append(words)
        forms = surfaces[key]
        display = max(sorted(forms), key=lambda f: (len(f.split()), forms[f]))
        out.append(KeyPlayer(name=_POSSESSIVE.sub("", display), mentions=mentions[key],
                             outlet_ids=sorted(named_by[key])))
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
    """Minutes to read the document's own text at 265 words per minute (at least 1). Generated sections are not
    counted, so a card and its deep dive always agree."""
    skipped = set(skip)
    words = len(title.split()) + len(summary.split())
    words += sum(len(s.title.split()) + sum(len(p.text.split()) for p in s.paragraphs)
                 for s in secs if s.id not in skipped)
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


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
        slug=slugify(story.title, story.story_id),
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
        slug=slugify(story.title, story.story_id),
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
        sentiment=StorySentiment(score=story.sentiment.score, label=story.sentiment.label,
                                 by_side=story.sentiment.by_side),
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
            )
            for m in members
        ],
        related=[card(r) for r in related if r.story_id != story.story_id][:6],
        generation=analysis.generation,
        key_players=players,
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


# -- RSS 2.0 and sitemap -------------------------------------------------------------------------------------


def story_link(story_id: str, slug: str, *, base_url: str, page_url: str = "") -> str:
    """Where a reader goes for a story: `page_url` (a template with {id} and {slug}: your frontend's page) or,
    when that is empty, the deep dive document under `base_url`."""
    if page_url:
        return page_url.replace("{id}", story_id).replace("{slug}", slug)
    return f"{base_url.rstrip('/')}/{deep_dive_path(story_id)}"


def _xml(root) -> bytes:  # noqa: ANN001
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def rss_feed(name: str, stories: Sequence[StoryRecord], *, base_url: str, page_url: str = "",
             feed_path: str, limit: int = FEED_ITEMS) -> bytes:
    """RSS 2.0 of the newest stories (a category's or all): title, link, guid, date, snippet, category.
    Every text is plain and escaped by the XML serializer; dates come from the stories, never the clock."""
    from lxml import etree

    atom = "http://www.w3.org/2005/Atom"
    base = base_url.rstrip("/")
    rss = etree.Element("rss", version="2.0", nsmap={"atom": atom})
    channel = etree.SubElement(rss, "channel")
    title = "newsdive: latest stories" if name == "latest" else f"newsdive: {name.capitalize()}"
    etree.SubElement(channel, "title").text = title
    etree.SubElement(channel, "link").text = f"{base}/" if base else "/"
    etree.SubElement(channel, "description").text = (
        f"Stories grouped across outlets with their Left/Center/Right coverage ({name})."
    )
    etree.SubElement(channel, "language").text = "en"
    etree.SubElement(channel, "generator").text = "newsdive"
    etree.SubElement(channel, f"{{{atom}}}link", href=f"{base}/{feed_path}", rel="self",
                     type="application/rss+xml")
    chosen = newest_first(stories)[:limit]
    times = [s.updated_at for s in chosen if s.updated_at]
    if times:
        etree.SubElement(channel, "lastBuildDate").text = format_datetime(utc(max(times)), usegmt=True)
    for story in chosen:
        c = card(story)
        item = etree.SubElement(channel, "item")
        etree.SubElement(item, "title").text = c.title
        etree.SubElement(item, "link").text = story_link(c.id, c.slug, base_url=base, page_url=page_url)
        etree.SubElement(item, "guid", isPermaLink="false").text = f"newsdive:{c.id}"
        bar = f"L {c.bias.left}% · C {c.bias.center}% · R {c.bias.right}%"
        etree.SubElement(item, "description").text = f"{c.snippet} ({bar}; {c.source_count} sources)"
        etree.SubElement(item, "category").text = c.category
        if c.published_at:
            etree.SubElement(item, "pubDate").text = format_datetime(c.published_at, usegmt=True)
    return _xml(rss)


def sitemap(stories: Sequence[StoryRecord], *, base_url: str, page_url: str = "",
            index_paths: Sequence[str] = ()) -> bytes:
    """sitemap.xml: each story's page with its last update, then the first page of each index feed."""
    from lxml import etree

    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    base = base_url.rstrip("/")
    urlset = etree.Element(f"{{{ns}}}urlset", nsmap={None: ns})
    for story in newest_first(stories):
        url = etree.SubElement(urlset, f"{{{ns}}}url")
        link = story_link(story.story_id, slugify(story.title, story.story_id), base_url=base, page_url=page_url)
        etree.SubElement(url, f"{{{ns}}}loc").text = link
        if story.updated_at:
            etree.SubElement(url, f"{{{ns}}}lastmod").text = utc(story.updated_at).isoformat().replace("+00:00", "Z")
    for path in sorted(index_paths):
        url = etree.SubElement(urlset, f"{{{ns}}}url")
        etree.SubElement(url, f"{{{ns}}}loc").text = f"{base}/{path}"
    return _xml(urlset)
