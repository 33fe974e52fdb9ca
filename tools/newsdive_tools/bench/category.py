"""`newsdive bench category`: are article and story categories right on real labelled news, in every language?

Runs `newsdive.aggregate.classify.categorize` (the code the aggregate function runs) on every labelled set it finds
under the `--dataset` folders (each may be the data root or the set's own folder; a set that is absent is skipped):

- **uci**: ``news-story-clusters/uci-news-aggregator-sample/uci_news_aggregator_86_stories.csv``: English
  headlines and URLs; UCI's four labels map onto the taxonomy (b: business, t: technology or science,
  e: entertainment, m: health). The stories are split in two halves by a hash of their id: `dev` is the half the
  keyword rules may be looked at and tuned on, `held-out` the half nobody tunes on; the goal is judged on
  held-out stories (and printed for all).
- **allsides**: ``news-story-clusters/allsides-roundups-neus/allsides_roundup_articles_flat.csv``: English title
  and excerpt, split in halves like UCI; the story's AllSides topic maps onto a set of acceptable categories
  (`ALLSIDES_TOPICS`); topics
  the taxonomy has no place for (crime, education, religion, ...) are not scored and are counted.
- **fundus**: ``fundus-news-pages/manifest.json``: real pages in ~16 languages; the label is the category the
  publisher's own section names: the URL path's section, else the first of the page's topics (fundus'
  expected output) that names one. Because the label comes from the section, the page is scored on its title
  and text only (`text only`: the keyword evidence and regions in its language); the `with section` figure,
  which the label largely decides, is shown beside it. Per language, too.

Each set is scored per article and per story (the majority of its articles, as a story's category is made).
Baseline in the same run: always answering the set's most frequent true category (an oracle choice). Where a set
has fewer labels than the taxonomy (UCI: four), newsdive is also scored held to them (`in labels`: the section
when it names one of them, else the keyword vote among them), the figure a classifier of that set's labels would
get.

`--peer embeddings` also scores a zero-shot sentence-embedding model on UCI and AllSides, in the same run
(`category_embeddings`; skipped with a note where its packages are absent).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess  # noqa: S404 - runs this interpreter on a fixed probe, to time a cold first call
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UCI_FILE = Path("uci-news-aggregator-sample") / "uci_news_aggregator_86_stories.csv"
ALLSIDES_FILE = Path("allsides-roundups-neus") / "allsides_roundup_articles_flat.csv"
CLUSTERS = Path("news-story-clusters")
FUNDUS = Path("fundus-news-pages")
GOAL_UCI = 0.90

UCI_LABELS: dict[str, frozenset[str]] = {
    "b": frozenset({"business"}), "t": frozenset({"technology", "science"}),
    "e": frozenset({"entertainment"}), "m": frozenset({"health"}),
}

# AllSides topic -> the categories of the taxonomy that are right for it. Topics absent here have no place in
# the taxonomy (crime, race, education, religion, media, holidays...): they are not scored.
_POLITICS = frozenset({"politics"})
_WORLD = frozenset({"world"})
_BUSINESS = frozenset({"business"})
_HEALTH = frozenset({"health"})
_SECURITY = frozenset({"politics", "world"})
ALLSIDES_TOPICS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("Coronavirus", "COVID-19 Misinformation", "Safety and Sanity During COVID-19",
                     "Public Health", "FDA", "Healthcare"), _HEALTH),
    **dict.fromkeys(("Economy and Jobs", "Economic Policy", "Banking and Finance", "Business", "Trade", "Labor",
                     "Treasury", "Energy", "People and Profit"), _BUSINESS),
    **dict.fromkeys(("World", "Middle East", "Foreign Policy", "Europe", "Asia", "Russia", "China", "Israel",
                     "ISIS", "State Department"), _WORLD),
    **dict.fromkeys(("Elections", "US House", "US Senate", "US Congress", "Politics", "Joe Biden",
                     "Donald Trump", "Kamala Harris", "White House", "Voting Rights and Voter Fraud",
                     "Republican Party", "Supreme Court", "Domestic Policy", "Role of Government",
                     "Campaign Rhetoric", "Polarization", "Immigration", "Federal Budget", "Taxes",
                     "Social Security", "US Census", "Gun Control and Gun Rights", "Free Speech", "FBI", "CIA",
                     "Justice Department"), _POLITICS),
    **dict.fromkeys(("US Military", "National Security", "National Defense", "Defense Department"), _SECURITY),
    "Abortion": frozenset({"politics", "health"}),
    "Disaster": frozenset({"world", "science"}),
    **dict.fromkeys(("Climate Change", "Sustainability", "Science"), frozenset({"science"})),
    **dict.fromkeys(("Technology", "Cybersecurity"), frozenset({"technology"})),
    "Sports": frozenset({"sports"}),
    "Culture": frozenset({"entertainment"}),
}


@dataclass(frozen=True)
class Case:
    """One labelled article: its story, the categories that are right for it, and what the classifier sees."""

    story: str
    truth: frozenset[str]
    title: str
    body: str = ""
    url: str | None = None
    section: str | None = None
    language: str = "en"
    split: str = ""  # uci, allsides: dev or held-out
    country: str | None = None  # the outlet's country, where the set tells it (fundus: its folder)


def story_split(story: str) -> str:
    """`dev` or `held-out`: a fixed hash of the story id halves a set (no randomness, no look at the labels)."""
    return "dev" if zlib.crc32(story.encode()) % 2 == 0 else "held-out"


# ---------------------------------------------------------------------------------------------------- datasets


def _find(roots: Iterable[Path], *candidates: Path) -> Path | None:
    for root in roots:
        for candidate in candidates:
            if (root / candidate).is_file():
                return root / candidate
    return None


def load_uci(path: Path) -> list[Case]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [Case(story=row["STORY"], truth=UCI_LABELS[row["CATEGORY"]], title=row["TITLE"], url=row["URL"],
                     split=story_split(row["STORY"]))
                for row in csv.DictReader(fh) if row["CATEGORY"] in UCI_LABELS]


def load_allsides(path: Path) -> tuple[list[Case], Counter[str]]:
    """The scored articles, and the unscored topics with their story counts."""
    cases: list[Case] = []
    unscored: Counter[str] = Counter()
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            truth = ALLSIDES_TOPICS.get(row["topic"].strip())
            if truth is None:
                if row["story_id"] not in seen:
                    unscored[row["topic"].strip()] += 1
                seen.add(row["story_id"])
                continue
            cases.append(Case(story=row["story_id"], truth=truth, title=row["title"], body=row["body_excerpt"],
                              url=row["url"], split=story_split(row["story_id"])))
    return cases, unscored


def fundus_label(url: str | None, topics: Iterable[str]) -> str | None:
    """The category the publisher's own section names: the URL's section, else the first topic naming one."""
    from newsdive.aggregate.classify import section_category

    return section_category(None, url) or next(
        (c for c in (section_category(t) for t in topics) if c), None)


def load_fundus(manifest: Path) -> list[Case]:
    """Every page (text from the fundus expected output); `truth` is empty where the section names no category."""
    from newsdive_tools.bench.metadata import COUNTRY_LANGUAGE, PUBLISHER_LANGUAGE

    root = manifest.parent
    cases = []
    for rec in json.loads(manifest.read_text(encoding="utf-8")):
        expected = json.loads((root / rec["expected"]).read_text(encoding="utf-8")).get(rec["version_key"], {})
        label = fundus_label(rec.get("url"), expected.get("topics") or [])
        body = expected.get("body") or {}
        paragraphs = [*body.get("summary", [])]
        for section in body.get("sections", []):
            paragraphs.extend(section.get("paragraphs", []))
        language = PUBLISHER_LANGUAGE.get(rec["publisher"]) or COUNTRY_LANGUAGE.get(rec["country"], "")
        cases.append(Case(story=rec["html"], truth=frozenset({label} if label else ()), title=expected.get("title", ""),
                          body="\n".join(paragraphs), url=rec.get("url"), language=language,
                          section=", ".join(expected.get("topics") or []),
                          country={"uk": "GB", "ind": "IN"}.get(rec["country"], rec["country"].upper())))
    return cases


# ------------------------------------------------------------------------------------------------------ scoring


def score(cases: list[Case], predicted: list[str]) -> dict[str, Any]:
    """Share of articles, and of stories (the majority of their articles' categories), whose category is right."""
    from newsdive.aggregate.classify import majority

    if not cases:
        return {"articles": 0, "stories": 0, "article_accuracy": None, "story_accuracy": None}
    right = sum(p in c.truth for c, p in zip(cases, predicted, strict=True))
    by_story: dict[str, list[str]] = defaultdict(list)
    truth: dict[str, frozenset[str]] = {}
    for c, p in zip(cases, predicted, strict=True):
        by_story[c.story].append(p)
        truth[c.story] = c.truth
    story_right = sum(majority(v) in truth[k] for k, v in by_story.items())
    return {
        "articles": len(cases), "stories": len(by_story),
        "article_accuracy": round(right / len(cases), 4), "story_accuracy": round(story_right / len(by_story), 4),
        "general_share": round(sum(p == "general" for p in predicted) / len(cases), 4),
    }


def baseline(cases: list[Case]) -> dict[str, Any]:
    """Always the set's most frequent true category (chosen with the labels: an oracle)."""
    counts = Counter(c for case in cases for c in case.truth)
    if not counts:
        return score(cases, [])
    best = counts.most_common(1)[0][0]
    return {"category": best, **score(cases, [best] * len(cases))}


def set_labels(cases: Iterable[Case]) -> frozenset[str]:
    """Every category that is right for some case of a set: the labels the set can tell apart."""
    return frozenset(c for case in cases for c in case.truth)


def best_within(scores: Mapping[str, float], allowed: Iterable[str] | None = None) -> str:
    """The highest-scoring category among `allowed` (every category when None), ties to the taxonomy's order;
    the fallback when no allowed category has a score."""
    from newsdive.aggregate.classify import CATEGORIES, FALLBACK

    keep = set(CATEGORIES if allowed is None else allowed)
    ranked = [c for c in CATEGORIES if c in keep and c in scores]
    if not ranked:
        return FALLBACK
    best = max(scores[c] for c in ranked)
    return next(c for c in ranked if scores[c] == best)


def categorize_within(case: Case, allowed: frozenset[str]) -> str:
    """`categorize` held to a set's own labels: the section when it names one of them, else the keyword vote
    (title x3 and lead) among them only, else the fallback. No outlet country: the sets scored this way have none."""
    from newsdive.aggregate.classify import _lead, base_language, keyword_scores, section_category

    by_section = section_category(case.section, case.url)
    if by_section in allowed:
        return by_section
    language = base_language(case.language)
    scores = keyword_scores(_lead(case.body, language), language)
    for category, hits in keyword_scores(case.title, language).items():
        scores[category] += 3 * hits
    return best_within(scores, allowed)


def restricted(cases: list[Case]) -> dict[str, Any] | None:
    """newsdive's figures when it may answer only the set's own labels; None when those are the whole taxonomy."""
    from newsdive.aggregate.classify import TAXONOMY

    allowed = set_labels(cases)
    if allowed >= set(TAXONOMY):
        return None
    predicted = [categorize_within(c, allowed) for c in cases]
    return {"labels": sorted(allowed), "all": score(cases, predicted), **_splits(cases, predicted)}


def classify_all(cases: list[Case], *, text_only: bool = False) -> tuple[list[str], float]:
    from newsdive.aggregate.classify import categorize

    start = time.perf_counter()
    out = [categorize(c.title, c.body, section=None if text_only else c.section, url=None if text_only else c.url,
                      language=c.language, source_country=c.country) for c in cases]
    elapsed = time.perf_counter() - start
    return out, (len(cases) / elapsed if elapsed > 0 else 0.0)


def cold_first_call() -> float:
    """Seconds for a fresh interpreter to import the classifier and label one German and one English article
    (its language data are loaded on first use), minus the bare interpreter start."""
    probe = ("import time; t=time.perf_counter(); from newsdive.aggregate.classify import categorize, regions; "
             "categorize('Die Regierung in Berlin', 'Der Bundestag stimmt ab.', language='de'); "
             "regions('Talks in Paris', language='en'); categorize('Shares fall', '', language='en'); "
             "print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    return round(float(out.stdout.strip()), 3)


def _splits(cases: list[Case], predicted: list[str]) -> dict[str, Any]:
    out = {}
    for split in ("dev", "held-out"):
        picked = [(c, p) for c, p in zip(cases, predicted, strict=True) if c.split == split]
        out[split] = score([c for c, _ in picked], [p for _, p in picked])
    return out


def peer_sets(roots: list[Path]) -> dict[str, list[Case]]:
    """The English story sets a peer is scored on (UCI, AllSides), those found under the roots."""
    sets: dict[str, list[Case]] = {}
    uci = _find(roots, UCI_FILE, CLUSTERS / UCI_FILE)
    if uci:
        sets["uci"] = load_uci(uci)
    allsides = _find(roots, ALLSIDES_FILE, CLUSTERS / ALLSIDES_FILE)
    if allsides:
        sets["allsides"] = load_allsides(allsides)[0]
    return sets


def evaluate(roots: list[Path]) -> dict[str, Any]:
    """Every labelled set found under the roots: figures per set (and per split or language)."""
    results: dict[str, Any] = {}
    uci = _find(roots, UCI_FILE, CLUSTERS / UCI_FILE)
    if uci:
        cases = load_uci(uci)
        predicted, rate = classify_all(cases)
        res: dict[str, Any] = {"all": score(cases, predicted), **_splits(cases, predicted),
                               "articles_per_second": round(rate)}
        res["baseline"] = baseline(cases)
        res["goal_story_accuracy"] = GOAL_UCI
        res["goal_met_held_out"] = (res["held-out"]["story_accuracy"] or 0) >= GOAL_UCI
        within = restricted(cases)
        if within:
            res["restricted"] = within
        results["uci"] = res
    allsides = _find(roots, ALLSIDES_FILE, CLUSTERS / ALLSIDES_FILE)
    if allsides:
        cases, unscored = load_allsides(allsides)
        predicted, rate = classify_all(cases)
        results["allsides"] = {"all": score(cases, predicted), **_splits(cases, predicted),
                               "articles_per_second": round(rate), "baseline": baseline(cases),
                               "unscored_stories": sum(unscored.values()),
                               "unscored_topics": dict(unscored.most_common())}
        within = restricted(cases)
        if within:
            results["allsides"]["restricted"] = within
    manifest = _find(roots, Path("manifest.json"), FUNDUS / "manifest.json")
    if manifest:
        pages = load_fundus(manifest)
        cases = [c for c in pages if c.truth]
        text_only, rate = classify_all(cases, text_only=True)
        with_section, _ = classify_all(cases)
        per_language: dict[str, Any] = {}
        for language in sorted({c.language for c in cases}):
            picked = [(c, p) for c, p in zip(cases, text_only, strict=True) if c.language == language]
            per_language[language] = score([c for c, _ in picked], [p for _, p in picked])
        english = [(c, p) for c, p in zip(cases, text_only, strict=True) if c.language == "en"]
        other = [(c, p) for c, p in zip(cases, text_only, strict=True) if c.language != "en"]
        # every page, labelled or not, as the pipeline sees it (section, URL, text, outlet country): how many get
        # no category at all
        every, _ = classify_all(pages)
        general: dict[str, Any] = {}
        for name, keep in (("en", lambda c: c.language == "en"), ("other", lambda c: c.language != "en")):
            labels = [p for c, p in zip(pages, every, strict=True) if keep(c)]
            general[name] = {"pages": len(labels), "general": sum(p == "general" for p in labels)}
        results["fundus"] = {
            "all": score(cases, text_only), "with_section": score(cases, with_section),
            "english": score([c for c, _ in english], [p for _, p in english]),
            "other_languages": score([c for c, _ in other], [p for _, p in other]),
            "per_language": per_language, "unlabelled_pages": len(pages) - len(cases),
            "general_on_every_page": general, "articles_per_second": round(rate), "baseline": baseline(cases),
        }
    return results


# -------------------------------------------------------------------------------------------------------- output


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def table(results: dict[str, Any], cold: float | None) -> str:
    head = f"{'set':10} {'part':22} {'articles':>8} {'stories':>7} {'article acc':>11} {'story acc':>9} {'general':>8}"
    lines = [head, "-" * len(head)]

    def row(name: str, part: str, s: dict[str, Any]) -> None:
        lines.append(f"{name:10} {part:22} {s['articles']:8d} {s['stories']:7d} {_pct(s['article_accuracy']):>11} "
                     f"{_pct(s['story_accuracy']):>9} {_pct(s.get('general_share')):>8}")

    def within(r: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        w = r.get("restricted")
        return [("  in labels: all", w["all"]), ("  in labels: dev", w["dev"]),
                ("  in labels: held-out", w["held-out"])] if w else []

    labels: dict[str, Callable[[dict[str, Any]], list[tuple[str, dict[str, Any]]]]] = {
        "uci": lambda r: [("newsdive: all", r["all"]), ("newsdive: dev", r["dev"]),
                          ("newsdive: held-out", r["held-out"]), *within(r),
                          (f"baseline: {r['baseline']['category']}", r["baseline"])],
        "allsides": lambda r: [("newsdive: all", r["all"]), ("newsdive: dev", r["dev"]),
                               ("newsdive: held-out", r["held-out"]), *within(r),
                               (f"baseline: {r['baseline']['category']}", r["baseline"])],
        "fundus": lambda r: [("newsdive: text only", r["all"]), ("  English", r["english"]),
                             ("  other languages", r["other_languages"]),
                             *((f"    {lang}", s) for lang, s in r["per_language"].items() if lang != "en"),
                             ("newsdive: with section", r["with_section"]),
                             (f"baseline: {r['baseline']['category']}", r["baseline"])],
    }
    for name, res in results.items():
        for part, s in labels[name](res):
            row(name, part, s)
        lines.append("")
    if "allsides" in results:
        lines.append(f"allsides: {results['allsides']['unscored_stories']} stories of topics the taxonomy has no "
                     "place for are not scored")
    if "fundus" in results:
        fundus = results["fundus"]
        lines.append(f"fundus: {fundus['unlabelled_pages']} pages whose section names no category are not scored; "
                     "the label is the section, so `with section` mostly repeats it")
        g = fundus["general_on_every_page"]
        lines.append(f"fundus: `general` on every page as the pipeline sees it: English {g['en']['general']} of "
                     f"{g['en']['pages']}, other languages {g['other']['general']} of {g['other']['pages']}")
    if "uci" in results:
        held = results["uci"]["held-out"]["story_accuracy"] or 0
        lines.append(f"goal: >= {GOAL_UCI:.0%} of UCI stories right (held-out half): {held:.1%} "
                     f"({'met' if held >= GOAL_UCI else 'not met'}); all stories: "
                     f"{results['uci']['all']['story_accuracy']:.1%}")
    if cold is not None:
        lines.append(f"cold first call (import + language data for en and de): {cold:.3f} s")
    for name, res in results.items():
        if res.get("restricted"):
            lines.append(f"{name}: `in labels` answers only the set's own labels "
                         f"({', '.join(res['restricted']['labels'])})")
    return "\n".join(lines)


def peer_table(peer: dict[str, Any]) -> str:
    """The peer's rows (the table's columns), its size and speed; one line when it was skipped."""
    from newsdive.aggregate.classify import TAXONOMY

    name = peer["name"]
    if "skipped" in peer:
        return f"{name}: skipped, {peer['skipped']}"
    head = f"{'set':10} {'part':30} {'articles':>8} {'stories':>7} {'article acc':>11} {'story acc':>9} {'general':>8}"
    lines = [head, "-" * len(head)]
    parts = ("all", "dev", "held-out")
    for set_name, res in peer["sets"].items():
        both = res["newsdive_then_model"]
        # held to the set's labels, where those are fewer than the taxonomy's (else the same figures again)
        fewer = not set(TAXONOMY) <= set(res["restricted"]["labels"])
        rows = [*((f"{name}: {p}", res[p]) for p in parts),
                *((f"  in labels: {p}", res["restricted"][p]) for p in parts if fewer),
                *((f"newsdive, else model: {p}", both[p]) for p in parts),
                *((f"  in labels: {p}", both["restricted"][p]) for p in parts if fewer)]
        for label, s in rows:
            lines.append(f"{set_name:10} {label:30} {s['articles']:8d} {s['stories']:7d} "
                         f"{_pct(s['article_accuracy']):>11} {_pct(s['story_accuracy']):>9} "
                         f"{_pct(s.get('general_share')):>8}")
        lines.append("")
    speed = ", ".join(f"{k} {v['articles_per_second']} articles/s" for k, v in peer["sets"].items())
    cold = peer.get("cold_first_call_seconds")
    lines.append(f"{name}: {peer['model']} from the package {peer['package']}, "
                 f"{peer['model_bytes'] / 1e6:.1f} MB on disk; load {peer['load_seconds']:.2f} s"
                 + (f", cold first call (import, load, one headline) {cold:.2f} s" if cold is not None else "")
                 + f"; {speed}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="newsdive bench category", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", required=True, type=Path, action="append",
                    help="a data folder (repeatable): the shared data root, news-story-clusters or "
                         "fundus-news-pages")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold first-call measurement")
    ap.add_argument("--peer", choices=["embeddings"], action="append", default=[],
                    help="also score a peer on UCI and AllSides: `embeddings`, a zero-shot sentence-embedding "
                         "model (skipped with a note when its packages are absent)")
    args = ap.parse_args(argv)
    roots = [p for p in args.dataset if p.is_dir()]
    results = evaluate(roots)
    if not results:
        print(f"category bench: no labelled set under {', '.join(map(str, args.dataset))} (expected "
              f"{CLUSTERS / UCI_FILE}, {CLUSTERS / ALLSIDES_FILE} or {FUNDUS}/manifest.json); nothing measured.")
        return 0
    cold = None if args.no_cold else cold_first_call()
    peers: dict[str, Any] = {}
    if "embeddings" in args.peer:
        from newsdive_tools.bench import category_embeddings

        peers["embeddings"] = category_embeddings.run(peer_sets(roots), cold=not args.no_cold)
    if args.json:
        print(json.dumps({"sets": results, "cold_first_call_seconds": cold, **({"peers": peers} if peers else {})},
                         indent=2))
    else:
        print(table(results, cold))
        for peer in peers.values():
            print()
            print(peer_table(peer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
