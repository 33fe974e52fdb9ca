"""`newsdive bench names`: key players and slugs of the fundus test pages, precision per language from hand labels.

Each page is extracted, made into a one-article story (as aggregate stores it) and rendered: its key players are
those the deep dive would list, its slug the card's. A key player is judged against the hand labels in
``tests/fixtures/labels/key_players.json`` (format at the top of that file): a name of a person or an
organisation, not one (a common noun, a place, a dateline...), or unlabelled. Precision per language is the share
of labelled key players that are names; `recall` is the share of the names labelled for the pages that are found.

The peer measured in the same run is the same counter with English rules on every text (`english-rules`: what
newsdive did before it read a text's language). `--lead-words` widens the text read (the product reads the title
and about 70 words): more key players, the same rules. `--list` prints every page's key players and slug, for
labelling. `--first-call` measures what a fresh interpreter pays for its first story in a language.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

LABELS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "labels" / "key_players.json"


@dataclass
class Page:
    id: str  # "<cc>/<Publisher>_<date>": the html file without its suffix
    language: str  # the page's true language (bench.metadata's table)
    players: dict[str, list[str]] = field(default_factory=dict)  # method -> key player names
    slug: str = ""


def load_labels(path: Path) -> dict[str, dict[str, set[str]]]:
    """page id -> {"names": {...}, "not_names": {...}} (casefolded)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        page: {kind: {n.casefold() for n in entry.get(kind, [])} for kind in ("names", "not_names")}
        for page, entry in data.get("pages", {}).items()
    }


def judge(name: str, labels: dict[str, set[str]] | None) -> bool | None:
    """True for a labelled name, False for a labelled non-name, None when the page or the string is unlabelled."""
    if labels is None:
        return None
    key = name.casefold()
    if key in labels["names"]:
        return True
    if key in labels["not_names"]:
        return False
    return None


def read_pages(dataset: Path, lead_words: int) -> list[Page]:
    from newsdive.aggregate.stage import member_of
    from newsdive.language.plaintext import lead
    from newsdive.model.article import Article, SourceRef, url_id
    from newsdive.model.errors import ExtractionError
    from newsdive.model.story import StoryRecord
    from newsdive.parse.extract import extract_article
    from newsdive.publish.key_players import key_players
    from newsdive.publish.render import slugify
    from newsdive_tools.bench.metadata import load_cases

    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    ids = {rec["url"]: rec["html"].removesuffix(".html.gz") for rec in manifest}
    pages = []
    for case in load_cases(dataset):
        page = Page(id=ids.get(case.url, case.publisher), language=case.language)
        pages.append(page)
        try:
            extracted = extract_article(case.html, url=case.url)
        except ExtractionError:
            continue
        article = Article(**extracted.model_dump(), id=url_id(case.url or page.id),
                          url=case.url or "https://example.invalid/", source=SourceRef(id="page", name=case.publisher))
        page.slug = slugify(article.display_title, article.id, article.language)
        try:
            member = member_of(article)
        except Exception:  # noqa: BLE001, S112 - a stage failing on a page (issue 16's CJK tokenizers): no players
            continue
        member = member.model_copy(update={"lead": lead(extracted.paragraphs, max_words=lead_words)})
        for method, language in (("newsdive", member.language), ("english-rules", "en")):
            m = member.model_copy(update={"language": language})
            story = StoryRecord(story_id=m.article_id, members={m.article_id: m}, title=m.title, regions=m.regions)
            page.players[method] = [p.name for p in key_players(story, [m])]
    return pages


