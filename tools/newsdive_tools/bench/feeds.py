"""`newsdive bench feeds`: does every real feed parse, with correct titles, links, authors and dates?

Runs on a folder of saved feeds (the news-feeds layout: ``<project>/[input/]<feed>`` and, for some,
``<project>/expected-output/<feed stem>.json`` in rss-parser's output shape, plus an optional SOURCE.md whose
table gives each file's item count). For each feed it prints the items parsed, how many fields match the
expected output where there is one, and the share of items with a title, a date and an author. The peer is
plain feedparser on the same bytes (no gunzip, no date fallbacks), measured in the same run.

The expected outputs are another library's: U+FFFD in an expected string (its decoding failure) matches any
character, and dates are compared only where it gives an ISO instant.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsdive.model.errors import FeedParseError
from newsdive.scrape.feeds import FeedItem, ParsedFeed, parse_feed

_SKIP_SUFFIXES = {".json", ".md", ".txt", ".py", ".js"}
_PLACEHOLDER = "https://feeds.bench.invalid/"
_WS = re.compile(r"\s+")
FIELDS = ("title", "link", "author", "date")


@dataclass
class FeedResult:
    file: str
    kind: str = ""
    items: int = 0
    expected_items: int | None = None
    error: str | None = None
    seconds: float = 0.0
    with_title: int = 0
    with_date: int = 0
    with_author: int = 0
    replacement_chars: int = 0  # U+FFFD in our titles/summaries: a decoding failure
    correct: dict[str, int] = field(default_factory=dict)  # field -> items matching the expected output
    compared: dict[str, int] = field(default_factory=dict)  # field -> items with an expected value
    mismatches: list[str] = field(default_factory=list)
    peer_items: int = 0  # plain feedparser: entries with a link
    peer_dates: int = 0
    peer_replacement_chars: int = 0
    peer_error: str | None = None


def _norm(text: Any) -> str:
    return _WS.sub(" ", html.unescape(str(text or ""))).strip()


def _same_text(expected: str, ours: str) -> bool:
    expected, ours = _norm(expected), _norm(ours)
    if "\ufffd" not in expected:
        return expected == ours
    pattern = "".join("." if ch == "\ufffd" else re.escape(ch) for ch in expected)
    return re.fullmatch(pattern, ours, re.S) is not None


def _expected_author(item: dict[str, Any]) -> str:
    for key in ("creator", "dc:creator", "author"):
        value = item.get(key)
        if isinstance(value, dict):
            value = value.get("name") or ""
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return _norm(value)
    return ""


def _expected_items(root: Path) -> dict[str, int]:
    """Item counts from a SOURCE.md table with `file` and `items` columns (relative paths as keys)."""
    counts: dict[str, int] = {}
    source = root / "SOURCE.md"
    if not source.is_file():
        return counts
    columns: list[str] | None = None
    for line in source.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = [c.strip().strip("`* ") for c in line.strip().strip("|").split("|")]
        if columns is None:
            columns = [c.lower() for c in cells]
            continue
        if "file" in columns and "items" in columns and len(cells) == len(columns):
            name, items = cells[columns.index("file")], cells[columns.index("items")]
            if items.isdigit():
                counts[name] = int(items)
    return counts


def _load_expected(feed: Path) -> list[dict[str, Any]] | None:
    for candidate in (feed.parent.parent / "expected-output" / f"{feed.stem}.json",
                      feed.parent / "expected-output" / f"{feed.stem}.json"):
        if candidate.is_file():
            raw = candidate.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            data = json.loads(text)
            return list((data.get("feed") or data).get("items") or [])
    return None


def _compare(result: FeedResult, ours: tuple[FeedItem, ...], expected: list[dict[str, Any]]) -> None:
    by_link = {i.url: i for i in ours}
    for index, exp in enumerate(expected):
        link = _norm(exp.get("link"))
        item = by_link.get(link) or (ours[index] if index < len(ours) else None)
        checks: dict[str, tuple[str, str, bool] | None] = {"title": None, "link": None, "author": None,
                                                            "date": None}
        if exp.get("title"):
            got = item.title if item else ""
            checks["title"] = (_norm(exp["title"]), got, _same_text(exp["title"], got))
        if link:
            got = item.url if item else ""
            checks["link"] = (link, got, got == link)
        author = _expected_author(exp)
        if author:
            got = "; ".join(item.authors) if item else ""
            matched = any(_same_text(author, a) for a in (item.authors if item else ()))
            checks["author"] = (author, got, matched)
        if exp.get("isoDate"):
            want = datetime.fromisoformat(str(exp["isoDate"]).replace("Z", "+00:00")).astimezone(UTC)
            got_dt = item.published_at if item else None
            checks["date"] = (want.isoformat(), got_dt.isoformat() if got_dt else "", got_dt == want)
        for name, check in checks.items():
            if check is None:
                continue
            result.compared[name] = result.compared.get(name, 0) + 1
            if check[2]:
                result.correct[name] = result.correct.get(name, 0) + 1
            elif len(result.mismatches) < 5:
                result.mismatches.append(
                    f"item {index} {name}: expected {check[0][:70]!r}, got {check[1][:70]!r}")


def _peer(result: FeedResult, body: bytes) -> None:
    """Plain feedparser on the same bytes, as a caller without newsdive's layer would use it."""
    import feedparser

    try:
        parsed = feedparser.parse(io.BytesIO(body))
    except Exception as exc:  # noqa: BLE001 - the peer's failure is a figure, not our error
        result.peer_error = f"{type(exc).__name__}: {exc}"
        return
    entries = [e for e in parsed.entries if e.get("link")]
    result.peer_items = len(entries)
    result.peer_dates = sum(1 for e in entries if e.get("published_parsed") or e.get("updated_parsed"))
    result.peer_replacement_chars = sum(
        (e.get("title") or "").count("\ufffd") + (e.get("summary") or "").count("\ufffd") for e in entries)
    if not parsed.entries and parsed.get("bozo"):
        result.peer_error = f"{type(parsed.get('bozo_exception')).__name__}"


