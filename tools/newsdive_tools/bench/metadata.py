"""`newsdive bench metadata`: title, published time, authors and language against the fundus test pages.

The dataset is the fundus-news-pages layout (``manifest.json`` pairing each
``<cc>/<Publisher>_<date>.html.gz`` with the expected output of the fundus parser). trafilatura's metadata is
measured in the same run when installed.

Rules of the comparison:
- title: equal after whitespace normalisation;
- published time: same wall-clock time to the minute and the same UTC offset (when the expected value carries
  no offset, the wall-clock time alone);
- authors: the same set of names, compared case-insensitively;
- language: the primary subtag of the page's language as known for its publisher (fundus has no language
  field; the table below states each outlet's language, with the one page whose language differs from its
  country's).

newsdive's title is also scored with its per-outlet rules (``newsdive/data/outlet_rules.json``) switched off,
so the generic figure stays visible beside the one with rules.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

FIELDS = ("title", "published_at", "authors", "language")

# Language of each country folder's outlets, and the outlets that write in another language.
COUNTRY_LANGUAGE = {
    "us": "en",
    "uk": "en",
    "ca": "en",
    "au": "en",
    "za": "en",
    "na": "en",
    "ls": "en",
    "tz": "en",
    "my": "en",
    "mx": "en",
    "tw": "en",
    "be": "en",
    "ind": "en",
    "de": "de",
    "ch": "de",
    "fr": "fr",
    "es": "es",
    "it": "it",
    "jp": "ja",
    "kr": "ko",
    "cn": "zh",
    "ru": "ru",
    "ua": "uk",
    "tr": "tr",
    "lb": "ar",
    "vn": "vi",
    "se": "sv",
    "pl": "pl",
}
PUBLISHER_LANGUAGE = {
    "Isolezwe": "zu",  # isiZulu daily (its pages declare lang="en")
    "Bhaskar": "hi",  # Dainik Bhaskar, Hindi
    "Pravda": "ru",  # the page in the set is from Ukrainska Pravda's Russian-language edition
}

_WS = re.compile(r"\s+")


def _norm(text: object) -> str:
    return _WS.sub(" ", str(text or "")).strip()


@dataclass
class Case:
    publisher: str
    html: bytes
    url: str | None
    expected: dict
    language: str
    country: str | None = None  # ISO 3166-1 of the outlet, as a sources file states it


# Country folders that are not ISO 3166-1 codes.
FOLDER_COUNTRY = {"uk": "GB", "ind": "IN"}


@dataclass
class Prediction:
    title: str | None = None
    authors: list[str] | None = None
    published: datetime | str | None = None
    language: str | None = None


@dataclass
class Score:
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    by_language: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # lang -> field -> [hits, n]
    seconds: float = 0.0
    pages: int = 0
    unsupported: set[str] = field(default_factory=set)

    def share(self, name: str) -> float | None:
        if name in self.unsupported or not self.totals[name]:
            return None
        return self.hits[name] / self.totals[name]


def _parse_expected_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _parse_predicted_time(value: datetime | str | None) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def time_matches(expected: datetime, predicted: datetime | None) -> bool:
    if predicted is None:
        return False
    if expected.strftime("%Y-%m-%d %H:%M") != predicted.strftime("%Y-%m-%d %H:%M"):
        return False
    if expected.tzinfo is None:
        return True
    return predicted.tzinfo is not None and predicted.utcoffset() == expected.utcoffset()


def judge(case: Case, pred: Prediction, score: Score) -> None:
    exp = case.expected
    checks: dict[str, tuple[bool, str]] = {}
    if "title" in exp:
        checks["title"] = (_norm(pred.title) == _norm(exp["title"]), f"{pred.title!r} != {exp['title']!r}")
    if exp.get("publishing_date"):
        expected_time = _parse_expected_time(exp["publishing_date"])
        if expected_time is not None:
            predicted_time = _parse_predicted_time(pred.published)
            checks["published_at"] = (
                time_matches(expected_time, predicted_time),
                f"{pred.published} != {exp['publishing_date']}",
            )
    if "authors" in exp:
        want = {_norm(a).casefold() for a in exp["authors"]}
        got = {_norm(a).casefold() for a in pred.authors or []}
        checks["authors"] = (want == got, f"{sorted(got)} != {sorted(want)}")
    got_lang = (pred.language or "").split("-")[0].lower()
    checks["language"] = (got_lang == case.language, f"{pred.language} != {case.language}")
    for name, (ok, detail) in checks.items():
        score.totals[name] += 1
        cell = score.by_language.setdefault(case.language, {}).setdefault(name, [0, 0])
        cell[1] += 1
        if ok:
            cell[0] += 1
            score.hits[name] += 1
        else:
            score.misses[name].append(f"{case.publisher}: {detail}")


# --- tools -------------------------------------------------------------------------------------------------
Reader = Callable[[Case], Prediction]


def _newsdive(rules: bool = True) -> Reader:
    from newsdive.model.errors import ExtractionError
    from newsdive.parse.extract import extract_article
    from newsdive.parse.extract._outlets import outlet_rules

    def run(case: Case) -> Prediction:
        try:
            with outlet_rules(rules):
                art = extract_article(case.html, url=case.url, country=case.country)
        except ExtractionError:
            return Prediction()
        return Prediction(art.title, art.authors, art.published_at, art.language)

    return run


def generic_title_score(cases: list[Case]) -> Score:
    """newsdive's title without its per-outlet rules (an untimed second pass)."""
    reader = _newsdive(rules=False)
    score = Score()
    for case in cases:
        if "title" not in case.expected:
            continue
        pred = reader(case)
        score.totals["title"] += 1
        if _norm(pred.title) == _norm(case.expected["title"]):
            score.hits["title"] += 1
        else:
            score.misses["title"].append(f"{case.publisher}: {pred.title!r} != {case.expected['title']!r}")
    return score


