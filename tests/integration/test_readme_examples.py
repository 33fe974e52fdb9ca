"""The README's examples are a real run's output: scripts/readme_examples.py runs the demo and compares."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_examples_are_what_the_demo_produces_now():
    import subprocess
    import sys

    # its own process: the demo's loggers and moto server stay out of this one's
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_examples.py"), "--check"],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_stale_example_is_found_and_rewritten(tmp_path):
    module = _module()
    out = tmp_path / "out"
    (out / "deep-dives").mkdir(parents=True)
    (out / "index" / "categories").mkdir(parents=True)
    (out / "feeds").mkdir()
    story = {"id": "s1", "source_count": 2, "blindspot": {"side": "right", "label": "Blindspot for the Right"},
             "category": "health", "sources": [{"url": "a"}, {"url": "b"}], "toc": [{"id": "x"}, {"id": "y"}]}
    (out / "deep-dives" / "s1.json").write_text(json.dumps(story))
    (out / "deep-dives" / "s2.json").write_text(json.dumps({**story, "id": "s2", "blindspot": None,
                                                            "source_count": 9}))
    (out / "index" / "categories" / "health.json").write_text(json.dumps({"items": [{"id": "s1"}]}))
    (out / "feeds" / "health.xml").write_text("<rss>\n  <channel>\n    <item>\n    </item>\n    <item>\n"
                                              "    </item>\n  </channel>\n</rss>\n")
    (out / "sitemap.xml").write_text("<urlset>\n  <url>\n  </url>\n  <url>\n  </url>\n</urlset>\n")
    readme = tmp_path / "README.md"
    readme.write_text("a\n<!-- readme-examples:documents -->\nold\n<!-- /readme-examples:documents -->\n"
                      "<!-- readme-examples:sources -->\nold\n<!-- /readme-examples:sources -->\nz\n")
    assert module.main(["--check", "--out", str(out), "--readme", str(readme)]) == 1
    assert module.main(["--out", str(out), "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "`deep-dives/s1.json`" in text  # the story with a blindspot, not the one with more sources
    assert ' "sources": [\n  {"url": "a"},\n  …\n ],' in text and '  {"id": "y"}' in text  # toc kept whole
    assert "    </item>\n    <!-- … -->\n  </channel>\n</rss>" in text
    assert text.startswith("a\n") and text.endswith("\nz\n")
    assert module.main(["--check", "--out", str(out), "--readme", str(readme)]) == 0


def test_the_summary_check_ignores_what_differs_from_run_to_run():
    module = _module()
    text = ("<!-- readme-examples:summary -->\n```\nseconds:     60.7\n             ParseQueue "
            "1a3dae30-0243-44ec-a3d9-5aa4177ccabb: x\n```\n<!-- /readme-examples:summary -->")
    fresh = "```\nseconds:     33.0\n             ParseQueue 399f540e-e19d-46a0-a94f-1912b4c34f2e: x\n```"
    assert module.stale(text, {"summary": fresh}) == []
    assert module.stale(text, {"summary": fresh.replace(": x", ": y")}) == ["summary"]


def test_the_cost_block_is_the_bench_account(tmp_path):
    from newsdive_tools.bench.pipeline import cost_lines

    figures = {"cost": {"prices_date": "2025-06", "usd_per_million_articles": 50.0, "by_part": {"s3": 10.0}},
               "fixed_monthly": {"usd_per_month": 4.0, "alarms": 9, "dashboards": 1, "by_part": {"alarms": 0.9},
                                 "scheduled": [{"stage": "settle", "expression": "rate(1 hour)", "per_month": 730,
                                                "seconds_p50": 1.5, "wru": 2.0, "rru": 3.0,
                                                "measured_invocations": 1}]}}
    path = tmp_path / "figures.json"
    path.write_text(json.dumps(figures))
    block = _module().cost_block(path)
    assert block == "```\n" + "\n".join(cost_lines(figures)) + "\n```"
    assert "per 1M articles: 50.00 USD" in block and "fixed per month: 4.00 USD (9 alarms" in block
    assert "settle: rate(1 hour), 730 a month x (1.5 s, 2.0 WRU, 3.0 RRU" in block