def _parse(body: bytes, rel: str) -> ParsedFeed:
    """Parse as if fetched from a placeholder URL; when relative links were resolved against that placeholder,
    parse again against the feed's own site link (what the real fetch URL would have given)."""
    parsed = parse_feed(body, url=_PLACEHOLDER + rel)
    if parsed.link and parsed.link.startswith(("http://", "https://")) \
            and any(i.url.startswith(_PLACEHOLDER) for i in parsed.items):
        parsed = parse_feed(body, url=parsed.link)
    return parsed


def bench_feed(path: Path, root: Path, counts: dict[str, int]) -> FeedResult:
    rel = path.relative_to(root).as_posix()
    result = FeedResult(file=rel, expected_items=counts.get(rel))
    body = path.read_bytes()
    started = time.perf_counter()
    try:
        parsed = _parse(body, rel)
    except FeedParseError as exc:
        result.error = str(exc)
        result.seconds = time.perf_counter() - started
        _peer(result, body)
        return result
    result.seconds = time.perf_counter() - started
    result.kind = parsed.kind
    result.items = len(parsed.items)
    result.with_title = sum(1 for i in parsed.items if i.title)
    result.with_date = sum(1 for i in parsed.items if i.published_at)
    result.with_author = sum(1 for i in parsed.items if i.authors)
    result.replacement_chars = sum(i.title.count("\ufffd") + i.summary.count("\ufffd") for i in parsed.items)
    expected = _load_expected(path)
    if expected is not None:
        _compare(result, parsed.items, expected)
    _peer(result, body)
    return result


def feed_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix.lower() in _SKIP_SUFFIXES:
            continue
        if path.name.upper().startswith("LICENSE"):
            continue
        if "expected-output" in path.parts:
            continue
        files.append(path)
    return files


