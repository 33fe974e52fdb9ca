"""The load bench's own bookkeeping: the synthetic web it serves, how it counts losses, and how it prices a run
(CDN invalidation paths read from the publish log)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from newsdive.bench.pipeline import PRICES, _invalidation_paths, cost_per_million, generate_web, losses


def test_synthetic_web_has_every_article_in_its_outlets_feed(tmp_path):
    web = generate_web(tmp_path, articles=50, seed=3)
    sources = json.loads(web.sources.read_text(encoding="utf-8"))
    assert len(web.urls) == 50 and len(sources) == web.outlets == 8
    in_feeds = set()
    for source in sources:
        host = source["homepage"].split("/")[2]
        feed = (web.sites / host / "feed.xml").read_text(encoding="utf-8")
        in_feeds |= {u for u in web.urls if f"<link>{u}</link>" in feed}
    assert in_feeds == set(web.urls)
    assert generate_web(tmp_path / "again", articles=50, seed=3).urls == web.urls  # reproducible from the seed


def test_losses_count_missing_and_doubly_published_articles(tmp_path):
    web = generate_web(tmp_path / "web", articles=12, seed=5)
    urls = sorted(web.urls)
    out = tmp_path / "out"
    (out / "deep-dives").mkdir(parents=True)
    (out / "deep-dives" / "a.json").write_text(json.dumps({"sources": [{"url": u} for u in urls[:8]]}))
    (out / "deep-dives" / "b.json").write_text(json.dumps({"sources": [{"url": u} for u in urls[7:10]]}))
    lost = losses(web, out)
    assert (lost["missing"], lost["published_twice"], lost["published_articles"]) == (2, 1, 11)


def test_invalidation_paths_are_read_from_the_publish_log_and_priced(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("\n".join([
        json.dumps({"message": "invalidation requested", "paths": ["/deep-dives/a.json", "/schemas/v1/x.json"]}),
        json.dumps({"message": "story published", "paths": ["/not/counted"]}),
        "not json at all",
    ]) + "\n", encoding="utf-8")
    assert _invalidation_paths(log) == 2
    assert _invalidation_paths(log, schemas=True) == 1 and _invalidation_paths(log, schemas=False) == 1
    summary = SimpleNamespace(durations={"publish": [1.0]})
    cost = cost_per_million(summary, {}, {}, {"publish": 1024}, 1000, 0, invalidation_paths=2)
    assert cost["by_part"]["cloudfront_invalidations"] == round(2 * 1000 * PRICES["cloudfront_invalidation_path"], 2)
    assert cost["by_part"]["lambda_compute"] == round(1.0 * 1000 * PRICES["lambda_gb_second_arm64"], 2)


def test_a_small_run_publishes_every_article_once_and_keeps_its_figures(tmp_path, capsys):
    """The whole bench on a moto server at a tiny size: every figure the README quotes is there, and the
    work folder keeps them as figures.json beside the logs."""
    from newsdive.bench.pipeline import main

    assert main(["--articles", "24", "--workdir", str(tmp_path), "--json", "-q"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    kept = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert printed == kept
    assert kept["losses"] == {**kept["losses"], "missing": 0, "published_twice": 0}
    assert kept["requests_per_article"]["dynamodb.UpdateItem"] > 0
    assert kept["requests_per_article"]["s3.PutObject"] > 0
    assert kept["cost"]["usd_per_million_articles"] > 0 and kept["articles_per_minute"] > 0
