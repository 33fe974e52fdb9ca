"""`newsdive bench cluster`: does story assignment put the same event's articles together on real labelled news?

Runs on the news-story-clusters layout (see its SOURCE.md):
``uci-news-aggregator-sample/uci_news_aggregator_86_stories.csv`` (headlines with per-article timestamps) and
``allsides-roundups-neus/allsides_roundup_articles_flat.csv`` (title + excerpt, three outlets per story). Each
set is fed in time order through `newsdive.aggregate.stage.assign`, the code the aggregate function runs, on the
in-memory store adapters. The AllSides set runs twice: with the roundup date as
every article's time ("dated") and with one shared time for all ("undated", so the time window cannot help).

The baseline is measured in the same run: single-pass clustering over plain TF-IDF vectors (IDF from the dataset
itself), each article joining the most similar cluster centroid or starting a new one, no time window, with the
fixed threshold that scores best on that very dataset (swept from 0.05 to 0.90 in steps of 0.05, then 0.025 either
side of the best; an oracle choice that favours the baseline). newsdive uses its one default configuration
everywhere.

`--interleave N` mixes articles of equal time across up to N neighbouring stories instead of keeping the files'
order (which lists a story's articles together), to show how much the undated figure owes to that order.

Finally it measures store operations per article with 1k, 10k and 100k synthetic stories already stored, to show
that the cost of an assignment does not grow with the number of stories.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

UCI_FILE = Path("uci-news-aggregator-sample") / "uci_news_aggregator_86_stories.csv"
ALLSIDES_FILE = Path("allsides-roundups-neus") / "allsides_roundup_articles_flat.csv"
UNDATED_TIME = datetime(2021, 10, 19, 12, 0, tzinfo=UTC)
BASELINE_COARSE = [round(0.05 + 0.05 * i, 3) for i in range(18)]  # 0.05 .. 0.90, then +-0.025 around the best
SCALE_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 5_000, 10_000)

_ALLSIDES_RATING = {
    "left": "left", "lean left": "lean-left", "center": "center", "lean right": "lean-right", "right": "right",
}


@dataclass(frozen=True)
class Item:
    """One labelled article of a dataset."""

    key: str
    truth: str
    title: str
    body: str
    url: str
    outlet: str
    when: datetime
    rating: str = "unrated"
    category: str = ""  # the dataset's own category label, where it has one


# ---------------------------------------------------------------------------------------------------- datasets


def load_uci(root: Path, *, interleave: float = 0.0, seed: int = 0) -> list[Item]:
    items = []
    with (root / UCI_FILE).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            items.append(Item(
                key=f"uci-{row['ID']}", truth=row["STORY"], title=row["TITLE"], body="", url=row["URL"],
                outlet=row["PUBLISHER"] or row["HOSTNAME"], category=row["CATEGORY"],
                when=datetime.fromtimestamp(int(row["TIMESTAMP"]) / 1000, tz=UTC),
            ))
    return _in_time_order(items, interleave, seed)


def load_allsides(root: Path, *, dated: bool, interleave: float = 0.0, seed: int = 0) -> list[Item]:
    items = []
    with (root / ALLSIDES_FILE).open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            when = datetime.fromisoformat(row["story_date"]).astimezone(UTC) if dated else UNDATED_TIME
            items.append(Item(
                key=f"allsides-{n}", truth=row["story_id"], title=row["title"], body=row["body_excerpt"],
                url=row["url"], outlet=row["source"], when=when,
                rating=_ALLSIDES_RATING.get(row["allsides_rating"].strip().lower(), "unrated"),
            ))
    return _in_time_order(items, interleave, seed)


def _in_time_order(items: list[Item], interleave: float = 0.0, seed: int = 0) -> list[Item]:
    """Oldest first; among equal times the file's order (a stable sort), which keeps a story's articles together.

    With `interleave` N, articles of equal time are mixed instead: each is delayed by a random offset of up to N
    stories (seeded), so neighbouring stories' articles arrive interleaved, as on a live stream. Both labelled files
    list a story's articles together, and on the undated set every article has the same time, so the file's order
    tells the assignment which articles arrive together (the README's *Arrival order* has the figures).
    """
    if interleave <= 0:
        return sorted(items, key=lambda it: it.when)
    rng = random.Random(seed)  # noqa: S311 - a reproducible order, not crypto
    rank: dict[tuple[datetime, str], int] = {}
    stories_at: Counter[datetime] = Counter()
    keys = []
    for it in items:
        if (it.when, it.truth) not in rank:
            rank[(it.when, it.truth)] = stories_at[it.when]
            stories_at[it.when] += 1
        keys.append(rank[(it.when, it.truth)] + rng.uniform(0, interleave))
    order = sorted(range(len(items)), key=lambda n: (items[n].when, keys[n]))
    return [items[n] for n in order]


DATASET_NAMES = ("uci", "allsides_dated", "allsides_undated")


def datasets(root: Path, *, interleave: float = 0.0, seed: int = 0) -> dict[str, Callable[[], list[Item]]]:
    found: dict[str, Callable[[], list[Item]]] = {}
    if (root / UCI_FILE).is_file():
        found["uci"] = lambda: load_uci(root, interleave=interleave, seed=seed)
    if (root / ALLSIDES_FILE).is_file():
        found["allsides_dated"] = lambda: load_allsides(root, dated=True, interleave=interleave, seed=seed)
        found["allsides_undated"] = lambda: load_allsides(root, dated=False, interleave=interleave, seed=seed)
    return found


# ----------------------------------------------------------------------------------------------------- metrics


def scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """B-cubed precision/recall/F1 (Bagga & Baldwin), pairwise precision/recall/F1 and the adjusted Rand index."""
    n = len(truth)
    if n == 0:
        return {}
    cells = Counter(zip(truth, predicted, strict=True))
    true_sizes = Counter(truth)
    pred_sizes = Counter(predicted)
    # B-cubed: every item in a cell of size c shares c items with both its true and its predicted cluster.
    b_p = sum(c * c / pred_sizes[p] for (_, p), c in cells.items()) / n
    b_r = sum(c * c / true_sizes[t] for (t, _), c in cells.items()) / n

    def pairs(k: int) -> int:
        return k * (k - 1) // 2

    same_both = sum(pairs(c) for c in cells.values())
    same_pred = sum(pairs(c) for c in pred_sizes.values())
    same_true = sum(pairs(c) for c in true_sizes.values())
    p_p = same_both / same_pred if same_pred else 1.0
    p_r = same_both / same_true if same_true else 1.0
    expected = same_pred * same_true / pairs(n) if n > 1 else 0.0
    top = (same_pred + same_true) / 2
    ari = (same_both - expected) / (top - expected) if top != expected else 1.0
    return {
        "bcubed_precision": round(b_p, 4),
        "bcubed_recall": round(b_r, 4),
        "bcubed_f1": round(_f1(b_p, b_r), 4),
        "pairwise_precision": round(p_p, 4),
        "pairwise_recall": round(p_r, 4),
        "pairwise_f1": round(_f1(p_p, p_r), 4),
        "ari": round(ari, 4),
        "clusters": len(pred_sizes),
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


# ---------------------------------------------------------------------------------------------------- newsdive


def _articles(items: Sequence[Item]) -> list[Any]:
    from newsdive.model.article import Article, SourceRef, url_id
    from newsdive.model.sources import Bias

    out = []
    for it in items:
        outlet_id = re.sub(r"[^a-z0-9]+", "-", it.outlet.lower()).strip("-")[:60] or "outlet"
        url = it.url if it.url.startswith(("http://", "https://")) else f"https://bench.invalid/{it.key}"
        paragraphs = [p for p in it.body.split("\n") if p.strip()]
        out.append(Article(
            id=url_id(url[:2048]), url=url[:2048],
            source=SourceRef(id=outlet_id, name=it.outlet or outlet_id, bias=Bias(it.rating), language="en"),
            title=it.title, paragraphs=paragraphs, published_at=it.when, language="en",
            word_count=sum(len(p.split()) for p in paragraphs),
        ))
    return out


def run_newsdive(items: Sequence[Item], config: Any = None) -> tuple[list[str], float]:
    """Each article through `assign` in order; returns each item's final story (after merges) and articles/s."""
    from newsdive.aggregate.stage import Aggregator, assign, resolve
    from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

    articles = _articles(items)
    deps = Aggregator(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), sleep=lambda _s: None)
    if config is not None:
        deps.config = config
    started = time.perf_counter()
    assigned = [assign(article, deps).story_id for article in articles]
    seconds = time.perf_counter() - started
    final = [resolve(story_id, deps) for story_id in assigned]
    return final, len(items) / seconds if seconds else 0.0


