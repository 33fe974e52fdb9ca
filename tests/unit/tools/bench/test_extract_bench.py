"""The extraction benchmarks: their metric, their output shapes, and a missing dataset (reported, exit 0)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsdive_tools.bench import extract as bench_extract
from newsdive_tools.bench import metadata as bench_metadata

ARTICLE = (
    "<html lang='en'><head><title>Ferry timetable changes</title>"
    "<meta property='article:published_time' content='2024-05-02T07:30:00+01:00'>"
    "<meta name='author' content='Rosa Quint'></head><body><article>"
    "<p>The island ferry will run two extra crossings on summer weekends, the operator said on Thursday.</p>"
    "<p>The first boat will leave the harbour at six in the morning, an hour earlier than it does now.</p>"
    "</article><div class='related'><a href='/x'>Other news from the islands and the harbour</a></div>"
    "</body></html>"
)
TRUTH = (
    "The island ferry will run two extra crossings on summer weekends, the operator said on Thursday.\n"
    "The first boat will leave the harbour at six in the morning, an hour earlier than it does now."
)


def test_shingle_metric_scores_exact_text_one_and_disjoint_text_zero():
    assert bench_extract.precision_recall(TRUTH, TRUTH) == (1.0, 1.0)
    assert bench_extract.precision_recall(TRUTH, "completely different words in this output text") == (0.0, 0.0)
    assert bench_extract.precision_recall("", "") == (1.0, 1.0)


def test_shingle_metric_counts_extra_text_against_precision_only():
    precision, recall = bench_extract.precision_recall(TRUTH, TRUTH + "\nSign up for our newsletter today please")
    assert recall == 1.0
    assert 0.7 < precision < 1.0


@pytest.mark.parametrize("module", [bench_extract, bench_metadata])
def test_missing_dataset_is_reported_and_exits_zero(module, tmp_path: Path, capsys):
    assert module.main(["--dataset", str(tmp_path / "absent")]) == 0
    assert "dataset not found" in capsys.readouterr().out


def test_extract_bench_prints_the_documented_json(tmp_path: Path, capsys):
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "abc.html.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    (tmp_path / "ground-truth.json").write_text(
        json.dumps({"abc": {"articleBody": TRUTH, "url": "https://ferry.example.com/a"}})
    )
    assert bench_extract.main(["--dataset", str(tmp_path), "--json", "--tools", "newsdive"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pages"] == 1
    assert out["tools"]["newsdive"]["f1"] == 1.0
    assert set(out["tools"]["newsdive"]) >= {"f1", "precision", "recall", "pages_per_s"}
    assert "speed_ratio_vs_trafilatura" in out


def test_metadata_bench_judges_title_time_authors_and_language(tmp_path: Path, capsys):
    (tmp_path / "uk").mkdir()
    (tmp_path / "uk" / "Ferry_2024_05_02.html.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    expected = {
        "V1": {
            "title": "Ferry timetable changes",
            "authors": ["ROSA QUINT"],
            "publishing_date": "2024-05-02 07:30:00+01:00",
        }
    }
    (tmp_path / "uk" / "Ferry.json").write_text(json.dumps(expected))
    manifest = [
        {
            "country": "uk",
            "publisher": "Ferry",
            "html": "uk/Ferry_2024_05_02.html.gz",
            "expected": "uk/Ferry.json",
            "version_key": "V1",
            "url": "https://ferry.example.com/a",
        }
    ]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert bench_metadata.main(["--dataset", str(tmp_path), "--json", "--tools", "newsdive"]) == 0
    scores = json.loads(capsys.readouterr().out)["tools"]["newsdive"]
    assert scores["title"] == scores["published_at"] == scores["authors"] == scores["language"] == 1.0


def test_time_match_needs_the_same_offset_when_the_expected_time_has_one():
    from datetime import datetime

    expected = datetime.fromisoformat("2024-05-02 07:30:00+01:00")
    assert bench_metadata.time_matches(expected, datetime.fromisoformat("2024-05-02T07:30:59+01:00"))
    assert not bench_metadata.time_matches(expected, datetime.fromisoformat("2024-05-02T06:30:00+00:00"))
