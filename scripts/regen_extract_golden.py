#!/usr/bin/env python3
"""Regenerate the expected outputs of the extractor's golden tests (tests/fixtures/extract/<page>.json).

Run it on purpose, after a change that is meant to alter extraction output, then review the diff:

    .venv/bin/python scripts/regen_extract_golden.py            # show which pages would change
    .venv/bin/python scripts/regen_extract_golden.py --write    # write them

Each <page>.json keeps its "input" (url, content_type) and gets "expected": the ExtractedArticle as JSON,
or {"error": "<ExceptionName>"} for pages that must be refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "extract"


def expected_for(page: Path, spec: dict) -> dict:
    from newsdive.model.errors import ExtractionError
    from newsdive.parse.extract import extract_article

    inp = spec["input"]
    try:
        article = extract_article(page.read_bytes(), url=inp.get("url"), content_type=inp.get("content_type"))
    except ExtractionError as exc:
        return {"error": type(exc).__name__}
    return article.model_dump(mode="json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the changed expectations")
    parser.add_argument("pages", nargs="*", help="only these fixture names (without .html)")
    args = parser.parse_args(argv)
    changed = 0
    for page in sorted(FIXTURES.glob("*.html")):
        if args.pages and page.stem not in args.pages:
            continue
        path = page.with_suffix(".json")
        spec = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        spec.setdefault("input", {"url": f"https://www.example.com/{page.stem}", "content_type": "text/html"})
        new = expected_for(page, spec)
        if spec.get("expected") == new:
            continue
        changed += 1
        print(f"{'writing' if args.write else 'would change'}: {path.name}")
        if args.write:
            spec["expected"] = new
            path.write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{changed} fixture(s) {'written' if args.write else 'differ (use --write)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