def _trafilatura() -> Reader:
    from trafilatura import extract_metadata

    # Ask htmldate for the time and offset too (trafilatura's default is the day only).
    date_config = {
        "original_date": True,
        "extensive_search": True,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "max_date": "2030-12-31",
    }

    def run(case: Case) -> Prediction:
        doc = extract_metadata(case.html.decode("utf-8", "replace"), default_url=case.url, date_config=date_config)
        authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
        return Prediction(doc.title, authors, doc.date, None)

    return run


TOOLS: dict[str, tuple[Callable[[], Reader], set[str]]] = {
    "newsdive": (_newsdive, set()),
    "trafilatura": (_trafilatura, {"language"}),  # trafilatura reads no page language
}


def load_cases(dataset: Path) -> list[Case]:
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for rec in manifest:
        expected_all = json.loads((dataset / rec["expected"]).read_text(encoding="utf-8"))
        expected = expected_all.get(rec["version_key"])
        if expected is None:
            continue
        language = PUBLISHER_LANGUAGE.get(rec["publisher"]) or COUNTRY_LANGUAGE.get(rec["country"], "")
        cases.append(
            Case(
                rec["publisher"],
                gzip.decompress((dataset / rec["html"]).read_bytes()),
                rec.get("url"),
                expected,
                language,
                FOLDER_COUNTRY.get(rec["country"], rec["country"].upper()),
            )
        )
    return cases


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdive bench metadata",
        description="Per-field metadata accuracy (title, published time to the minute with its UTC offset, "
        "author set, language) of newsdive's extractor and trafilatura on the fundus news pages.",
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        required=True,
        help="folder of fundus-news-pages (manifest.json and <cc>/ folders)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated (default: {','.join(TOOLS)})")
    parser.add_argument("--misses", action="store_true", help="list newsdive's wrong answers per field")
    return parser