def score(pages: list[Page], labels: dict[str, dict[str, set[str]]], method: str) -> dict[str, dict[str, int]]:
    """Per language: key players listed, labelled names, labelled non-names, unlabelled, names labelled, found."""
    out: dict[str, dict[str, int]] = defaultdict(Counter)
    for page in pages:
        row = out[page.language]
        row["pages"] += 1
        page_labels = labels.get(page.id)
        found = {n.casefold() for n in page.players.get(method, [])}
        for name in page.players.get(method, []):
            row["players"] += 1
            verdict = judge(name, page_labels)
            row["names" if verdict else "not_names" if verdict is False else "unlabelled"] += 1
        if page_labels is not None:
            row["labelled_pages"] += 1
            row["labelled_names"] += len(page_labels["names"])
            row["names_found"] += len(page_labels["names"] & found)
    return out


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# Our own sentences, one per language, for the first-call cost (not labelled, not scored).
FIRST_CALL_TEXTS = {
    "en": ("Senate passes housing bill", "The Senate passed the housing bill on Tuesday. Senator Maria Hollis said "
           "the bill would help renters. Maria Hollis called the vote historic."),
    "de": ("Bundestag beschließt Haushalt", "Bundeskanzler Olaf Scholz sprach von einem guten Tag. Die Opposition um "
           "Friedrich Merz kritisierte die Pläne. Olaf Scholz sagte, die Regierung werde sparen."),
    "fr": ("Le Sénat adopte le budget", "Le président Emmanuel Macron a salué le vote. Selon Marine Le Pen, le texte "
           "est injuste. Emmanuel Macron a promis des mesures."),
    "ru": ("Путин провёл переговоры", "Президент Владимир Путин провёл переговоры в Москве. Итоги встречи Владимир "
           "Путин не раскрыл."),
}
_FIRST_CALL = """
import sys, time
from newsdive.publish.render import key_players, slugify
from newsdive.model.story import Member, StoryRecord
title, lead, lang = sys.argv[1:4]
m = Member(article_id="a1", outlet_id="o1", outlet="Outlet", bias="center", title=title,
           url="https://o.example/1", lead=lead, language=lang)
start = time.perf_counter()
key_players(StoryRecord(story_id="a1", members={"a1": m}), [m]); slugify(title, "a1", lang)
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))  # kB, this process
print((time.perf_counter() - start) * 1000, int(peak) / 1024)
"""


