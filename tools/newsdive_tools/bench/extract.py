"""`newsdive bench extract`: body-text quality and speed of newsdive's extractor against its peers.

Runs on the Zyte article-extraction-benchmark layout (``html/<id>.html.gz`` + ``ground-truth.json``).
Every tool gets the same pages in the same process, one page at a time. The metric follows the benchmark's
own definition: ``\\w+`` tokens, multisets of 4-token shingles, precision and recall averaged over pages,
F1 from the averages.
Peers (trafilatura, readability-lxml, newspaper4k) are optional: a missing one is reported as skipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsdive_tools.bench import positive_int

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def precision_recall(truth: str, predicted: str) -> tuple[float, float]:
    """Per-page shingle precision and recall; a page with nothing missing and nothing extra scores 1."""
    t, p = shingles(truth), shingles(predicted)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    if tp == 0:
        return 0.0, 0.0
    return tp / (tp + fp), tp / (tp + fn)


@dataclass
class Page:
    id: str
    url: str | None
    html: bytes
    truth: str = ""


@dataclass
class ToolResult:
    name: str
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    slowest: tuple[float, str] = (0.0, "")
    per_page: dict[str, tuple[float, float]] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def precision(self) -> float:
        return sum(self.precisions) / len(self.precisions) if self.precisions else 0.0

    @property
    def recall(self) -> float:
        return sum(self.recalls) / len(self.recalls) if self.recalls else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def pages_per_s(self) -> float:
        return len(self.precisions) / self.seconds if self.seconds else 0.0


# --- tools ---------------------------------------------------------------------------------------------
Extractor = Callable[[Page], str]


def _newsdive() -> Extractor:
    from newsdive.model.errors import ExtractionError
    from newsdive.parse.extract import extract_article

    def run(page: Page) -> str:
        try:
            return extract_article(page.html, url=page.url).text
        except ExtractionError:
            return ""

    return run


def _trafilatura() -> Extractor:
    import trafilatura

    def run(page: Page) -> str:
        return trafilatura.extract(page.html.decode("utf-8", "replace"), url=page.url, include_comments=False) or ""

    return run


def _readability() -> Extractor:
    import lxml.html
    from readability import Document

    def run(page: Page) -> str:
        summary = Document(page.html.decode("utf-8", "replace")).summary(html_partial=True)
        root = lxml.html.fromstring(summary)
        return "\n".join(t.strip() for t in root.itertext())  # type: ignore[misc]  # stubs: str | bytes

    return run


def _newspaper() -> Extractor:
    import newspaper

    config = newspaper.Config()
    config.fetch_images = False  # it would download images to rank them: no network in a benchmark
    config.memorize_articles = False

    def run(page: Page) -> str:
        article = newspaper.Article(page.url or "http://example.com/", config=config)
        article.download(input_html=page.html.decode("utf-8", "replace"))
        article.parse()
        return article.text or ""

    return run


def _lxml_parse() -> Extractor:
    """The floor: parsing the page with lxml and nothing else (no quality figures)."""
    from lxml import etree

    parser = etree.HTMLParser(encoding="utf-8")

    def run(page: Page) -> str:
        etree.fromstring(page.html, parser=parser)
        return ""

    return run


TOOLS: dict[str, Callable[[], Extractor]] = {
    "newsdive": _newsdive,
    "trafilatura": _trafilatura,
    "readability-lxml": _readability,
    "newspaper4k": _newspaper,
    "lxml-parse": _lxml_parse,
}
FLOOR = "lxml-parse"  # speed only


def load_tools(names: list[str]) -> tuple[dict[str, Extractor], dict[str, str]]:
    """Import each tool; a peer that is not installed is skipped with the reason, never an error."""
    tools: dict[str, Extractor] = {}
    skipped: dict[str, str] = {}
    for name in names:
        try:
            tools[name] = TOOLS[name]()
        except ImportError as exc:
            skipped[name] = f"not installed ({exc.name or exc})"
    return tools, skipped


# --- dataset ---------------------------------------------------------------------------------------------
def load_pages(dataset: Path, limit: int | None = None, only: str | None = None) -> list[Page]:
    truth = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        if only and only not in key:
            continue
        path = dataset / "html" / f"{key}.html.gz"
        if not path.exists():
            continue
        pages.append(
            Page(
                key,
                truth[key].get("url"),
                gzip.decompress(path.read_bytes()),
                truth[key].get("articleBody") or "",
            )
        )
        if limit and len(pages) >= limit:
            break
    return pages


def run_tool(name: str, run: Extractor, pages: list[Page]) -> ToolResult:
    result = ToolResult(name)
    for page in pages:
        start = time.perf_counter()
        try:
            text = run(page)
        except Exception:  # noqa: BLE001 - a peer crashing on a page scores that page as empty
            text = ""
            result.errors += 1
        elapsed = time.perf_counter() - start
        result.seconds += elapsed
        if elapsed > result.slowest[0]:
            result.slowest = (elapsed, page.id)
        p, r = precision_recall(page.truth, text)
        result.precisions.append(p)
        result.recalls.append(r)
        result.per_page[page.id] = (p, r)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdive bench extract",
        description="Body-text F1/precision/recall and pages per second of newsdive's extractor and its peers"
        " "
        "(trafilatura, readability-lxml, newspaper4k, each when installed) on the Zyte "
        "article-extraction-benchmark, all in one run.",
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        required=True,
        help="folder of the benchmark: html/<id>.html.gz and ground-truth.json",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help=f"comma-separated tools to run (default: {','.join(TOOLS)})"
    )
    parser.add_argument("--limit", type=positive_int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--worst", type=int, default=0, help="also list newsdive's N lowest-F1 pages")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    dataset: Path = args.dataset
    if not (dataset / "ground-truth.json").is_file() or not (dataset / "html").is_dir():
        print(f"dataset not found at {dataset} (expected ground-truth.json and html/): skipping the bench")
        return 0
    names = [n.strip() for n in args.tools.split(",") if n.strip()]
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        print(f"unknown tool(s): {', '.join(unknown)}; known: {', '.join(TOOLS)}", file=sys.stderr)
        return 2
    pages = load_pages(dataset, args.limit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers' deprecation and date-parsing chatter
        tools, skipped = load_tools(names)
        results = {name: run_tool(name, run, pages) for name, run in tools.items()}
    ratio = None
    if "newsdive" in results and "trafilatura" in results and results["trafilatura"].pages_per_s:
        ratio = results["newsdive"].pages_per_s / results["trafilatura"].pages_per_s

    if args.json:
        out: dict[str, object] = {
            "pages": len(pages),
            "tools": {},
            "speed_ratio_vs_trafilatura": round(ratio, 2) if ratio is not None else None,
        }
        for name, res in results.items():
            if name == FLOOR:
                out["tools"][name] = {"pages_per_s": round(res.pages_per_s, 1)}  # type: ignore[index]
                continue
            out["tools"][name] = {  # type: ignore[index]
                "f1": round(res.f1, 4),
                "precision": round(res.precision, 4),
                "recall": round(res.recall, 4),
                "pages_per_s": round(res.pages_per_s, 1),
                "errors": res.errors,
                "slowest_page": {"id": res.slowest[1], "ms": round(res.slowest[0] * 1000, 1)},
            }
        for name, reason in skipped.items():
            out["tools"][name] = {"skipped": reason}  # type: ignore[index]
        print(json.dumps(out))
        return 0

    print(f"article-extraction-benchmark: {len(pages)} pages, one process, one page at a time")
    print(f"{'tool':<18} {'F1':>6} {'P':>6} {'R':>6} {'pages/s':>8}  slowest page")
    for name, res in results.items():
        if name == FLOOR:
            print(f"{'lxml parse alone':<18} {'-':>6} {'-':>6} {'-':>6} {res.pages_per_s:8.1f}")
            continue
        print(
            f"{name:<18} {res.f1:6.3f} {res.precision:6.3f} {res.recall:6.3f} {res.pages_per_s:8.1f}  "
            f"{res.slowest[0] * 1000:.0f} ms {res.slowest[1][:16]}" + (f"  ({res.errors} errors)" if res.errors else "")
        )
    for name, reason in skipped.items():
        print(f"{name:<18} skipped: {reason}")
    if ratio is not None:
        print(f"speed ratio newsdive/trafilatura: {ratio:.2f}x")
    if "newsdive" in results and FLOOR in results and results[FLOOR].pages_per_s:
        share = results["newsdive"].pages_per_s / results[FLOOR].pages_per_s
        print(f"newsdive runs at {share:.0%} of the lxml-parse-alone floor")
    if args.worst and "newsdive" in results:
        res = results["newsdive"]
        print(f"\nnewsdive's {args.worst} lowest-F1 pages:")
        ranked = sorted(res.per_page.items(), key=lambda kv: 2 * kv[1][0] * kv[1][1] / ((kv[1][0] + kv[1][1]) or 1))
        for page_id, (p, r) in ranked[: args.worst]:
            print(f"  {page_id[:16]}  P {p:.3f}  R {r:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
