"""Our own web in Chinese, Japanese, Korean, Thai and English, with a poison page, through the whole local pipeline.

`newsdive run --sites tests/fixtures/scripts/sites` on the moto server: five outlets (tests/fixtures/scripts), 13
articles and one page in the English feed that carries no article (a results hub of links: it fails on every
delivery). Every good article is published exactly once, whatever its script, with a summary and a reading time;
the poison page waits in the parse DLQ with its reason, and nothing else is dead-lettered.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from newsdive.model.article import url_id

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "tests" / "fixtures" / "scripts"
POISON = "http://www.meridianledger.example/news/2026/11/23/election-night-results.html"

pytestmark = pytest.mark.e2e


def _feed_links() -> list[str]:
    links = []
    for feed in sorted((WEB / "sites").glob("*/feed.xml")):
        links += [item.findtext("link") for item in ElementTree.parse(feed).getroot().iter("item")]
    return links


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("scripts-web")
    out = base / "out"
    result = subprocess.run(
        [sys.executable, "-m", "newsdive_tools.cli", "run", "--sources", str(WEB / "sources.json"), "--sites",
         str(WEB / "sites"), "--out", str(out), "--log", str(base / "run.log"), "--json", "-q"],
        capture_output=True, text=True, timeout=900, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    dives = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (out / "deep-dives").glob("*.json")}
    return summary, dives


def test_every_good_article_in_every_script_is_published_exactly_once(run):
    _, dives = run
    good = [link for link in _feed_links() if link != POISON]
    assert len(good) == 13
    published = Counter(s["url"] for d in dives.values() for s in d["sources"])
    assert {url: published[url] for url in good} == dict.fromkeys(good, 1)
    assert POISON not in published
    assert sum(published.values()) == len(good)


def test_the_poison_page_waits_in_the_parse_dlq_with_its_reason_and_nothing_else_does(run):
    summary, _ = run
    letters = [(queue, m) for queue, messages in summary["dead_letter_messages"].items() for m in messages]
    assert [(queue, m["error"], m["permanent"]) for queue, m in letters] == [("ParseQueue", "NoArticleError", True)]
    assert url_id(POISON) in letters[0][1]["subject"]
    assert letters[0][1]["reason"]
    assert summary["stages"]["aggregate"]["failed"] == 0
    assert summary["stages"]["publish"]["failed"] == 0


def test_every_deep_dive_has_a_summary_and_a_reading_time_that_fits_its_script(run):
    _, dives = run
    by_outlet = {d["sources"][0]["outlet_id"]: d for d in dives.values() if d["article_count"] == 1}
    assert {"dongan-daily", "asanagi-shimbun", "hanbit-ilbo", "chaophraya-news", "meridian-ledger"} <= set(by_outlet)
    for doc in dives.values():
        assert doc["summary"], doc["title"]  # a Chinese or Japanese lead is cut into sentences at 。！？
        assert doc["read_time_minutes"] >= 1