# ---------------------------------------------------------------------------------------------------- baseline

_BASE_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BASE_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can did do does doing down during each few for from further had has have having he her here hers
    him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with you your""".split()  # noqa: SIM905 - a word list reads better as text
)


def _baseline_vectors(items: Sequence[Item]) -> list[dict[str, float]]:
    """Plain TF-IDF (raw counts, smoothed IDF over the dataset itself), L2-normalised."""
    docs = [Counter(t for t in _BASE_WORD.findall(f"{it.title} {it.body}".lower()) if t not in _BASE_STOP)
            for it in items]
    df = Counter(t for doc in docs for t in doc)
    n = len(docs)
    out = []
    for doc in docs:
        vec = {t: tf * (math.log((1 + n) / (1 + df[t])) + 1) for t, tf in doc.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        out.append({t: w / norm for t, w in vec.items()})
    return out


def baseline_single_pass(vectors: Sequence[dict[str, float]], threshold: float) -> list[str]:
    """Single pass: join the cluster whose centroid (mean vector) is most similar, if at least `threshold`.

    Exhaustive in effect (every cluster sharing a term is scored; the others score 0), no time window.
    """
    sums: list[dict[str, float]] = []
    norms2: list[float] = []
    postings: dict[str, list[int]] = defaultdict(list)
    labels: list[str] = []
    for vec in vectors:
        dots: dict[int, float] = defaultdict(float)
        for term, w in vec.items():
            for c in postings.get(term, ()):
                dots[c] += w * sums[c][term]
        best, best_sim = -1, 0.0
        for c, dot in dots.items():
            sim = dot / math.sqrt(norms2[c])
            if sim > best_sim:
                best, best_sim = c, sim
        if best < 0 or best_sim < threshold:
            best = len(sums)
            sums.append({})
            norms2.append(0.0)
            dot = 0.0
        else:
            dot = dots[best]
        target = sums[best]
        for term, w in vec.items():
            if term not in target:
                postings[term].append(best)
                target[term] = 0.0
            target[term] += w
        norms2[best] += 2 * dot + sum(w * w for w in vec.values())
        labels.append(str(best))
    return labels


def run_baseline(items: Sequence[Item]) -> dict[str, Any]:
    """The baseline at every threshold of the sweep; returns the best one's figures (by B-cubed F1)."""
    truth = [it.truth for it in items]
    started = time.perf_counter()
    vectors = _baseline_vectors(items)
    vector_seconds = time.perf_counter() - started
    best: dict[str, Any] = {"bcubed_f1": -1.0}

    def trial(threshold: float) -> None:
        nonlocal best
        started = time.perf_counter()
        labels = baseline_single_pass(vectors, threshold)
        seconds = vector_seconds + time.perf_counter() - started
        figures = scores(truth, labels)
        if figures["bcubed_f1"] > best["bcubed_f1"]:
            best = {**figures, "threshold": threshold, "articles_per_second": round(len(items) / seconds, 1)}

    for threshold in BASELINE_COARSE:
        trial(threshold)
    centre = best["threshold"]
    for threshold in (round(centre - 0.025, 3), round(centre + 0.025, 3)):
        if threshold > 0:
            trial(threshold)
    return best


