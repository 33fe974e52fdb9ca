"""`newsdive bench category`: its scoring, the label maps, and runs on tiny labelled sets written here."""

from __future__ import annotations

import gzip
import json

from newsdive_tools.bench.category import (
    ALLSIDES_TOPICS,
    UCI_LABELS,
    Case,
    baseline,
    best_within,
    categorize_within,
    fundus_label,
    main,
    restricted,
    score,
    set_labels,
    story_split,
)


def _case(story: str, *truth: str) -> Case:
    return Case(story=story, truth=frozenset(truth), title="")


def test_articles_and_stories_are_scored_a_story_by_the_majority_of_its_articles():
    cases = [_case("s1", "business"), _case("s1", "business"), _case("s1", "business"),
             _case("s2", "technology", "science"), _case("s2", "technology", "science")]
    figures = score(cases, ["business", "general", "sports", "science", "general"])
    assert figures["articles"] == 5 and figures["stories"] == 2
    assert figures["article_accuracy"] == 0.4  # business and science are right
    # s1: business and sports tie, business comes first in the taxonomy; s2: science (general never outvotes)
    assert figures["story_accuracy"] == 1.0
    assert figures["general_share"] == 0.4


def test_the_baseline_always_answers_the_most_frequent_true_category():
    cases = [_case("a", "politics"), _case("b", "politics"), _case("c", "sports")]
    figures = baseline(cases)
    assert figures["category"] == "politics" and round(figures["article_accuracy"], 2) == 0.67


def test_the_split_is_a_fixed_half_by_story_id():
    halves = {story_split(f"story-{n}") for n in range(20)}
    assert halves == {"dev", "held-out"}
    assert story_split("story-1") == story_split("story-1")


def test_label_maps_point_into_the_taxonomy():
    from newsdive.aggregate.classify import TAXONOMY

    for labels in [*UCI_LABELS.values(), *ALLSIDES_TOPICS.values()]:
        assert labels and labels <= set(TAXONOMY)
    assert "Violence in America" not in ALLSIDES_TOPICS  # no place in the taxonomy: not scored


def test_a_fundus_label_is_the_section_the_url_or_a_topic_names():
    assert fundus_label("https://zeitung.example/wirtschaft/unternehmen/x", ["Politik"]) == "business"
    assert fundus_label("https://zeitung.example/a/123", ["Sonstiges", "Politik"]) == "politics"
    assert fundus_label("https://zeitung.example/a/123", ["Sonstiges"]) is None


