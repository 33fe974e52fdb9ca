#!/usr/bin/env python3
"""Write the examples of the README and docs/ from a real run of the demo, or check that they are current.

    .venv/bin/python scripts/readme_examples.py            # run the demo, rewrite the example blocks
    .venv/bin/python scripts/readme_examples.py --check    # run the demo, exit 1 if a block is out of date
    .venv/bin/python scripts/readme_examples.py --out out  # use the documents of an earlier `make demo`

Each example sits in README.md or a page of docs/ between `<!-- readme-examples:NAME -->` and
`<!-- /readme-examples:NAME -->`:
- `summary` (README.md): what `make demo` prints (the run's seconds and dead-letter message ids differ from run to
  run, so `--check` compares the other lines);
- `sources` (docs/configuration.md): the first source of the bundled sample sources file;
- `cost` (docs/benchmarks.md): the cost account of a `newsdive bench pipeline --workdir DIR` run, from
  `--bench DIR/figures.json` (written only when given: the bench takes minutes);
- `documents` (docs/contract.md): the deep dive of the demo's story with a blindspot and the most sources (arrays
  shortened to their first entry and `…`), its category's index page, its category's RSS feed and the sitemap, as
  published.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]  # where example blocks may sit
WHOLE_LISTS = {"sections", "toc"}  # shown entry by entry (their own lists shortened); other lists: the first entry
_VOLATILE = [(re.compile(r"^(seconds:\s+).*$", re.M), r"\1…"),
             (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<message id>")]


def _compact(value: object) -> str:
    """One-line JSON where a list of several objects shows its first one and `…`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        if len(value) > 1 and all(isinstance(v, dict) for v in value):
            return "[" + _compact(value[0]) + ", …]"
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def render_document(doc: dict) -> str:
    """A published JSON document as the README shows it: one key a line, long lists of objects shortened."""
    lines = ["{"]
    items = sorted(doc.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and (
                len(value) > 1 or key in WHOLE_LISTS):
            shown = value if key in WHOLE_LISTS else value[:1]
            body = [f"  {_compact(v)}" for v in shown]
            if len(shown) < len(value):
                body.append("  …")
            lines += [f" {json.dumps(key)}: ["] + [b + ("," if j < len(body) - 1 else "") for j, b in
                                                    enumerate(body)] + [f" ]{comma}"]
        else:
            lines.append(f" {json.dumps(key)}: {_compact(value)}{comma}")
    return "\n".join(lines + ["}"])


def render_xml(text: str, first_end: str) -> str:
    """An RSS feed or sitemap as the README shows it: up to its first entry, then `<!-- … -->` and the close."""
    lines = text.rstrip("\n").splitlines()
    cut = next(i for i, line in enumerate(lines) if line.strip() == first_end)
    indent = lines[cut][: len(lines[cut]) - len(lines[cut].lstrip())]
    closing = [line for line in lines[cut + 1:] if line.strip() in ("</channel>", "</rss>", "</urlset>")]
    return "\n".join(lines[: cut + 1] + [f"{indent}<!-- … -->"] + closing)


def featured_story(out: Path) -> dict:
    """The deep dive the README shows: a story with a blindspot and the most sources (then by id)."""
    dives = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "deep-dives").glob("*.json"))]
    blind = [d for d in dives if d.get("blindspot")] or dives
    return max(blind, key=lambda d: (d["source_count"], d["blindspot"]["side"] == "right" if d["blindspot"] else 0,
                                     d["id"]))


def documents_block(out: Path) -> str:
    story = featured_story(out)
    category = story["category"]
    index = json.loads((out / "index" / "categories" / f"{category}.json").read_text(encoding="utf-8"))
    parts = [
        "Examples, real output of `make demo` (arrays shortened to their first entries with `…`; written by "
        "`scripts/readme_examples.py`):",
        f"`deep-dives/{story['id']}.json`:", "```json\n" + render_document(story) + "\n```",
        f"`index/categories/{category}.json` (the story's category; `latest` and `blindspots` have the same "
        "shape):", "```json\n" + render_document(index) + "\n```",
        f"`feeds/{category}.xml` (links use the stack's public URL; the demo's is the local viewer's):",
        "```xml\n" + render_xml((out / "feeds" / f"{category}.xml").read_text(encoding="utf-8"), "</item>")
        + "\n```",
        "`sitemap.xml`:",
        "```xml\n" + render_xml((out / "sitemap.xml").read_text(encoding="utf-8"), "</url>") + "\n```",
    ]
    return "\n\n".join(parts)