# ------------------------------------------------------------------------------------------------ ops scaling


class _Counting:
    """Wraps a port and counts requests and items per operation kind (reads and writes)."""

    def __init__(self, inner: Any, kinds: dict[str, tuple[str, Callable[..., int]]]) -> None:
        self._inner = inner
        self._kinds = kinds
        self.requests: Counter[str] = Counter()
        self.items: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in self._kinds:
            return attr
        kind, size = self._kinds[name]

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.requests[kind] += 1
            self.items[kind] += size(*args, **kwargs)
            return attr(*args, **kwargs)

        return counted


def _one(*_a: Any, **_k: Any) -> int:
    return 1


def _batched(keys: Sequence[str], *_a: Any, **_k: Any) -> int:
    return len(set(keys))


def _synthetic_words(rng: random.Random, n: int) -> list[str]:
    consonants, vowels = "bcdfgklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(3, 5))))
    return sorted(words)


def ops_scaling(sizes: Iterable[int], *, probes: int = 200, seed: int = 7) -> dict[str, dict[str, float]]:
    """Store requests and items per article when `size` synthetic stories are already stored.

    The stored stories share a vocabulary (so common terms fill their capped postings) and are spread over 30
    days, each with one member; the probe articles either restate a stored story or are new, half each, and are
    full-length (20 words or more: the costlier path, where the best candidates are read whole for their
    weakest member link). Reads count requests (a
    batched read of many keys is one) and items; every item written is one write request (DynamoDB has no
    batched conditional update).
    """
    from newsdive.aggregate.cluster.assign import AssignConfig, posting_keys
    from newsdive.aggregate.cluster.features import normalise
    from newsdive.aggregate.stage import Aggregator, assign
    from newsdive.model.article import Article, SourceRef, url_id
    from newsdive.model.sources import Bias
    from newsdive.model.story import Member, StoryRecord
    from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

    rng = random.Random(seed)  # noqa: S311 - synthetic data, not crypto
    vocabulary = _synthetic_words(rng, 20_000)
    common, rare = vocabulary[:300], vocabulary[300:]
    end = datetime(2026, 1, 31, tzinfo=UTC)
    config = AssignConfig()
    shape = normalise({f"w{i}": 1.0 / (1 + i) for i in range(8)})
    weights = [shape[f"w{i}"] for i in range(8)]

    def words_of() -> list[str]:
        return [common[rng.randrange(300)] for _ in range(3)] + [rare[rng.randrange(len(rare))] for _ in range(5)]

    out: dict[str, dict[str, float]] = {}
    for size in sizes:
        repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
        stored: list[tuple[list[str], datetime]] = []
        for n in range(size):
            words = words_of()
            when = end - timedelta(minutes=rng.randrange(30 * 24 * 60))
            story_id = f"s{n:06d}"
            centroid = dict(zip(words, weights, strict=True))
            member = Member.model_construct(article_id=f"m{n:06d}", outlet_id="scale", outlet="Scale",
                                            bias=Bias.UNRATED, title=" ".join(words[:6]), url="", vector=centroid)
            repo.stories[story_id] = StoryRecord.model_construct(
                story_id=story_id, version=1, members={member.article_id: member}, centroid=centroid,
                published_at=when, updated_at=when, merged_into=None)
            index.post(posting_keys(centroid, when, config), story_id, ttl_seconds=86400, now=when.timestamp())
            stored.append((words, when))
        stories = _Counting(repo, {"get": ("read", _one), "get_briefs": ("read", _batched),
                                   "save": ("write", _one)})
        postings = _Counting(index, {"lookup": ("read", _batched), "assignment": ("read", _one),
                                     "post": ("write", _batched), "claim_assignment": ("write", _one)})
        deps = Aggregator(stories=stories, index=postings, sleep=lambda _s: None)  # type: ignore[arg-type]
        for n in range(probes):
            if n % 2 == 0:
                words, when = stored[rng.randrange(len(stored))]
                when += timedelta(hours=rng.uniform(0, 12))
            else:
                words, when = words_of(), end + timedelta(hours=rng.uniform(0, 6))
            title = " ".join(w.capitalize() for w in words[:6])
            lead = words + [rare[rng.randrange(len(rare))] for _ in range(16)]
            url = f"https://scale.invalid/{size}/{n}"
            assign(Article(id=url_id(url), url=url, source=SourceRef(id="scale", name="Scale"), title=title,
                           paragraphs=[" ".join(lead) + "."], published_at=when, language="en"), deps)
        out[str(size)] = {
            "reads": round((stories.requests["read"] + postings.requests["read"]) / probes, 2),
            "items_read": round((stories.items["read"] + postings.items["read"]) / probes, 2),
            "writes": round((stories.items["write"] + postings.items["write"]) / probes, 2),
        }
    return out


