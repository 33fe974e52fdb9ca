"""`newsdive bench cluster`: its clustering scores, and a run on a tiny labelled set written here."""

from __future__ import annotations

import json

import pytest

from newsdive_tools.bench.cluster import baseline_single_pass, main, scores


def test_a_perfect_clustering_scores_one_whatever_the_labels():
    figures = scores(["a", "a", "b"], ["x", "x", "y"])
    assert figures["bcubed_f1"] == figures["pairwise_f1"] == figures["ari"] == 1.0
    assert figures["clusters"] == 2


def test_bcubed_and_pairwise_figures_of_a_known_case():
    # truth {1,2,3} {4,5}; predicted {1,2} {3,4,5}
    figures = scores(["a", "a", "a", "b", "b"], ["x", "x", "y", "y", "y"])
    assert figures["bcubed_precision"] == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5, abs=1e-4)
    assert figures["bcubed_recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5, abs=1e-4)
    assert figures["pairwise_precision"] == 0.5  # 2 of the 4 predicted pairs are true
    assert figures["pairwise_recall"] == 0.5  # 2 of the 4 true pairs are found
    assert figures["ari"] < 0.5


def test_everything_in_one_cluster_has_full_recall_and_poor_precision():
    figures = scores(["a", "b", "c", "d"], ["x"] * 4)
    assert figures["bcubed_recall"] == 1.0 and figures["bcubed_precision"] == 0.25 and figures["ari"] == 0.0


def test_the_baseline_joins_similar_vectors_and_separates_others():
    vectors = [{"fed": 1.0}, {"fed": 0.8, "rates": 0.6}, {"gox": 1.0}]
    assert baseline_single_pass(vectors, 0.5) == ["0", "0", "1"]
    assert baseline_single_pass(vectors, 0.95) == ["0", "1", "2"]


def test_a_missing_dataset_is_reported_and_not_an_error(tmp_path, capsys):
    assert main(["--dataset", str(tmp_path / "absent")]) == 0
    assert "nothing measured" in capsys.readouterr().out


UCI_ROWS = [
    ("Fed official hints at faster tapering of bond buying", "fed", "b"),
    ("Fed's Plosser says tapering should speed up", "fed", "b"),
    ("Plosser: Fed may taper bond buying faster", "fed", "b"),
    ("Mt. Gox files for bankruptcy protection in Texas", "gox", "t"),
    ("Bitcoin exchange Mt. Gox seeks bankruptcy protection", "gox", "t"),
    ("Mt. Gox bankruptcy filing hits bitcoin users", "gox", "t"),
]


def _write_uci(root, *, step_ms: int) -> None:
    """UCI_ROWS in the UCI file's layout, one outlet each, `step_ms` apart."""
    folder = root / "uci-news-aggregator-sample"
    folder.mkdir()
    lines = ["ID,TITLE,URL,PUBLISHER,CATEGORY,STORY,HOSTNAME,TIMESTAMP"]
    lines += [f'{n},"{title}",https://outlet{n}.example/{n},Outlet {n},{category},{story},outlet{n}.example,'
              f"{1394470370000 + n * step_ms}" for n, (title, story, category) in enumerate(UCI_ROWS)]
    (folder / "uci_news_aggregator_86_stories.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_run_on_a_small_labelled_set_prints_the_documented_json(tmp_path, capsys):
    _write_uci(tmp_path, step_ms=60_000)
    assert main(["--dataset", str(tmp_path), "--json", "--no-scaling"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"datasets", "ops_per_article", "labels"}
    uci = out["datasets"]["uci"]
    assert set(uci) == {"articles", "true_clusters", "order", "newsdive", "baseline"}
    assert uci["order"] == {"interleave": 0.0, "seed": 0}
    assert uci["newsdive"]["bcubed_f1"] == 1.0 and uci["newsdive"]["clusters"] == 2
    for system in ("newsdive", "baseline"):
        assert {"bcubed_precision", "bcubed_recall", "bcubed_f1", "pairwise_f1", "ari", "clusters",
                "articles_per_second"} <= set(uci[system])
    assert "threshold" in uci["baseline"]


def test_only_runs_the_named_sets(tmp_path, capsys):
    _write_uci(tmp_path, step_ms=1)
    assert main(["--dataset", str(tmp_path), "--json", "--no-scaling", "--only", "allsides_undated"]) == 0
    assert json.loads(capsys.readouterr().out)["datasets"] == {}
    assert main(["--dataset", str(tmp_path), "--json", "--no-scaling", "--only", "uci"]) == 0
    assert set(json.loads(capsys.readouterr().out)["datasets"]) == {"uci"}
    with pytest.raises(SystemExit):
        main(["--dataset", str(tmp_path), "--only", "nonsense"])


def test_store_operations_per_article_stay_flat_as_stories_pile_up():
    from newsdive.aggregate.cluster.assign import AssignConfig
    from newsdive_tools.bench.cluster import ops_scaling

    config = AssignConfig()
    for size, cost in ops_scaling([300, 3000], probes=20).items():
        # claim, index lookup, briefs, up to `link_candidates` stories read whole, the story
        assert cost["reads"] <= 4 + config.link_candidates, size
        # the claim, the story and a dozen postings (a merge now and then adds its own)
        assert cost["writes"] <= 2 + config.post_terms + 4, size
        # the strongest terms x the window's 5 days, the briefs, the stories read
        reads = 5 * config.lookup_terms + config.max_candidates + config.link_candidates + 2
        assert cost["items_read"] <= reads, size


def _items(rows):
    from datetime import UTC, datetime

    from newsdive_tools.bench.cluster import Item

    return [Item(key=f"k{n}", truth=story, title="", body="", url="", outlet="",
                 when=datetime(2021, 1, day, tzinfo=UTC)) for n, (story, day) in enumerate(rows)]


def test_equal_time_articles_keep_the_files_order_unless_interleaved():
    from newsdive_tools.bench.cluster import _in_time_order

    # the file lists each story's articles together; day 2 comes first in the file but is newer
    rows = [("z", 2), ("z", 2)] + [(story, 1) for story in "abcdefgh" for _ in range(3)]
    items = _items(rows)
    kept = _in_time_order(items)
    assert [it.key for it in kept] == [f"k{n}" for n in range(2, 26)] + ["k0", "k1"]

    mixed = _in_time_order(items, interleave=4, seed=1)
    assert sorted(it.key for it in mixed) == sorted(it.key for it in items)
    assert [it.when.day for it in mixed] == sorted(it.when.day for it in mixed)  # time order holds
    stories = [it.truth for it in mixed if it.when.day == 1]
    runs = sum(1 for a, b in zip(stories, stories[1:], strict=False) if a != b)
    assert runs > len(set(stories)) - 1  # some story's articles no longer arrive together
    # an article is delayed by at most N stories: "a" (the first story) never comes after "h"'s first article
    assert max(n for n, s in enumerate(stories) if s == "a") < min(n for n, s in enumerate(stories) if s == "h")
    assert [it.key for it in _in_time_order(items, interleave=4, seed=1)] == [it.key for it in mixed]  # seeded
    assert [it.key for it in _in_time_order(items, interleave=4, seed=2)] != [it.key for it in mixed]


def test_interleave_is_reported_with_the_figures(tmp_path, capsys):
    _write_uci(tmp_path, step_ms=0)  # one time for all: what --interleave mixes
    assert main(["--dataset", str(tmp_path), "--no-scaling", "--interleave", "2", "--seed", "3"]) == 0
    assert "interleaved across up to 2 stories (seed 3)" in capsys.readouterr().out
    assert main(["--dataset", str(tmp_path), "--no-scaling", "--json", "--interleave", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["datasets"]["uci"]["order"] == {"interleave": 2.0, "seed": 0}
    with pytest.raises(SystemExit):
        main(["--dataset", str(tmp_path), "--interleave", "-1"])