def sources_block() -> str:
    from newsdive_tools.paths import sample_web

    first = json.loads((sample_web() / "sources.json").read_text(encoding="utf-8"))[0]
    return "```json\n" + json.dumps([first], indent=2, ensure_ascii=False) + "\n```"


def summary_block(lines: list[str], out: Path) -> str:
    """What `make demo` prints: its documents go to ./out and its log to .newsdive/run.log."""
    text = "\n".join(lines).replace(str(out.parent / "run.log"), ".newsdive/run.log").replace(str(out), "out")
    return "```\n" + text + "\n```"


def run_demo(out: Path) -> list[str]:
    """Run the demo as `make demo` does; the summary lines it prints."""
    from newsdive_tools.local.runner import RunOptions, run
    from newsdive_tools.paths import sample_web

    web = sample_web()
    summary = run(RunOptions(sources=web / "sources.json", out=out, sites=web / "sites", quiet=True,
                             log_file=out.parent / "run.log", host_interval=0.0))
    return summary.lines()


def cost_block(figures: Path) -> str:
    from newsdive_tools.bench.pipeline import cost_lines

    return "```\n" + "\n".join(cost_lines(json.loads(figures.read_text(encoding="utf-8")))) + "\n```"


def blocks(out: Path, summary: list[str] | None, bench: Path | None = None) -> dict[str, str]:
    found = {"sources": sources_block(), "documents": documents_block(out)}
    if bench is not None:
        found["cost"] = cost_block(bench)
    if summary is not None:
        found["summary"] = summary_block(summary, out)
    return found


def _holds(text: str, name: str) -> bool:
    return f"<!-- readme-examples:{name} -->\n" in text


def _span(text: str, name: str) -> tuple[int, int]:
    begin, end = f"<!-- readme-examples:{name} -->\n", f"\n<!-- /readme-examples:{name} -->"
    start = text.index(begin) + len(begin)
    return start, text.index(end, start)


def apply(text: str, new: dict[str, str]) -> str:
    for name, body in new.items():
        start, stop = _span(text, name)
        text = text[:start] + body + text[stop:]
    return text


def stale(text: str, new: dict[str, str]) -> list[str]:
    """Names of the blocks that differ from a fresh run (volatile fields of the summary ignored)."""
    out = []
    for name, body in new.items():
        start, stop = _span(text, name)
        current = text[start:stop]
        if name == "summary":
            for pattern, repl in _VOLATILE:
                current, body = pattern.sub(repl, current), pattern.sub(repl, body)
        if current != body:
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the README's examples are out of date")
    ap.add_argument("--out", type=Path, help="documents of an earlier demo run (the summary block is then left)")
    ap.add_argument("--bench", type=Path, metavar="FIGURES", help="a bench run's figures.json: the cost block")
    ap.add_argument("--readme", type=Path, action="append", metavar="FILE",
                    help="a file holding example blocks (repeatable; default: README.md and docs/*.md)")
    args = ap.parse_args(argv)
    pages: list[Path] = args.readme or PAGES
    with tempfile.TemporaryDirectory(prefix="newsdive-readme-") as tmp:
        if args.out:
            out, summary = args.out, None
        else:
            out = Path(tmp) / "out"
            summary = run_demo(out)
        new = blocks(out, summary, args.bench)
    texts = {page: page.read_text(encoding="utf-8") for page in pages}
    homeless = [name for name in new if not any(_holds(text, name) for text in texts.values())]
    if homeless:
        print(f"no block for {', '.join(homeless)} in {', '.join(map(str, pages))}", file=sys.stderr)
        return 2
    mine = {page: {name: body for name, body in new.items() if _holds(text, name)} for page, text in texts.items()}
    if args.check:
        differing = [f"{page.name}: {name}" for page, text in texts.items() for name in stale(text, mine[page])]
        if differing:
            print(f"examples out of date: {', '.join(differing)} (run scripts/readme_examples.py)")
            return 1
        print(f"examples current ({', '.join(new)})")
        return 0
    for page, text in texts.items():
        if mine[page]:
            page.write_text(apply(text, mine[page]), encoding="utf-8")
            print(f"wrote {', '.join(mine[page])} into {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
