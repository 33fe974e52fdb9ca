"""`newsdive bench sentiment`: the English sentiment method against human ratings of news sentences.

The dataset is a folder holding ``nytEditorialSnippets_GroundTruth.txt`` (Hutto & Gilbert 2014: one
``id<TAB>mean rating<TAB>text`` line per NYT editorial snippet, each the mean of 20 people's ratings from -4 to +4;
see ../shared/data/news-sentiment/SOURCE.md).

Figures, per method:
- Pearson r of its score against the mean human rating (over every snippet);
- 3-class accuracy and macro F1 at the method's own thresholds, the gold classes being positive above +0.2,
  negative below -0.2 and neutral between (VADER's +-0.05 on its -1..1 scale, times 4);
- "held-out" macro F1 with thresholds tuned for it: the snippets are split in two halves (fixed seed), the pair of
  thresholds (negative at or below, positive at or above) that maximises macro F1 on one half is scored on the
  other, and the two folds' figures are averaged. No tuned figure is ever scored on the data it was tuned on.
- cost: import and first score in a fresh interpreter (ms) and the resident memory it adds (MB).

Methods: `vader` (each snippet's compound, thresholds +-0.05: the published reference point), `newsdive`
(`newsdive.aggregate.sentiment.read(text, "en")`, as aggregate scores an English article: compound averaged over
sentences, same thresholds), and the peers installed with the bench extra: `afinn` (sum of AFINN word valences,
sign) and `textblob` (its pattern lexicon polarity, sign).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess  # noqa: S404 - runs this interpreter on fixed snippets of our own
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

FILE = "nytEditorialSnippets_GroundTruth.txt"
GOLD_CUT = 0.2
CLASSES = ("negative", "neutral", "positive")
SEED = 17


@dataclass(frozen=True)
class Snippet:
    id: str
    rating: float
    text: str

    @property
    def gold(self) -> str:
        return "positive" if self.rating > GOLD_CUT else "negative" if self.rating < -GOLD_CUT else "neutral"


def load(path: Path) -> list[Snippet]:
    """The rated snippets of the file (lines that are not `id<TAB>number<TAB>text` are skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        try:
            rating = float(parts[1])
        except ValueError:
            continue
        out.append(Snippet(parts[0], rating, "\t".join(parts[2:]).strip()))
    return out


def macro_f1(gold: list[str], pred: list[str]) -> float:
    scores = []
    for c in CLASSES:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def classify(score: float, low: float, high: float) -> str:
    return "negative" if score <= low else "positive" if score >= high else "neutral"


def tune(scores: list[float], gold: list[str], steps: int = 200) -> tuple[float, float]:
    """The thresholds (low < high, from the scores' quantiles) that maximise macro F1 on these snippets.

    Counting is done on the sorted scores with running class counts, so each pair costs O(1)."""
    pairs = sorted(zip(scores, gold, strict=True))
    values = [s for s, _ in pairs]
    prefix = {c: [0] for c in CLASSES}
    for _, g in pairs:
        for c in CLASSES:
            prefix[c].append(prefix[c][-1] + (g == c))
    total = {c: prefix[c][-1] for c in CLASSES}
    cands = sorted({values[min(len(values) - 1, i * len(values) // steps)] for i in range(steps + 1)})
    best, best_pair = -1.0, (cands[0], cands[-1])
    for i, low in enumerate(cands):
        n_neg = bisect_right(values, low)
        for high in cands[i + 1:]:
            start = bisect_left(values, high)
            f1s = []
            for c in CLASSES:
                if c == "negative":
                    tp, predicted = prefix[c][n_neg], n_neg
                elif c == "positive":
                    tp, predicted = total[c] - prefix[c][start], len(values) - start
                else:
                    tp, predicted = prefix[c][start] - prefix[c][n_neg], start - n_neg
                precision = tp / predicted if predicted else 0.0
                recall = tp / total[c] if total[c] else 0.0
                f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
            f1 = sum(f1s) / 3
            if f1 > best:
                best, best_pair = f1, (low, high)
    return best_pair


@dataclass
class Result:
    method: str
    pearson_r: float | None
    accuracy: float
    macro_f1: float
    thresholds: tuple[float, float]
    held_out_macro_f1: float
    held_out_thresholds: list[tuple[float, float]] = field(default_factory=list)
    seconds: float = 0.0
    cold_ms: float | None = None
    rss_added_mb: float | None = None


def evaluate(name: str, score: Callable[[str], float], snippets: list[Snippet],
             thresholds: tuple[float, float]) -> Result:
    t = time.perf_counter()
    scores = [score(s.text) for s in snippets]
    seconds = time.perf_counter() - t
    gold = [s.gold for s in snippets]
    ratings = [s.rating for s in snippets]
    pred = [classify(x, *thresholds) for x in scores]
    try:
        r = statistics.correlation(ratings, scores)
    except statistics.StatisticsError:  # constant scores (or a tiny set): no correlation
        r = None
    order = list(range(len(snippets)))
    random.Random(SEED).shuffle(order)  # noqa: S311 - a fixed split, not crypto
    halves = (order[: len(order) // 2], order[len(order) // 2:])
    held_out, found = [], []
    for train, test in (halves, halves[::-1]):
        pair = tune([scores[i] for i in train], [gold[i] for i in train])
        found.append(pair)
        held_out.append(macro_f1([gold[i] for i in test], [classify(scores[i], *pair) for i in test]))
    return Result(
        method=name, pearson_r=None if r is None else round(r, 4),
        accuracy=round(sum(p == g for p, g in zip(pred, gold, strict=True)) / len(gold), 4),
        macro_f1=round(macro_f1(gold, pred), 4), thresholds=thresholds,
        held_out_macro_f1=round(statistics.fmean(held_out), 4),
        held_out_thresholds=[(round(lo, 4), round(hi, 4)) for lo, hi in found], seconds=round(seconds, 3),
    )


# What each method costs a cold interpreter: its imports and one score.
_COLD = {
    "vader": "from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as A; "
             "A().polarity_scores('A fine day.')",
    "newsdive": "from newsdive.aggregate.sentiment import read; read('A fine day.', 'en')",
    "afinn": "from afinn import Afinn; Afinn().score('A fine day.')",
    "textblob": "from textblob import TextBlob; TextBlob('A fine day.').sentiment",
}
_TIMER = ("import time\n"
          "def rss():\n"
          "    with open('/proc/self/statm') as f:\n"
          "        return int(f.read().split()[1]) * 4096 / 2**20\n"
          "before = rss(); t = time.perf_counter()\n"
          "{body}\n"
          "print((time.perf_counter() - t) * 1000, rss() - before)")


def cold_cost(name: str, runs: int = 3) -> tuple[float, float] | None:
    """Median ms and resident memory added (MB) of a fresh interpreter importing the method and scoring one
    sentence (Linux: read from /proc; None elsewhere or when the method is not installed)."""
    samples = []
    for _ in range(runs):
        command = [sys.executable, "-c", _TIMER.format(body=_COLD[name])]  # fixed code of ours
        out = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), check=False)  # noqa: S603
        if out.returncode != 0:
            return None
        ms, rss = out.stdout.split()
        samples.append((float(ms), float(rss)))
    return (round(statistics.median(s[0] for s in samples), 1), round(statistics.median(s[1] for s in samples), 1))


def methods() -> dict[str, tuple[Callable[[str], float], tuple[float, float]]]:
    """The methods to measure (name -> score function, its own thresholds); peers only when installed."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from newsdive.aggregate.sentiment import THRESHOLD, read

    vader = SentimentIntensityAnalyzer()

    def ours(text: str) -> float:
        reading = read(text, "en")
        return reading.score if reading.score is not None else 0.0

    found: dict[str, tuple[Callable[[str], float], tuple[float, float]]] = {
        "vader": (lambda text: vader.polarity_scores(text)["compound"], (-THRESHOLD, THRESHOLD)),
        "newsdive": (ours, (-THRESHOLD, THRESHOLD)),
    }
    try:
        from afinn import Afinn

        afinn = Afinn()
        found["afinn"] = (afinn.score, (-1e-9, 1e-9))
    except ImportError:
        pass
    try:
        from textblob import TextBlob

        found["textblob"] = (lambda text: TextBlob(text).sentiment.polarity, (-1e-9, 1e-9))
    except ImportError:
        pass
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="newsdive bench sentiment", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", required=True, type=Path,
                    help="folder with nytEditorialSnippets_GroundTruth.txt, e.g. /work/shared/data/news-sentiment")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--no-cost", action="store_true", help="skip the fresh-interpreter cost measurement")
    args = ap.parse_args(argv)
    path = args.dataset / FILE
    if not path.is_file():
        print(f"sentiment bench: {path} not found; nothing measured (pass --dataset DIR).")
        return 0
    snippets = load(path)
    if not snippets:
        print(f"sentiment bench: no rated snippets in {path}; nothing measured.")
        return 0
    results = [evaluate(name, fn, snippets, th) for name, (fn, th) in methods().items()]
    if not args.no_cost:
        for r in results:
            cost = cold_cost(r.method)
            if cost is not None:
                r.cold_ms, r.rss_added_mb = cost
    gold = [s.gold for s in snippets]
    gold_counts = {c: gold.count(c) for c in CLASSES}
    summary = {
        "dataset": str(path), "snippets": len(snippets), "gold": gold_counts,
        "methods": [asdict(r) for r in results],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{len(snippets)} snippets ({', '.join(f'{n} {c}' for c, n in gold_counts.items())}); "
          f"gold classes cut at +-{GOLD_CUT}; held-out: thresholds tuned on one half, scored on the other (2 folds)")
    header = (f"{'method':10} {'pearson r':>9} {'acc':>6} {'macro F1':>8} {'held-out F1':>11}  "
              f"{'tuned thresholds (fold 1; fold 2)':36} {'s':>6} {'cold ms':>8} {'+RSS MB':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        tuned = "; ".join(f"{lo:g}..{hi:g}" for lo, hi in r.held_out_thresholds)
        pr = "-" if r.pearson_r is None else f"{r.pearson_r:.3f}"
        cold = "-" if r.cold_ms is None else f"{r.cold_ms:.0f}"
        rss = "-" if r.rss_added_mb is None else f"{r.rss_added_mb:.1f}"
        print(f"{r.method:10} {pr:>9} {r.accuracy:>6.3f} {r.macro_f1:>8.3f} {r.held_out_macro_f1:>11.3f}  "
              f"{tuned:36} {r.seconds:>6.2f} {cold:>8} {rss:>8}")
    return 0