def _fraction(correct: int, compared: int) -> str:
    return f"{correct}/{compared}" if compared else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="newsdive bench feeds", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", required=True, type=Path,
                    help="folder of saved feeds, e.g. /work/shared/data/news-feeds (see its SOURCE.md)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = ap.parse_args(argv)

    root: Path = args.dataset
    if not root.is_dir():
        print(f"feeds bench: dataset {root} not found; nothing measured (pass --dataset DIR).")
        return 0
    files = feed_files(root)
    if not files:
        print(f"feeds bench: no feed files under {root}; nothing measured.")
        return 0
    import feedparser  # noqa: F401 - import once before timing, so the first feed does not pay for it

    counts = _expected_items(root)
    results = [bench_feed(path, root, counts) for path in files]

    totals: dict[str, Any] = {
        "feeds": len(results),
        "parsed": sum(1 for r in results if r.error is None),
        "items": sum(r.items for r in results),
        "expected_items": sum(r.expected_items or 0 for r in results if r.expected_items is not None),
        "feeds_with_expected_count": sum(1 for r in results if r.expected_items is not None),
        "item_count_matches": sum(1 for r in results
                                  if r.expected_items is not None and r.items == r.expected_items),
        "with_title": sum(r.with_title for r in results),
        "with_date": sum(r.with_date for r in results),
        "with_author": sum(r.with_author for r in results),
        "replacement_chars": sum(r.replacement_chars for r in results),
        "correct": {f: sum(r.correct.get(f, 0) for r in results) for f in FIELDS},
        "compared": {f: sum(r.compared.get(f, 0) for r in results) for f in FIELDS},
        "seconds": round(sum(r.seconds for r in results), 4),
        "peer_feedparser": {
            "items": sum(r.peer_items for r in results),
            "with_date": sum(r.peer_dates for r in results),
            "replacement_chars": sum(r.peer_replacement_chars for r in results),
            "feeds_failed": sum(1 for r in results if r.peer_error and not r.peer_items),
        },
    }
    if args.json:
        print(json.dumps({"dataset": str(root), "totals": totals, "feeds": [asdict(r) for r in results]},
                         ensure_ascii=False, indent=2))
        return 0

    header = (f"{'feed':48} {'kind':6} {'items':>5} {'exp':>4} {'title':>7} {'link':>7} {'author':>7} "
              f"{'date':>7} {'dated':>5} {'U+FFFD':>6} {'ms':>6} | {'peer items':>10} {'dated':>5}")
    print(header)
    print("-" * len(header))
    for r in results:
        exp = "-" if r.expected_items is None else str(r.expected_items)
        cells = [_fraction(r.correct.get(f, 0), r.compared.get(f, 0)) for f in FIELDS]
        kind = r.kind if r.error is None else "ERROR"
        print(f"{r.file[:48]:48} {kind:6} {r.items:>5} {exp:>4} {cells[0]:>7} {cells[1]:>7} {cells[2]:>7} "
              f"{cells[3]:>7} {r.with_date:>5} {r.replacement_chars:>6} {r.seconds * 1000:>6.1f} | "
              f"{r.peer_items:>10} {r.peer_dates:>5}")
        if r.error:
            print(f"    error: {r.error}")
        for line in r.mismatches:
            print(f"    {line}")
    c, n = totals["correct"], totals["compared"]
    peer = totals["peer_feedparser"]
    print("-" * len(header))
    t = totals
    print(f"feeds parsed {t['parsed']}/{t['feeds']}; items {t['items']} (item count as in SOURCE.md for "
          f"{t['item_count_matches']}/{t['feeds_with_expected_count']} feeds); with title {t['with_title']}, "
          f"date {t['with_date']}, author {t['with_author']}; U+FFFD {t['replacement_chars']}; "
          f"{t['seconds'] * 1000:.0f} ms")
    print("fields correct vs expected output: " + ", ".join(f"{f} {_fraction(c[f], n[f])}" for f in FIELDS))
    print(f"peer (plain feedparser, same bytes): items with link {peer['items']}, dated {peer['with_date']}, "
          f"U+FFFD {peer['replacement_chars']}, feeds yielding nothing {peer['feeds_failed']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
