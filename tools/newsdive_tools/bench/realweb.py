"""`newsdive bench realweb`: the whole pipeline on real article pages in many languages, served locally.

The dataset is the fundus-news-pages layout (``manifest.json`` pairing each ``<cc>/<Publisher>_<date>.html.gz``
with the fundus parser's expected output). The bench builds a local web from it in a temporary folder (nothing
of the dataset is copied into the project): each page at its real host and path, one RSS 2.0 feed per publisher
written from the set's expected titles and dates, and a sources file with one source per publisher (its pages'
language, the set's country, the bias rating the outlet catalog knows, else unrated). It then runs the local
pipeline (`newsdive run --sites`: moto, the template's stack, the event pump) and reads what came out: the
published deep dives, the dead-letter queues with their reasons, and the functions' log.

The sample server speaks plain HTTP, so every page is served (and so fetched, stored and published) under its
``http://`` URL; hosts and paths are the real ones.

Printed per language (the language newsdive's extractor reads on the page; the set's country folders beside it):
pages, stored, parsed, published (the page's article is in a published deep dive), failed with their reasons
(grouped error types and messages from the log's "record failed" lines, pages not fetched, duplicates), dead
letters, stories and seconds (each invocation's time shared among the pages its log lines name). Goal: every
page with an article published, and no dead letter except those of pages with no article.

The label table (per story language: the deep dive's ``language`` when it has one, else its pages' majority):
share of stories in ``general``, the sentiment method used (``sentiment.method``; ``none`` when it is null, ``n/a``
while the documents lack the field), stories with regions, readable slugs (letters besides the id, no word cut
where a letter was dropped), key players (with ``--players FILE``, the share a labelled sample names as people or
organisations).
Goals: ``general`` <= 10% in every language with 3+ stories, no English method on other text, every slug readable.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

FEED_NAME = "realweb-feed.xml"
# Dataset folders that are not ISO 3166-1 alpha-2 codes.
COUNTRY_CODES = {"uk": "GB", "ind": "IN"}
# Methods that read English only: applied to other text they give a confident wrong value.
ENGLISH_METHODS = frozenset({"vader"})
# Key-player labels that count as "a name of a person or organisation".
NAME_KINDS = frozenset({"person", "organisation", "organization"})
MIN_STORIES_FOR_GENERAL_GOAL = 3
GENERAL_GOAL = 0.10
NO_ARTICLE_ERRORS = frozenset({"NoArticleError"})
UNKNOWN_LANGUAGE = "und"


# --- the dataset ---------------------------------------------------------------------------------------------
@dataclass
class Page:
    publisher: str
    country: str  # the set's country folder
    url: str  # as in the set (https mostly)
    html: bytes
    title: str | None = None  # the set's expected title
    published: str | None = None  # the set's expected publishing_date
    crawl_date: str | None = None
    expected_chars: int = 0  # characters of body text fundus found on the page
    language: str = UNKNOWN_LANGUAGE  # primary subtag newsdive's extractor reads on the page

    @property
    def served_url(self) -> str:
        """The URL the local web serves the page at: the real host and path, over plain HTTP."""
        parts = urlsplit(self.url)
        query = f"?{parts.query}" if parts.query else ""
        return f"http://{parts.netloc}{parts.path or '/'}{query}"

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def load_pages(dataset: Path) -> list[Page]:
    """Every page of the manifest with its expected title, date and body size, and its language as newsdive's
    extractor reads it (the page's own `<html lang>` when the extractor finds no article)."""
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    expected_files: dict[str, dict] = {}
    pages = []
    for rec in manifest:
        if rec["expected"] not in expected_files:
            expected_files[rec["expected"]] = json.loads((dataset / rec["expected"]).read_text(encoding="utf-8"))
        expected = expected_files[rec["expected"]].get(rec.get("version_key"), {}) or {}
        body = expected.get("body") or {}
        texts = list(body.get("summary") or []) + [p for s in body.get("sections") or []
                                                   for p in (s.get("paragraphs") or [])]
        page = Page(publisher=rec["publisher"], country=rec["country"], url=rec["url"],
                    html=gzip.decompress((dataset / rec["html"]).read_bytes()), title=expected.get("title"),
                    published=expected.get("publishing_date"), crawl_date=rec.get("crawl_date"),
                    expected_chars=sum(len(t) for t in texts))
        page.language = page_language(page.html, page.url)
        pages.append(page)
    return pages


def _primary(tag: str | None) -> str:
    primary = re.split(r"[-_]", (tag or "").strip().lower())[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else UNKNOWN_LANGUAGE


def page_language(html: bytes, url: str) -> str:
    """The page's language as newsdive's extractor reads it (primary subtag); `<html lang>` when it finds no
    article; "und" when neither says."""
    import warnings

    from newsdive.model.errors import ExtractionError
    from newsdive.parse.extract import extract_article

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            language = extract_article(html, url=url).language
    except ExtractionError:
        language = None
    if language:
        return _primary(language)
    match = re.search(rb"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z_-]+)", html[:20000], re.IGNORECASE)
    return _primary(match.group(1).decode("ascii")) if match else UNKNOWN_LANGUAGE


# --- the local web -------------------------------------------------------------------------------------------
def source_id(publisher: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", publisher.lower()).strip("-")
    return slug[:63] or "publisher"


def _rfc822(page: Page) -> str | None:
    for value in (page.published, page.crawl_date):
        if not value:
            continue
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        return format_datetime(when if when.tzinfo else when.replace(tzinfo=UTC))
    return None


def _feed(publisher: str, host: str, pages: list[Page]) -> str:
    items = []
    for page in pages:
        date = _rfc822(page)
        items.append(f"<item><title>{escape(page.title or page.served_url)}</title><link>{escape(page.served_url)}"
                     f"</link><guid isPermaLink=\"true\">{escape(page.served_url)}</guid>"
                     + (f"<pubDate>{date}</pubDate>" if date else "") + "</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(publisher)}</title>'
            f"<link>http://{host}/</link><description>{escape(publisher)}: pages of the real-web bench</description>\n"
            + "\n".join(items) + "\n</channel></rss>\n")


def source_entries(pages: list[Page], catalog: Any = None) -> list[dict[str, Any]]:
    """One source per publisher: its feed on the host of its first page, the set's country, its pages' (most
    common) language, and the bias rating the catalog gives its URL (unrated when the catalog does not know it)."""
    if catalog is None:
        from newsdive.model.catalog import load_catalog

        catalog = load_catalog()
    by_publisher: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_publisher[page.publisher].append(page)
    entries = []
    for publisher, own in by_publisher.items():
        host = own[0].host
        country = COUNTRY_CODES.get(own[0].country, own[0].country.upper())
        languages = Counter(p.language for p in own if p.language != UNKNOWN_LANGUAGE)
        entry: dict[str, Any] = {"id": source_id(publisher), "name": publisher, "homepage": f"http://{host}/",
                                 "bias": catalog.bias_of(own[0].url).value, "feeds": [f"http://{host}/{FEED_NAME}"]}
        if re.fullmatch(r"[A-Z]{2}", country):
            entry["country"] = country
        if languages:
            entry["language"] = languages.most_common(1)[0][0]
        entries.append(entry)
    return entries


def build_web(pages: list[Page], root: Path, catalog: Any = None) -> tuple[Path, Path]:
    """Write root/sites/<host>/<path>/index.html for every page, one feed per publisher, and root/sources.json;
    returns (sites, sources)."""
    sites = root / "sites"
    for page in pages:
        path = unquote(urlsplit(page.url).path).strip("/")
        target = sites / page.host / path / "index.html" if path else sites / page.host / "index.html"
        if sites.resolve() not in target.resolve().parents:
            raise ValueError(f"page path leaves the web folder: {page.url}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.html)
    by_publisher: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_publisher[page.publisher].append(page)
    for publisher, own in by_publisher.items():
        (sites / own[0].host).mkdir(parents=True, exist_ok=True)
        (sites / own[0].host / FEED_NAME).write_text(_feed(publisher, own[0].host, own), encoding="utf-8")
    sources = root / "sources.json"
    sources.write_text(json.dumps(source_entries(pages, catalog), indent=1, ensure_ascii=False), encoding="utf-8")
    return sites, sources


# --- what happened to each page ------------------------------------------------------------------------------
@dataclass
class Outcome:
    stored: bool = False
    parsed: bool = False
    stories: set[str] = field(default_factory=set)  # deep dives the page's article is published in
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (stage, error, reason), one per failure
    flags: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def published(self) -> bool:
        return bool(self.stories)

    @property
    def no_article(self) -> bool:
        """The pipeline's verdict: the page holds no article (too little body text, not HTML)."""
        return any(error in NO_ARTICLE_ERRORS for _, error, _ in self.failures)

    def reasons(self) -> list[str]:
        """Why the page is not published, one line per distinct reason."""
        seen = []
        for stage, error, reason in self.failures:
            line = f"{stage}: {error}: {_short(reason)}" if reason else f"{stage}: {error}"
            if line not in seen:
                seen.append(line)
        seen += [f"scrape: duplicate ({d})" for d in dict.fromkeys(self.duplicates)]
        if not seen and not self.published:
            where = "parsed" if self.parsed else "stored" if self.stored else "not stored"
            flags = f" (flags: {', '.join(sorted(set(self.flags)))})" if self.flags else ""
            seen.append(f"{where}, in no published story{flags}; no failure logged")
        return seen


def _short(reason: str, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", str(reason)).strip()
    text = re.sub(r"\b[0-9a-f]{16,}\b", "<id>", text)  # ids and keys differ per page: group by the message
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_log(log: Path | None) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    if log is None or not log.is_file():
        return entries
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.startswith("{") or '"message"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
    return entries


def _stage(queue: str) -> str:
    """A dead-letter queue's owner as its stage name ("AggregateQueue" -> "aggregate")."""
    return re.sub(r"(DeadLetterQueue|Queue|Function)$", "", queue).lower() or queue


def _raw_id(key: Any) -> str | None:
    if not isinstance(key, str) or not key.startswith("raw/"):
        return None
    return key.removeprefix("raw/").split(".", 1)[0]


def max_receives() -> dict[str, int]:
    """Function name -> maxReceiveCount of the queue that feeds it, from the template."""
    from newsdive_tools.local.template import load_template
    from newsdive_tools.paths import template_path

    resources = load_template(template_path())["Resources"]
    out = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function" or not logical_id.endswith("Function"):
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            queue = ((event or {}).get("Properties") or {}).get("Queue") if event.get("Type") == "SQS" else None
            target = queue.get("Fn::GetAtt") if isinstance(queue, dict) else None
            name = target[0] if isinstance(target, list) else str(target or "").split(".")[0]
            policy = ((resources.get(name) or {}).get("Properties") or {}).get("RedrivePolicy") or {}
            if isinstance(policy, dict) and str(policy.get("maxReceiveCount", "")).isdigit():
                out[logical_id.removesuffix("Function").lower()] = int(policy["maxReceiveCount"])
    return out


# Complex on purpose: log, dead letters and outputs joined per page in one pass.
def page_outcomes(pages: list[Page], out: Path, log: Path | None, dead_letter_messages: dict[str, list[dict]],  # noqa: C901
                  request_seconds: dict[str, float] | None = None,
                  receives: dict[str, int] | None = None) -> tuple[list[Outcome], dict[str, Any]]:
    """Each page's journey, read from the run's log, its dead letters and its published deep dives; and what
    could not be tied to a page (dead letters, seconds).

    Dead letters are those read from the DLQs (with their reasons), and, for messages a look at a queue cannot
    reach (a FIFO queue hides the messages of a group behind the first one), those the log shows failing on their
    last allowed receive (`receives`: function -> maxReceiveCount)."""
    from newsdive.model.article import url_id
    from newsdive.scrape.urls import canonicalize_url

    outcomes = [Outcome() for _ in pages]
    by_id: dict[str, int] = {}
    by_source: dict[str, list[int]] = defaultdict(list)

    def identify(index: int, *urls: str) -> None:
        for url in urls:
            by_id.setdefault(url_id(url), index)
            try:
                by_id.setdefault(url_id(canonicalize_url(url)), index)
            except ValueError:
                continue

    for position, page in enumerate(pages):
        identify(position, page.served_url, page.url)
        by_source[source_id(page.publisher)].append(position)

    def page_of(entry: dict[str, Any]) -> int | None:
        for key in (entry.get("article_id"), _raw_id(entry.get("raw_key")), _raw_id(entry.get("key"))):
            if isinstance(key, str) and key in by_id:
                return by_id[key]
        url = entry.get("url")
        if isinstance(url, str):
            try:
                return by_id.get(url_id(canonicalize_url(url)), by_id.get(url_id(url)))
            except ValueError:
                return by_id.get(url_id(url))
        return None

    failed_by_message: dict[str, int] = {}
    last_failure: dict[str, dict[str, Any]] = {}
    story_pages: dict[str, set[int]] = defaultdict(set)
    request_pages: dict[str, set[int]] = defaultdict(set)
    source_duplicates: dict[str, list[str]] = defaultdict(list)
    source_failures: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # a source's scrape failures
    for entry in _read_log(log):
        message = entry.get("message")
        index = page_of(entry)
        if message == "article parsed" and index is not None and isinstance(entry.get("article_id"), str):
            by_id.setdefault(entry["article_id"], index)  # the page's canonical URL may name the article
        if message == "duplicate" and index is None and isinstance(entry.get("source_id"), str):
            source_duplicates[entry["source_id"]].append(str(entry.get("kind") or "duplicate"))
        if index is None and isinstance(entry.get("source_id"), str) and entry.get("service") == "scrape" and (
                message == "record failed" or (message == "source scraped" and entry.get("errors"))):
            failure = ("scrape", str(entry.get("error") or "unknown"), str(entry.get("reason") or "")) \
                if message == "record failed" else ("scrape", "feed not read", ", ".join(map(str, entry["errors"])))
            source_failures[entry["source_id"]].append(failure)
        if isinstance(entry.get("story_id"), str) and index is None:
            for key in ("story_id", "public_id"):
                if isinstance(entry.get(key), str) and entry[key] in story_pages:
                    request = entry.get("function_request_id")
                    if isinstance(request, str):
                        request_pages[request] |= story_pages[entry[key]]
                    if message == "record failed":  # a story that failed to publish: each of its pages
                        for member in story_pages[entry[key]]:
                            outcomes[member].failures.append(("publish", str(entry.get("error") or "unknown"),
                                                              str(entry.get("reason") or "")))
                    break
            continue
        if index is None:
            continue
        outcome = outcomes[index]
        request = entry.get("function_request_id")
        if isinstance(request, str):
            request_pages[request].add(index)
        service = str(entry.get("service") or "?")
        if message == "page stored":
            outcome.stored = True
        elif message == "article parsed":
            outcome.parsed = True
        elif message == "article flagged":
            outcome.flags += [str(f) for f in entry.get("flags") or []]
        elif message == "article assigned" and isinstance(entry.get("story_id"), str):
            story_pages[entry["story_id"]].add(index)
        elif message == "page not fetched":
            outcome.failures.append(("scrape", "not fetched", str(entry.get("reason") or "")))
        elif message == "page disallowed by robots.txt":
            outcome.failures.append(("scrape", "robots.txt", "disallowed"))
        elif message == "duplicate":
            outcome.duplicates.append(str(entry.get("kind") or "duplicate"))
        elif message == "record failed":
            outcome.failures.append((service, str(entry.get("error") or "unknown"), str(entry.get("reason") or "")))
            if isinstance(entry.get("message_id"), str):
                failed_by_message[entry["message_id"]] = index
                last_failure[entry["message_id"]] = entry

    for source, kinds in source_duplicates.items():  # a copy named by its original's URL: the source's unstored pages
        unstored = [i for i in by_source.get(source, []) if not outcomes[i].stored and not outcomes[i].duplicates]
        for index, kind in zip(unstored, kinds, strict=False):
            outcomes[index].duplicates.append(kind)

    for source, failures in source_failures.items():  # the scrape of a source failed: its pages not stored
        for index in by_source.get(source, []):
            if not outcomes[index].stored:
                outcomes[index].failures += failures

    for path in sorted((out / "deep-dives").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for entry in doc.get("sources") or []:
            index = page_of({"article_id": entry.get("article_id"), "url": entry.get("url")})
            if index is not None:
                outcomes[index].stories.add(str(doc.get("id") or path.stem))

    unattributed: list[dict[str, Any]] = []
    for queue, letters in sorted(dead_letter_messages.items()):
        for letter in letters:
            subject = str(letter.get("subject") or "")
            match = re.search(r"(?:raw/|article )([0-9a-f]{32})", subject)
            index = by_id.get(match.group(1)) if match else None
            if index is None:
                index = failed_by_message.get(str(letter.get("message_id")))
            scrape = re.match(r"scrape (\S+) slot", subject)
            if index is None and scrape and by_source.get(scrape.group(1)):
                index = by_source[scrape.group(1)][0]  # a source's scrape request: its first page's language
            record = {"queue": _stage(queue), "from_log": False,
                      **{k: letter.get(k) for k in ("subject", "error", "reason", "receive_count")}}
            if index is None:
                unattributed.append(record)
            else:
                outcomes[index].dead_letters.append(record)
    peeked = {str(m.get("message_id")) for letters in dead_letter_messages.values() for m in letters}
    for message_id, entry in last_failure.items():
        service = str(entry.get("service") or "")
        limit = (receives or {}).get(service)
        if message_id in peeked or not limit or not isinstance(entry.get("receive_count"), int):
            continue
        if entry["receive_count"] >= limit:
            outcomes[failed_by_message[message_id]].dead_letters.append({
                "queue": service, "from_log": True, "subject": None, "error": entry.get("error"),
                "reason": entry.get("reason"), "receive_count": entry["receive_count"]})

    shared_seconds = 0.0
    for request, seconds in (request_seconds or {}).items():
        share = request_pages.get(request)
        if not share:
            shared_seconds += seconds  # schedule, re-clustering, settling, index pages: no one page's work
            continue
        for index in share:
            outcomes[index].seconds += seconds / len(share)
    return outcomes, {"dead_letters": unattributed, "shared_seconds": shared_seconds}


# --- the tables ----------------------------------------------------------------------------------------------
def pipeline_table(pages: list[Page], outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    """Per page language: pages, stored, parsed, published, no article, failed with reasons, dead letters,
    stories, seconds, and the set's country folders for reference."""
    rows: dict[str, dict[str, Any]] = {}
    for page, outcome in zip(pages, outcomes, strict=True):
        row = rows.setdefault(page.language, {
            "pages": 0, "stored": 0, "parsed": 0, "published": 0, "no_article": 0, "failed": 0,
            "reasons": Counter(), "dead_letters": 0, "dead_letter_errors": Counter(), "stories": set(),
            "seconds": 0.0, "countries": Counter(), "unpublished": []})
        row["pages"] += 1
        row["stored"] += outcome.stored
        row["parsed"] += outcome.parsed
        row["published"] += outcome.published
        row["no_article"] += outcome.no_article
        row["countries"][page.country] += 1
        row["stories"] |= outcome.stories
        row["seconds"] += outcome.seconds
        row["dead_letters"] += len(outcome.dead_letters)
        row["dead_letter_errors"].update(f"{d['queue']}: {d.get('error') or 'no reason logged'}"
                                         for d in outcome.dead_letters)
        if not outcome.published:
            row["failed"] += 1
            row["reasons"].update(outcome.reasons())
            row["unpublished"].append({"publisher": page.publisher, "url": page.url, "reasons": outcome.reasons()})
    return {language: {**row, "reasons": dict(row["reasons"].most_common()), "stories": len(row["stories"]),
                       "seconds": round(row["seconds"], 2), "countries": dict(sorted(row["countries"].items())),
                       "dead_letter_errors": dict(row["dead_letter_errors"].most_common())}
            for language, row in sorted(rows.items(), key=lambda kv: (-kv[1]["pages"], kv[0]))}


def slug_readable(slug: str, doc_id: str, title: str) -> bool:
    """A slug is readable when it has letters besides the story id, and no word of the title was cut where a
    letter was dropped (`wie-gef-hrlich` from "Wie gefährlich")."""
    words = slug.removesuffix(f"-{doc_id[:8]}") if slug != doc_id else ""
    if not any(ch.isalpha() for ch in words):
        return False
    joined = f"-{words.lower()}-"
    for word in re.findall(r"\w+", title.lower()):
        fragments = re.findall(r"[a-z0-9]+", word)
        if len(fragments) > 1 and not word.isascii() and f"-{'-'.join(fragments)}-" in joined:
            return False
    return True


def _story_language(doc: dict[str, Any], pages: list[Page], outcomes: list[Outcome]) -> str:
    declared = doc.get("language")
    if isinstance(declared, str) and _primary(declared) != UNKNOWN_LANGUAGE:
        return _primary(declared)
    story = str(doc.get("id"))
    languages = Counter(p.language for p, o in zip(pages, outcomes, strict=True) if story in o.stories)
    return sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if languages else UNKNOWN_LANGUAGE


def _sentiment_method(doc: dict[str, Any]) -> str:
    """The method named by the story's sentiment; "none" when it says no method applied (null), "n/a" when the
    document has no such field."""
    sentiment = doc.get("sentiment")
    if not isinstance(sentiment, dict) or "method" not in sentiment:
        return "n/a"
    return str(sentiment["method"]) if sentiment["method"] else "none"


def english_method_on_other_text(language: str, sentiment: dict[str, Any] | None) -> bool:
    """An English-only method scored text of another language. A document that names no method is from before
    `sentiment.method` existed, when VADER scored every language: a score (not "unknown") counts as VADER's."""
    if language in ("en", UNKNOWN_LANGUAGE) or not isinstance(sentiment, dict):
        return False
    method = sentiment.get("method")
    if method:
        return str(method).lower() in ENGLISH_METHODS
    return sentiment.get("score") is not None and sentiment.get("label") != "unknown"


def load_player_labels(path: Path | None) -> dict[str, str] | None:
    """A labelled sample of key players: JSON {name: kind} (kind: person, organisation, place, other), or
    {language: {name: kind}}; names compared case-insensitively."""
    if path is None:
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    flat: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            flat.update({str(n).casefold(): str(k).lower() for n, k in value.items()})
        else:
            flat[str(key).casefold()] = str(value).lower()
    return flat


def label_table(pages: list[Page], outcomes: list[Outcome], out: Path,
                players: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Per story language: stories, share `general`, sentiment methods, stories with regions, readable slugs,
    key players (and, with a labelled sample, how many of the judged ones name people or organisations)."""
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted((out / "deep-dives").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        language = _story_language(doc, pages, outcomes)
        row = rows.setdefault(language, {"stories": 0, "general": 0, "methods": Counter(), "labels": Counter(),
                                         "english_method_on_other_text": 0, "with_regions": 0,
                                         "regions": Counter(), "readable_slugs": 0, "unreadable_slugs": [],
                                         "key_players": Counter(), "players_judged": 0, "players_names": 0})
        row["stories"] += 1
        row["general"] += doc.get("category") == "general"
        sentiment = doc.get("sentiment") if isinstance(doc.get("sentiment"), dict) else {}
        row["methods"][_sentiment_method(doc)] += 1
        row["labels"][str(sentiment.get("label"))] += 1
        row["english_method_on_other_text"] += english_method_on_other_text(language, sentiment)
        regions = [str(r) for r in doc.get("regions") or []]
        row["with_regions"] += bool(regions)
        row["regions"].update(regions)
        if slug_readable(str(doc.get("slug") or ""), str(doc.get("id") or ""), str(doc.get("title") or "")):
            row["readable_slugs"] += 1
        else:
            row["unreadable_slugs"].append(doc.get("slug"))
        for player in doc.get("key_players") or []:
            name = str(player.get("name") if isinstance(player, dict) else player)
            row["key_players"][name] += 1
            if players is not None and name.casefold() in players:
                row["players_judged"] += 1
                row["players_names"] += players[name.casefold()] in NAME_KINDS
    result = {}
    for language, row in sorted(rows.items(), key=lambda kv: (-kv[1]["stories"], kv[0])):
        result[language] = {
            **row, "general_share": round(row["general"] / row["stories"], 4),
            "methods": dict(row["methods"].most_common()), "labels": dict(row["labels"].most_common()),
            "regions": dict(row["regions"].most_common()), "key_players": dict(row["key_players"].most_common()),
            "players_name_share": (round(row["players_names"] / row["players_judged"], 4)
                                   if players is not None and row["players_judged"] else None),
        }
    return result


def goals(pipeline: dict[str, dict[str, Any]], labels: dict[str, dict[str, Any]],
          unattributed_dead_letters: list[dict[str, Any]], unread_dead_letters: int = 0) -> dict[str, dict[str, Any]]:
    with_article = sum(r["pages"] - r["no_article"] for r in pipeline.values())
    published = sum(r["published"] for r in pipeline.values())
    other_dead = sum(n for r in pipeline.values() for key, n in r["dead_letter_errors"].items()
                     if key.split(": ", 1)[-1] not in NO_ARTICLE_ERRORS) + len(unattributed_dead_letters) \
        + unread_dead_letters
    general_over = sorted(lang for lang, r in labels.items()
                          if r["stories"] >= MIN_STORIES_FOR_GENERAL_GOAL and r["general_share"] > GENERAL_GOAL)
    english_elsewhere = sum(r["english_method_on_other_text"] for r in labels.values())
    stories = sum(r["stories"] for r in labels.values())
    readable = sum(r["readable_slugs"] for r in labels.values())
    return {
        "every_page_with_an_article_published": {
            "met": published >= with_article and all(
                r["published"] >= r["pages"] - r["no_article"] for r in pipeline.values()),
            "published": published, "pages_with_an_article": with_article},
        "no_dead_letters_but_no_article_pages": {"met": other_dead == 0, "other_dead_letters": other_dead},
        "general_at_most_10_percent": {"met": not general_over, "languages_over": general_over},
        "no_english_method_on_other_text": {"met": english_elsewhere == 0, "stories": english_elsewhere},
        "every_slug_readable": {"met": readable == stories, "readable": readable, "stories": stories},
    }


# --- running -------------------------------------------------------------------------------------------------
def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    from newsdive_tools.local.runner import RunOptions, run

    started = time.monotonic()
    pages = load_pages(args.dataset)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="newsdive-realweb-"))
    sites, sources = build_web(pages, work / "web")
    prepared = time.monotonic() - started
    out, log = work / "out", work / "run.log"
    summary = run(RunOptions(sources=sources, out=out, sites=sites, log_file=log, quiet=args.quiet,
                             workers=args.workers, parameters={"FetchHostIntervalSeconds": "0"}))
    outcomes, rest = page_outcomes(pages, out, log, summary.dead_letter_messages, summary.request_seconds,
                                   max_receives())
    pipeline = pipeline_table(pages, outcomes)
    counted = sum(r["dead_letters"] for r in pipeline.values()) + len(rest["dead_letters"])
    unread = max(0, sum(summary.dead_letters.values()) - counted)  # in a DLQ, neither read there nor in the log
    labels = label_table(pages, outcomes, out, load_player_labels(args.players))
    return {
        "dataset": str(args.dataset), "pages": len(pages), "publishers": len({p.publisher for p in pages}),
        "languages": pipeline, "labels": labels,
        "goals": goals(pipeline, labels, rest["dead_letters"], unread),
        "dead_letters_unattributed": rest["dead_letters"],
        "dead_letters_total": sum(summary.dead_letters.values()), "dead_letters_unread": unread,
        "dead_letters_from_log": sum(1 for o in outcomes for d in o.dead_letters if d["from_log"]),
        "stories": summary.stories,
        "seconds": {"total": round(summary.seconds + prepared, 1), "run": round(summary.seconds, 1),
                    "building_web": round(prepared, 1), "in_functions_shared": round(rest["shared_seconds"], 1)},
        "sources_health": (summary.sources_health or {}).get("line"),
        "players_labels": str(args.players) if args.players else None,
        "workdir": str(work),
    }


def print_report(result: dict[str, Any]) -> None:
    print(f"real web: {result['pages']} pages from {result['publishers']} publishers ({result['dataset']}), "
          f"{result['stories']} stories published, {result['dead_letters_total']} dead letters, "
          f"{result['seconds']['total']} s")
    if result["dead_letters_from_log"] or result["dead_letters_unread"]:
        print(f"(dead letters: {result['dead_letters_from_log']} known from the log only, as a look at a FIFO "
              f"queue cannot reach them; {result['dead_letters_unread']} not tied to any record)")
    print(f"{'lang':<5}{'pages':>6}{'stored':>7}{'parsed':>7}{'publ.':>6}{'no art.':>8}{'failed':>7}"
          f"{'DLQ':>5}{'stories':>8}{'s':>7}  countries")
    for language, row in result["languages"].items():
        countries = ",".join(f"{c}" + (f"×{n}" if n > 1 else "") for c, n in row["countries"].items())
        print(f"{language:<5}{row['pages']:>6}{row['stored']:>7}{row['parsed']:>7}{row['published']:>6}"
              f"{row['no_article']:>8}{row['failed']:>7}{row['dead_letters']:>5}{row['stories']:>8}"
              f"{row['seconds']:>7.1f}  {countries}")
    shared = result["seconds"]["in_functions_shared"]
    print(f"(seconds: each invocation's time shared among the pages it handled; {shared} s of schedule, "
          "re-clustering, settling and index pages belong to no one page)")
    failing = [(lang, row) for lang, row in result["languages"].items() if row["reasons"]]
    if failing:
        print("failed, by reason (pages):")
        for language, row in failing:
            for reason, count in row["reasons"].items():
                print(f"  {language:<4} {count:>3}  {reason}")
    dead = [(lang, row) for lang, row in result["languages"].items() if row["dead_letter_errors"]]
    if dead or result["dead_letters_unattributed"]:
        print("dead letters, by queue and error:")
        for language, row in dead:
            for key, count in row["dead_letter_errors"].items():
                print(f"  {language:<4} {count:>3}  {key}")
        for letter in result["dead_letters_unattributed"]:
            print(f"  (no page) {letter['queue']}: {letter.get('subject')}: {letter.get('error')}: "
                  f"{_short(str(letter.get('reason') or ''))}")
    if result.get("sources_health"):
        print(f"source health: {result['sources_health']}")
    print()
    judged = result.get("players_labels")
    print("labels per story language" + (f" (names: key players a person or organisation / judged, by {judged})"
                                          if judged else " (key players unjudged: no --players sample given)") + ":")
    print(f"{'lang':<5}{'stories':>8}{'general':>9}{'regions':>9}{'slugs ok':>9}{'players':>8}"
          f"{'names':>8}  sentiment method (stories)")
    for language, row in result["labels"].items():
        methods = ", ".join(f"{m} {n}" for m, n in row["methods"].items())
        names = f"{row['players_names']}/{row['players_judged']}" if judged else "n/a"
        players = sum(row["key_players"].values())
        print(f"{language:<5}{row['stories']:>8}{row['general_share']:>9.0%}"
              f"{row['with_regions']:>4}/{row['stories']:<4}{row['readable_slugs']:>4}/{row['stories']:<4}"
              f"{players:>8}{names:>8}  {methods}")
    print()
    g = result["goals"]
    lines = [
        ("every page with an article published, 0 dead letters other than pages with no article",
         g["every_page_with_an_article_published"]["met"] and g["no_dead_letters_but_no_article_pages"]["met"],
         f"{g['every_page_with_an_article_published']['published']} of "
         f"{g['every_page_with_an_article_published']['pages_with_an_article']} published; "
         f"{g['no_dead_letters_but_no_article_pages']['other_dead_letters']} other dead letters"),
        (f"`general` <= {GENERAL_GOAL:.0%} in every language with {MIN_STORIES_FOR_GENERAL_GOAL}+ stories",
         g["general_at_most_10_percent"]["met"],
         "over: " + (", ".join(g["general_at_most_10_percent"]["languages_over"]) or "none")),
        ("no English method on non-English text", g["no_english_method_on_other_text"]["met"],
         f"{g['no_english_method_on_other_text']['stories']} stories"),
        ("every slug readable", g["every_slug_readable"]["met"],
         f"{g['every_slug_readable']['readable']} of {g['every_slug_readable']['stories']}"),
    ]
    for text, met, detail in lines:
        print(f"goal: {text}: {'met' if met else 'NOT met'} ({detail})")


def main(argv: list[str] | None = None) -> int:
    from newsdive_tools.bench import positive_int

    parser = argparse.ArgumentParser(prog="newsdive bench realweb", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True,
                        help="folder of fundus-news-pages (manifest.json and <cc>/ folders)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--players", type=Path, metavar="FILE",
                        help="labelled key players, JSON {name: person|organisation|place|other}: prints the share "
                        "of judged key players that name people or organisations")
    parser.add_argument("--workers", type=positive_int, default=1, help="pollers per queue stage (default 1)")
    parser.add_argument("--workdir", help="where the web, documents, log and figures.json go (default: a temporary "
                                          "folder, no figures.json)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    if not (args.dataset / "manifest.json").is_file():
        print(f"dataset not found at {args.dataset} (expected manifest.json): skipping the bench")
        return 0
    if args.players is not None and not args.players.is_file():
        print(f"newsdive bench realweb: error: no key-player labels at {args.players}", file=sys.stderr)
        return 2
    result = run_bench(args)
    if args.workdir:
        (Path(args.workdir) / "figures.json").write_text(json.dumps(result, sort_keys=True, indent=1,
                                                                    ensure_ascii=False) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, sort_keys=True, ensure_ascii=False))
    else:
        print_report(result)
        print(f"work folder: {result['workdir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
