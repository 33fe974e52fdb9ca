"""`newsdive bench sentiment` on a tiny rated set of our own sentences (the real set stays outside the project)."""

from __future__ import annotations

import json

from newsdive_tools.bench import sentiment as bench

# Our own sentences with ratings on the data set's -4..+4 scale.
RATED = [
    (2.5, "The rescue was a wonderful success and the families were overjoyed."),
    (2.0, "Volunteers happily rebuilt the library, and readers love the bright new rooms."),
    (1.8, "The festival was a great joy for the whole town."),
    (1.5, "The team celebrated a fine, well-deserved victory."),
    (-2.5, "The attack killed nine people and left the village in terror."),
    (-2.0, "Critics called the plan a disastrous failure that hurt the poorest families."),
    (-1.8, "The fire destroyed the school, a terrible loss for the children."),
    (-1.5, "Officials were angry and blamed the company for the deadly leak."),
    (0.0, "The committee meets on Tuesday at the council building."),
    (0.1, "The bus timetable lists departures every twenty minutes."),
    (-0.1, "The report has four chapters and an appendix."),
    (0.05, "The bridge is 400 metres long."),
]


def _dataset(tmp_path, rows=RATED):
    lines = [f"t_{i}\t{rating}\t{text}" for i, (rating, text) in enumerate(rows)]
    (tmp_path / bench.FILE).write_text("\r\n".join(["not a rated line", *lines]) + "\r\n", encoding="utf-8")
    return tmp_path


def test_gold_classes_are_cut_strictly_at_two_tenths():
    assert [bench.Snippet("x", r, "").gold for r in (0.25, 0.2, 0.0, -0.2, -0.25)] == [
        "positive", "neutral", "neutral", "neutral", "negative"]


def test_macro_f1_and_tuning_on_separable_scores():
    gold = ["negative", "neutral", "positive"] * 4
    scores = [-0.6, 0.0, 0.7] * 4
    assert bench.macro_f1(gold, gold) == 1.0
    assert bench.macro_f1(gold, ["neutral"] * 12) < 0.2
    low, high = bench.tune(scores, gold)
    assert [bench.classify(s, low, high) for s in scores] == gold


def test_the_bench_scores_vader_and_the_project_method_with_held_out_tuning(tmp_path, capsys):
    assert bench.main(["--dataset", str(_dataset(tmp_path)), "--json", "--no-cost"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["snippets"] == len(RATED) and out["gold"] == {"negative": 4, "neutral": 4, "positive": 4}
    by_method = {m["method"]: m for m in out["methods"]}
    assert {"vader", "newsdive"} <= set(by_method)
    for name in ("vader", "newsdive"):
        m = by_method[name]
        assert m["pearson_r"] > 0.8 and m["macro_f1"] >= 0.75
        assert len(m["held_out_thresholds"]) == 2 and 0 <= m["held_out_macro_f1"] <= 1


def test_the_table_names_each_method(tmp_path, capsys):
    assert bench.main(["--dataset", str(_dataset(tmp_path)), "--no-cost"]) == 0
    out = capsys.readouterr().out
    assert "held-out" in out and "vader" in out and "newsdive" in out


def test_a_missing_dataset_is_reported_and_skipped(tmp_path, capsys):
    assert bench.main(["--dataset", str(tmp_path / "absent")]) == 0
    assert "not found" in capsys.readouterr().out


def test_the_cold_cost_of_a_method_is_measured_in_a_fresh_interpreter():
    ms, added = bench.cold_cost("newsdive", runs=1)
    assert ms > 0 and added >= 0