def first_call(runs: int = 3) -> dict[str, dict[str, float]]:
    """Median milliseconds and peak memory (MB) of a fresh interpreter's first key players and slug of a story in
    each language: what a publish container pays once per language (word lists, CLDR data, stemmers)."""
    import statistics
    import subprocess  # noqa: S404 - runs this interpreter with a fixed argument list
    import sys

    out: dict[str, dict[str, float]] = {}
    for lang, (title, lead) in FIRST_CALL_TEXTS.items():
        samples = [subprocess.run([sys.executable, "-c", _FIRST_CALL, title, lead, lang], check=True,  # noqa: S603
                                  capture_output=True, text=True).stdout.split() for _ in range(runs)]
        out[lang] = {"ms": round(statistics.median(float(s[0]) for s in samples)),
                     "peak_mb": round(statistics.median(float(s[1]) for s in samples))}
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdive bench names",
        description="Key players of the fundus pages (one-article stories) judged against hand labels: precision "
        "per language, with English rules on every text as the peer; slugs with letters.",
    )
    parser.add_argument("--dataset", type=Path, required=True, help="folder of fundus-news-pages (manifest.json)")
    parser.add_argument("--labels", type=Path, default=LABELS, help=f"hand labels (default: {LABELS})")
    parser.add_argument("--lead-words", type=int, default=70, help="words of the article read (default 70, as "
                        "aggregate stores)")
    parser.add_argument("--list", action="store_true", help="print every page's key players and slug")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--first-call", action="store_true", help="also measure, in fresh interpreters, the "
                        "first key players and slug of a story per language (time and peak memory)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (args.dataset / "manifest.json").is_file():
        print(f"dataset not found at {args.dataset} (expected manifest.json): skipping the bench")
        return 0
    labels = load_labels(args.labels)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pages = read_pages(args.dataset, args.lead_words)
    seconds = time.perf_counter() - start
    methods = ("newsdive", "english-rules")
    scores = {method: score(pages, labels, method) for method in methods}
    slugs = {lang: [p for p in pages if p.language == lang] for lang in sorted({p.language for p in pages})}
    slugs = {lang: [p for p in ps if p.slug] for lang, ps in slugs.items()}  # pages with an article
    readable = {lang: sum(any(c.isalpha() for c in p.slug.rsplit("-", 1)[0]) and "-" in p.slug for p in ps)
                for lang, ps in slugs.items()}

    if args.list:
        for p in pages:
            verdicts = [f"{n}{'' if (v := judge(n, labels.get(p.id))) else ' [not a name]' if v is False else ' [?]'}"
                        for n in p.players.get("newsdive", [])]
            print(f"{p.id}\t{p.language}\t{'; '.join(verdicts)}\t{p.slug}")
        print()
    cost = first_call() if args.first_call else None
    if args.json:
        out = {"pages": len(pages), "lead_words": args.lead_words, "seconds": round(seconds, 2), "languages": {}}
        if cost is not None:
            out["first_call"] = cost
        for lang in slugs:
            entry: dict[str, object] = {"pages_with_article": len(slugs[lang]), "slugs_with_letters": readable[lang]}
            for method in methods:
                row = scores[method][lang]
                precision = _share(row["names"], row["names"] + row["not_names"])
                recall = _share(row["names_found"], row["labelled_names"])
                entry[method] = {**row, "precision": None if precision is None else round(precision, 4),
                                 "recall": None if recall is None else round(recall, 4)}
            out["languages"][lang] = entry
        print(json.dumps(out, ensure_ascii=False))
        return 0

    print(f"fundus-news-pages: {len(pages)} pages (counted: those with an article), {args.lead_words} words read, "
          f"labels: {args.labels.name} ({len(labels)} pages), {seconds:.1f} s")
    print(f"{'lang':<5}{'pages':>6}{'slugs ok':>9}   {'newsdive: players precision recall':<37}"
          f"{'english-rules: players precision recall':<40}")
    totals: dict[str, Counter[str]] = {method: Counter() for method in methods}
    for lang in slugs:
        cells = ""
        for method in methods:
            row = scores[method][lang]
            totals[method].update(row)
            precision = _share(row["names"], row["names"] + row["not_names"])
            recall = _share(row["names_found"], row["labelled_names"])
            p_text = "n/a" if precision is None else f"{precision:.0%}"
            r_text = "n/a" if recall is None else f"{recall:.0%}"
            unl = f" ({row['unlabelled']}?)" if row["unlabelled"] else ""
            cells += f"{row['players']:>17}{p_text:>10}{r_text:>7}{unl:<6}"
        print(f"{lang:<5}{len(slugs[lang]):>6}{readable[lang]:>9}   {cells}")
    cells = ""
    for method in methods:
        t = totals[method]
        precision = _share(t["names"], t["names"] + t["not_names"])
        recall = _share(t["names_found"], t["labelled_names"])
        cells += (f"{t['players']:>17}{'n/a' if precision is None else f'{precision:.0%}':>10}"
                  f"{'n/a' if recall is None else f'{recall:.0%}':>7}{'':<6}")
    print(f"{'all':<5}{sum(map(len, slugs.values())):>6}{sum(readable.values()):>9}   {cells}")
    other: Counter[str] = Counter()
    for lang, row in scores["newsdive"].items():
        if lang != "en":
            other.update(row)
    precision = _share(other["names"], other["names"] + other["not_names"])
    print(f"goal: key players that are names >= 80% outside English: "
          f"{'n/a' if precision is None else f'{precision:.0%}'}; every slug with letters: "
          f"{sum(readable.values())}/{sum(map(len, slugs.values()))} pages with an article")
    if cost is not None:
        print("first key players and slug in a fresh interpreter (median of 3): "
              + ", ".join(f"{lang} {c['ms']:.0f} ms / {c['peak_mb']:.0f} MB peak" for lang, c in cost.items()))
    return 0