# ---------------------------------------------------------------------------------------------------- main


def evaluate(root: Path, only: Sequence[str] = (), *, interleave: float = 0.0,
             seed: int = 0) -> dict[str, dict[str, Any]]:
    """Every labelled set found under `root` (or only the named ones), equal-time articles interleaved if asked."""
    results: dict[str, dict[str, Any]] = {}
    for name, load in datasets(root, interleave=interleave, seed=seed).items():
        if only and name not in only:
            continue
        items = load()
        truth = [it.truth for it in items]
        predicted, rate = run_newsdive(items)
        results[name] = {
            "articles": len(items),
            "true_clusters": len(set(truth)),
            "order": {"interleave": interleave, "seed": seed},
            "newsdive": {**scores(truth, predicted), "articles_per_second": round(rate, 1)},
            "baseline": run_baseline(items),
        }
    return results


UCI_CATEGORIES = {"b": {"business"}, "t": {"technology", "science"}, "e": {"entertainment"}, "m": {"health"}}


def label_checks(root: Path) -> dict[str, Any]:
    """Side checks on the same data: category agreement with UCI's own labels, and how much of each set the
    outlet catalog rates (for AllSides: whether the catalog's side agrees with AllSides' rating of the outlet)."""
    from newsdive.aggregate.classify import categorize, majority
    from newsdive.model.catalog import load_catalog
    from newsdive.model.sources import Bias, side_of

    catalog = load_catalog()
    out: dict[str, Any] = {"catalog_outlets": len(catalog)}
    found = datasets(root)
    if "uci" in found:
        items = found["uci"]()
        predicted = [categorize(it.title, "", url=it.url) for it in items]
        agree = sum(p in UCI_CATEGORIES.get(it.category, set()) for it, p in zip(items, predicted, strict=True))
        out["uci_category_agreement"] = round(agree / len(items), 4)
        by_story: dict[str, list[str]] = defaultdict(list)
        label: dict[str, str] = {}
        for it, p in zip(items, predicted, strict=True):
            by_story[it.truth].append(p)
            label[it.truth] = it.category
        agree = sum(majority(v) in UCI_CATEGORIES.get(label[k], set()) for k, v in by_story.items())
        out["uci_story_category_agreement"] = round(agree / len(by_story), 4)
        out["uci_catalog_rated"] = round(sum(catalog.match(it.url) is not None for it in items) / len(items), 4)
    if "allsides_dated" in found:
        items = [it for it in found["allsides_dated"]() if it.rating != "unrated"]
        matched = [(it, catalog.match(it.url)) for it in items]
        rated = [(it, o) for it, o in matched if o is not None]
        out["allsides_catalog_rated"] = round(len(rated) / len(items), 4)
        same = sum(side_of(o.bias) == side_of(Bias(it.rating)) for it, o in rated)
        out["allsides_catalog_side_agreement"] = round(same / len(rated), 4) if rated else 0.0
    return out


