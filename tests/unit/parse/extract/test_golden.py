"""Golden tests: every page in tests/fixtures/extract has its expected output beside it.

When extraction is meant to change, regenerate with scripts/regen_extract_golden.py --write and review the
diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdive.model import errors
from newsdive.parse.extract import extract_article

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "extract"
PAGES = sorted(FIXTURES.glob("*.html"))


def test_there_are_enough_golden_pages():
    assert len(PAGES) >= 8
    assert all(page.with_suffix(".json").exists() for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_extracts_to_its_expected_output(page: Path):
    spec = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    inp, expected = spec["input"], spec["expected"]
    if "error" in expected:
        with pytest.raises(getattr(errors, expected["error"])):
            extract_article(page.read_bytes(), url=inp.get("url"), content_type=inp.get("content_type"))
        return
    article = extract_article(page.read_bytes(), url=inp.get("url"), content_type=inp.get("content_type"))
    assert article.model_dump(mode="json") == expected