def print_by_language(score: Score) -> None:
    """newsdive's hits per language of the page (English first), as hits/pages per field."""
    print("newsdive by language (hits/pages)")
    print(f"{'language':<10}" + "".join(f"{f:>14}" for f in FIELDS[:3]))
    for lang in sorted(score.by_language, key=lambda code: (code != "en", code)):
        cells = score.by_language[lang]
        row = "".join(f"{(f'{cells[f][0]}/{cells[f][1]}' if f in cells else '-'):>14}" for f in FIELDS[:3])
        print(f"{lang:<10}{row}")


def main(argv: list[str] | None = None) -> int:  # noqa: C901 - each field's score and its peers' printed side by side
    args = build_parser().parse_args(argv)
    dataset: Path = args.dataset
    if not (dataset / "manifest.json").is_file():
        print(f"dataset not found at {dataset} (expected manifest.json): skipping the bench")
        return 0
    cases = load_cases(dataset)
    scores: dict[str, Score] = {}
    skipped: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in [n.strip() for n in args.tools.split(",") if n.strip()]:
            if name not in TOOLS:
                print(f"unknown tool {name!r}; known: {', '.join(TOOLS)}")
                return 2
            factory, unsupported = TOOLS[name]
            try:
                reader = factory()
            except ImportError as exc:
                skipped[name] = f"not installed ({exc.name or exc})"
                continue
            score = Score(unsupported=set(unsupported))
            for case in cases:
                start = time.perf_counter()
                try:
                    pred = reader(case)
                except Exception:  # noqa: BLE001 - a peer crashing on a page gets nothing right on it
                    pred = Prediction()
                score.seconds += time.perf_counter() - start
                score.pages += 1
                judge(case, pred, score)
            scores[name] = score
        generic = generic_title_score(cases) if "newsdive" in scores else None

    if args.json:
        out: dict[str, object] = {"pages": len(cases), "tools": {}}
        for name, score in scores.items():
            entry: dict[str, object] = {f: (round(s, 4) if (s := score.share(f)) is not None else None) for f in FIELDS}
            entry["pages_per_s"] = round(score.pages / score.seconds, 1) if score.seconds else None
            if name == "newsdive" and generic is not None:
                share = generic.share("title")
                entry["title_without_outlet_rules"] = round(share, 4) if share is not None else None
            if name == "newsdive":
                entry["by_language"] = {
                    lang: {f: {"hits": h, "n": n} for f, (h, n) in cells.items()}
                    for lang, cells in sorted(score.by_language.items())
                }
            out["tools"][name] = entry  # type: ignore[index]
        for name, reason in skipped.items():
            out["tools"][name] = {"skipped": reason}  # type: ignore[index]
        print(json.dumps(out))
        return 0

    print(f"fundus-news-pages: {len(cases)} pages from {len({c.publisher for c in cases})} publishers")
    header = f"{'field':<14}" + "".join(f"{name:>14}" for name in scores) + "    n   goal"
    print(header)
    goals = {"title": 0.95, "published_at": 0.90, "authors": 0.80, "language": 0.98}
    for f in FIELDS:
        cells = ""
        for score in scores.values():
            share = score.share(f)
            cells += f"{'n/a' if share is None else f'{share:.1%}':>14}"
        n = next(iter(scores.values())).totals[f] if scores else 0
        print(f"{f:<14}{cells}{n:>5}  {goals[f]:.0%}")
        if f == "title" and generic is not None:
            share = generic.share("title")
            text = f"{share:.1%}" if share is not None else "n/a"
            cells = "".join(f"{text if name == 'newsdive' else '':>14}" for name in scores)
            print(f"{'title generic':<14}{cells}{generic.totals['title']:>5}")
    print(f"{'pages/s':<14}" + "".join(f"{s.pages / s.seconds if s.seconds else 0:>14.1f}" for s in scores.values()))
    for name, reason in skipped.items():
        print(f"{name}: skipped, {reason}")
    if "newsdive" in scores:
        print_by_language(scores["newsdive"])
    if args.misses and "newsdive" in scores:
        for f in FIELDS:
            for miss in scores["newsdive"].misses[f]:
                print(f"  miss {f}: {miss}")
        if generic is not None:
            for miss in generic.misses["title"]:
                print(f"  miss title without outlet rules: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