def _table(results: dict[str, dict[str, Any]], ops: dict[str, dict[str, float]]) -> str:
    lines = []
    order = next(iter(results.values()))["order"] if results else {"interleave": 0}
    if order["interleave"] > 0:  # one order for the whole run
        lines.append(f"order: articles of equal time interleaved across up to {order['interleave']:g} stories "
                     f"(seed {order['seed']})\n")
    head = (f"{'dataset':18} {'system':9} {'B3-P':>6} {'B3-R':>6} {'B3-F1':>6} {'pairF1':>6} {'ARI':>6} "
            f"{'clusters':>8} {'true':>5} {'art/s':>7}  note")
    lines += [head, "-" * len(head)]
    for name, res in results.items():
        for system in ("newsdive", "baseline"):
            f = res[system]
            note = f"threshold {f['threshold']:.3f} (best of sweep)" if system == "baseline" else "defaults"
            lines.append(f"{name:18} {system:9} {f['bcubed_precision']:6.3f} {f['bcubed_recall']:6.3f} "
                         f"{f['bcubed_f1']:6.3f} {f['pairwise_f1']:6.3f} {f['ari']:6.3f} {f['clusters']:8d} "
                         f"{res['true_clusters']:5d} {f['articles_per_second']:7.0f}  {note}")
        gain = res["newsdive"]["bcubed_f1"] - res["baseline"]["bcubed_f1"]
        lines.append(f"{'':18} {'gain':9} {'':6} {'':6} {gain:+6.3f}")
    if ops:
        lines.append("")
        head = (f"{'stored stories':>14} {'read requests/article':>22} {'items read/article':>19} "
                f"{'writes/article':>15}")
        lines += [head, "-" * len(head)]
        for size, o in ops.items():
            lines.append(f"{int(size):>14,} {o['reads']:>22.2f} {o['items_read']:>19.2f} {o['writes']:>15.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="newsdive bench cluster", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", required=True, type=Path,
                    help="the news-story-clusters folder, e.g. /work/shared/data/news-story-clusters")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--quick", action="store_true", help="scaling part at 1k/5k/10k stories instead of 1k/10k/100k")
    ap.add_argument("--no-scaling", action="store_true", help="skip the store-operations scaling part")
    ap.add_argument("--interleave", type=float, default=0.0, metavar="N",
                    help="mix articles of equal time: each is delayed by a random offset of up to N stories "
                         "(default 0: the files' order, a story's articles together); shows how much the undated "
                         "figure owes to that order")
    ap.add_argument("--seed", type=int, default=0, help="random seed of --interleave (default 0)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME", choices=DATASET_NAMES,
                    help="run only this labelled set (repeatable): " + ", ".join(DATASET_NAMES))
    args = ap.parse_args(argv)
    if args.interleave < 0:
        ap.error("--interleave must be 0 or more")

    root: Path = args.dataset
    if not root.is_dir() or not datasets(root):
        print(f"cluster bench: no labelled sets under {root} (expected {UCI_FILE} and/or {ALLSIDES_FILE}); "
              "nothing measured.")
        return 0
    results = evaluate(root, args.only, interleave=args.interleave, seed=args.seed)
    ops = {} if args.no_scaling else ops_scaling(QUICK_SIZES if args.quick else SCALE_SIZES)
    labels = label_checks(root)
    if args.json:
        print(json.dumps({"datasets": results, "ops_per_article": ops, "labels": labels}, indent=2, sort_keys=True))
    else:
        print(_table(results, ops))
        print("\n" + "  ".join(f"{k}: {v}" for k, v in labels.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