def _write_sets(root) -> None:
    uci = root / "news-story-clusters" / "uci-news-aggregator-sample"
    uci.mkdir(parents=True)
    rows = ["ID,TITLE,URL,PUBLISHER,CATEGORY,STORY,HOSTNAME,TIMESTAMP"]
    titles = [("Shares of the company rise after strong earnings", "b", "st1"),
              ("Investors cheer the merger as stocks climb", "b", "st1"),
              ("Vaccine trial shows patients recover", "m", "st2"),
              ("Hospital doctors warn of a virus outbreak", "m", "st2"),
              ("A new smartphone app uses artificial intelligence", "t", "st3")]
    rows += [f'{n},"{t}",https://o{n}.example/{n},O{n},{c},{s},o{n}.example,{1394470370000 + n}'
             for n, (t, c, s) in enumerate(titles)]
    (uci / "uci_news_aggregator_86_stories.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    allsides = root / "news-story-clusters" / "allsides-roundups-neus"
    allsides.mkdir()
    head = ("story_id,story_title,topic,story_date,allsides_story_path,side,allsides_rating,source,title,url,"
            "body_excerpt")
    lines = [head,
             '1,T,Elections,2021-10-18,/s,left,left,A,"Senate vote on the bill",https://a.example/1,"Lawmakers '
             'and voters."',
             '1,T,Elections,2021-10-18,/s,right,right,B,"Congress passes the bill",https://b.example/1,"The '
             'senator said."',
             '2,T,Holidays,2021-10-18,/s,center,center,C,"Turkey dinner",https://c.example/2,"Family."']
    (allsides / "allsides_roundup_articles_flat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fundus = root / "fundus-news-pages"
    (fundus / "de").mkdir(parents=True)
    expected = {"V1": {"title": "Der Trainer lobt die Mannschaft", "topics": ["Fußball"],
                       "body": {"summary": ["Nach dem Sieg in der Bundesliga jubelten die Spieler."],
                                "sections": []}}}
    (fundus / "de" / "Zeitung.json").write_text(json.dumps(expected), encoding="utf-8")
    (fundus / "de" / "Zeitung_2024_01_01.html.gz").write_bytes(gzip.compress(b"<html></html>"))
    manifest = [{"country": "de", "publisher": "Zeitung", "html": "de/Zeitung_2024_01_01.html.gz",
                 "expected": "de/Zeitung.json", "version_key": "V1",
                 "url": "https://zeitung.example/sport/fussball/a-1"}]
    (fundus / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_a_run_on_tiny_sets_prints_figures_per_set(tmp_path, capsys):
    _write_sets(tmp_path)
    assert main(["--dataset", str(tmp_path), "--json", "--no-cold"]) == 0
    sets = json.loads(capsys.readouterr().out)["sets"]
    assert sets["uci"]["all"]["story_accuracy"] == 1.0 and sets["uci"]["all"]["stories"] == 3
    assert {sets["uci"]["dev"]["stories"] + sets["uci"]["held-out"]["stories"]} == {3}
    assert sets["allsides"]["all"]["stories"] == 1 and sets["allsides"]["unscored_stories"] == 1
    assert sets["allsides"]["all"]["story_accuracy"] == 1.0
    fundus = sets["fundus"]
    assert fundus["all"]["articles"] == 1 and fundus["per_language"]["de"]["article_accuracy"] == 1.0
    assert main(["--dataset", str(tmp_path), "--no-cold"]) == 0
    table = capsys.readouterr().out
    assert "held-out" in table and "goal: >= 90%" in table


def test_missing_parts_are_skipped_and_a_missing_folder_is_no_error(tmp_path, capsys):
    assert main(["--dataset", str(tmp_path / "absent")]) == 0
    assert "nothing measured" in capsys.readouterr().out
    _write_sets(tmp_path)
    (tmp_path / "news-story-clusters" / "uci-news-aggregator-sample" / "uci_news_aggregator_86_stories.csv").unlink()
    assert main(["--dataset", str(tmp_path / "news-story-clusters"), "--json", "--no-cold"]) == 0
    sets = json.loads(capsys.readouterr().out)["sets"]
    assert set(sets) == {"allsides"}


def test_the_best_category_within_a_set_s_labels_ties_to_the_taxonomy_order():
    scores = {"politics": 5.0, "business": 3.0, "technology": 3.0}
    assert best_within(scores) == "politics"
    assert best_within(scores, {"business", "technology", "health"}) == "business"  # a tie: business first
    assert best_within(scores, {"health", "sports"}) == "general"  # no allowed category has a score
    assert best_within({"world": -0.2, "sports": -0.1}) == "sports"  # cosines may be negative


def test_a_set_s_labels_and_newsdive_held_to_them():
    cases = [_case("s1", "business"), _case("s2", "technology", "science")]
    assert set_labels(cases) == {"business", "technology", "science"}
    # the senator votes politics, the market business: within business and technology, business is the answer
    case = Case(story="s", truth=frozenset({"business"}), title="Senator attacks the stock market",
                url="https://o.example/politics/a-1")
    assert categorize_within(case, frozenset({"business", "technology"})) == "business"
    # a section naming an allowed category still comes first
    assert categorize_within(case, frozenset({"politics", "business"})) == "politics"


def test_restricted_figures_only_where_a_set_has_fewer_labels_than_the_taxonomy():
    from newsdive.aggregate.classify import TAXONOMY

    cases = [Case(story="s1", truth=frozenset({"business"}), title="Senator attacks the stock market", split="dev"),
             Case(story="s2", truth=frozenset({"health"}), title="Doctors warn lawmakers of a virus",
                  split="held-out")]
    figures = restricted(cases)
    assert figures is not None and figures["labels"] == ["business", "health"]
    assert figures["all"]["story_accuracy"] == 1.0 and figures["dev"]["stories"] == 1
    assert restricted([_case(f"s{n}", c) for n, c in enumerate(TAXONOMY)]) is None


def test_the_embeddings_peer_is_a_note_when_its_packages_are_absent(tmp_path, capsys, monkeypatch):
    from newsdive_tools.bench import category_embeddings

    monkeypatch.setattr(category_embeddings, "NEEDS", ("newsdive_no_such_module",))
    _write_sets(tmp_path)
    assert main(["--dataset", str(tmp_path), "--no-cold", "--peer", "embeddings"]) == 0
    out = capsys.readouterr().out
    assert "minilm zero-shot: skipped, newsdive_no_such_module not installed" in out
    assert "goal: >= 90%" in out  # newsdive's own figures as before
    assert main(["--dataset", str(tmp_path), "--no-cold", "--json", "--peer", "embeddings"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "skipped" in report["peers"]["embeddings"] and report["sets"]["uci"]["restricted"]["labels"]


def test_the_embeddings_peer_picks_the_nearest_description_within_the_labels():
    from newsdive.aggregate.classify import TAXONOMY
    from newsdive_tools.bench.category_embeddings import DESCRIPTIONS, nearest

    assert set(DESCRIPTIONS) == set(TAXONOMY)
    row = [0.9 if c == "politics" else 0.5 if c == "business" else 0.1 for c in DESCRIPTIONS]
    assert nearest([row]) == ["politics"]
    assert nearest([row], frozenset({"business", "health"})) == ["business"]


def test_newsdive_else_the_model_fills_only_the_articles_newsdive_leaves_without_category():
    from newsdive_tools.bench.category_embeddings import fill

    assert fill(["business", "general", "sports"], ["health", "science", "world"]) == ["business", "science", "sports"]


def test_the_peer_s_table_has_its_rows_size_and_speed():
    from newsdive_tools.bench.category import peer_table

    figures = {"articles": 2, "stories": 1, "article_accuracy": 0.5, "story_accuracy": 1.0, "general_share": 0.0}
    parts = {p: figures for p in ("all", "dev", "held-out")}
    labels = {"labels": ["business", "health"], **parts}
    peer = {"name": "minilm zero-shot", "model": "m", "package": "p", "model_bytes": 91_600_000, "load_seconds": 1.0,
            "cold_first_call_seconds": 7.5,
            "sets": {"uci": {**parts, "restricted": labels, "newsdive_then_model": {**parts, "restricted": labels},
                             "articles_per_second": 120}}}
    out = peer_table(peer)
    assert "minilm zero-shot: held-out" in out and "newsdive, else model: all" in out
    assert "91.6 MB on disk" in out and "cold first call (import, load, one headline) 7.50 s" in out
    assert "uci 120 articles/s" in out
    assert out.count("in labels: held-out") == 2  # the set has fewer labels than the taxonomy
