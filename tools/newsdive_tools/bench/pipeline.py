"""`newsdive bench pipeline --articles N`: the whole pipeline under load, on the moto server.

Generates a synthetic web (N articles over many outlets and stories, our own generated prose), serves it locally,
runs schedule -> scrape -> parse -> aggregate -> publish through the local event pump, and prints:
- throughput (articles per minute, whole run and pipeline only) and losses (generated articles that are not in
  exactly one published deep dive, and what waits in the DLQs);
- p50/p95 seconds per invocation of each stage;
- AWS requests per article by service and operation (every call the functions make, counted by a botocore
  hook, plus the event source mappings' own SQS calls and S3's notifications);
- one cost account at list prices (PRICES below, dated): the cost of 1M articles (Lambda GB-seconds from the
  measured durations at the template's memory sizes, requests, DynamoDB capacity units estimated from the items'
  measured sizes with the writes the global secondary indexes add, log ingestion from the measured log bytes) and
  the fixed cost a month (the template's alarms, dashboard and schedules; the crawl tick and the hourly
  re-clustering and settling priced from their measured durations, requests and capacity per invocation). moto
  answers more slowly than AWS, so durations (hence Lambda cost) are an upper bound.
`--chaos SEED` also runs a faulty copy of the same web and checks that both publish byte-identical documents.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from newsdive_tools.bench import positive_int

# us-east-1 list prices (USD) from the AWS pricing pages, as of 2025-06; check them before relying on the total.
PRICES_DATE = "2025-06"
PRICES = {
    "lambda_gb_second_arm64": 0.0000133334,
    "lambda_request": 0.20 / 1e6,
    "sqs_request_standard": 0.40 / 1e6,
    "sqs_request_fifo": 0.50 / 1e6,
    "dynamodb_wru": 0.625 / 1e6,  # on demand, after the November 2024 price cut
    "dynamodb_rru": 0.125 / 1e6,
    "s3_put_class": 0.005 / 1e3,  # PUT, COPY, POST, LIST
    "s3_get_class": 0.0004 / 1e3,  # GET, HEAD and the rest (DELETE is free)
    "logs_ingest_gb": 0.50,
    "xray_trace": 5.00 / 1e6,
    "cloudfront_invalidation_path": 0.005,  # beyond the first 1,000 paths a month
    # fixed monthly items
    "cloudwatch_alarm_month": 0.10,  # standard-resolution metric alarm (the first 10 of an account are free)
    "cloudwatch_dashboard_month": 3.00,  # per dashboard (the first 3 of an account are free)
    "scheduler_invocation": 1.00 / 1e6,  # EventBridge Scheduler (the first 14M a month are free)
}
HOURS_PER_MONTH = 730  # AWS's own convention for monthly prices
# Work the deployed stack does on a schedule, not per article: priced per month, not per million articles.
SCHEDULED_STAGES = {"schedule": "schedule", "recluster": "aggregate", "settle": "publish"}  # stage -> function
_S3_PUT_CLASS = {"PutObject", "CopyObject", "ListObjectsV2", "ListObjects", "CreateMultipartUpload"}
_S3_FREE = {"DeleteObject", "DeleteObjects"}

_SYLLABLES = ["bra", "ven", "dor", "kel", "mar", "tis", "lo", "ran", "qui", "fen", "sol", "gar", "wyn", "tho",
              "bel", "cas", "dru", "el", "fal", "hal", "ist", "jor", "lun", "nor", "pel", "rho", "sav", "tor",
              "ul", "vex", "zan", "mor", "kin", "ash", "bry", "cor"]
_EVENTS = [
    ("fire", "A fire broke out at the {place} {thing} on {day}, and {count} firefighters fought it through the "
     "night.", ["blaze", "smoke", "evacuated", "crews", "flames", "damage"]),
    ("strike", "Workers at {place} {thing} walked out on {day} after talks with {person} collapsed over pay.",
     ["union", "walkout", "picket", "wages", "ballot", "negotiators"]),
    ("merger", "{person}'s {thing} agreed to buy its {place} rival for {count} million on {day}.",
     ["takeover", "shareholders", "deal", "regulator", "valuation", "board"]),
    ("flood", "The river burst its banks at {place} on {day}, flooding {count} homes near the {thing}.",
     ["rainfall", "sandbags", "residents", "evacuation", "levee", "water"]),
    ("court", "A court in {place} ruled on {day} that {person}'s {thing} broke planning law, ordering {count} "
     "changes.", ["judge", "verdict", "appeal", "lawyers", "ruling", "hearing"]),
    ("election", "{person} won the {place} mayoral race on {day} with {count} votes, ending a long {thing} "
     "campaign.", ["ballots", "turnout", "council", "candidate", "victory", "polls"]),
    ("science", "Researchers at the {place} {thing} led by {person} reported on {day} a finding based on {count} "
     "samples.", ["study", "journal", "laboratory", "experiment", "data", "peer"]),
    ("match", "{place} beat their rivals in the {thing} final on {day}, with {person} scoring {count} points.",
     ["coach", "stadium", "fans", "season", "trophy", "league"]),
    ("breach", "Hackers stole {count} customer records from the {place} {thing}, {person} confirmed on {day}.",
     ["passwords", "security", "attack", "systems", "encryption", "investigators"]),
    ("outbreak", "Health officials in {place} traced {count} cases of illness to the {thing} on {day}, "
     "{person} said.", ["hospital", "patients", "symptoms", "clinic", "vaccine", "inspectors"]),
]
_THINGS = ["works", "depot", "arena", "exchange", "institute", "market", "bridge", "terminal", "mill", "plant",
           "hall", "harbour", "college", "tower", "cooperative", "yard"]
_FILLER = [
    "Local businesses said they were watching closely and would decide their next steps in the coming days.",
    "Commentators noted that similar events in recent years had drawn far less public attention than this one.",
    "Residents gathered in the evening to share what they had seen and to ask what would happen next.",
    "Officials promised a fuller statement once they had gathered the facts and spoken to everyone involved.",
    "Opposition figures called for an independent review and said questions remained about what went wrong.",
    "Analysts cautioned against drawing firm conclusions before more information became available.",
    "Several people contacted for comment declined to speak on the record while the situation developed.",
    "The episode revived an old argument about planning, investment and who pays when things go badly.",
]
_BIASES = ["left", "lean-left", "center", "center", "lean-right", "right", "unrated"]
_DAY = 86400


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


@dataclass
class SyntheticWeb:
    root: Path  # root/sites/<host>/..., root/sources.json
    articles: int
    outlets: int
    stories: int
    urls: dict[str, int] = field(default_factory=dict)  # article URL -> story number

    @property
    def sites(self) -> Path:
        return self.root / "sites"

    @property
    def sources(self) -> Path:
        return self.root / "sources.json"


def generate_web(root: Path, *, articles: int, outlets: int | None = None, seed: int = 1,
                 start: datetime = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)) -> SyntheticWeb:
    """Write a synthetic web: outlets with one RSS feed each (at most 100 items, the scrape's limit), and
    articles grouped into stories. A story's articles share its names, numbers and event words, and each adds
    sentences of its own; stories are spread over days so that every day has a few hundred at most."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    outlets = outlets or max(8, math.ceil(articles / 40))
    if math.ceil(articles / outlets) > 100:
        raise ValueError("more than 100 articles per outlet: pass more outlets")
    names: set[str] = set()

    def unique(parts: int) -> str:
        for attempt in range(1000):  # a longer name once the short ones are used up
            candidate = _name(rng, parts + attempt // 50)
            if candidate not in names:
                names.add(candidate)
                return candidate
        raise RuntimeError("out of names")

    outlet_list = []
    for i in range(outlets):
        title = unique(2)
        outlet_list.append({"id": f"outlet-{i:04d}", "name": f"The {title} Courier",
                            "host": f"{title.lower()}-{i}.example",
                            "bias": _BIASES[i % len(_BIASES)]})
    sizes: list[int] = []
    while sum(sizes) < articles:
        sizes.append(min(rng.choice([1, 2, 3, 4, 5, 5, 6, 7, 8, 9]), outlets, articles - sum(sizes)))
    span_days = max(2, math.ceil(len(sizes) / 150))  # about 150 new stories a day
    per_outlet: dict[str, list[dict[str, Any]]] = {o["id"]: [] for o in outlet_list}
    web = SyntheticWeb(root=root, articles=articles, outlets=outlets, stories=len(sizes))
    capacity = Counter({o["id"]: 100 for o in outlet_list})
    for number, size in enumerate(sizes):
        kind, lede, words = _EVENTS[number % len(_EVENTS)]
        facts = {"place": unique(3), "person": f"{unique(2)} {unique(2)}", "thing": rng.choice(_THINGS),
                 "count": str(rng.randint(12, 9800))}
        event_at = start + timedelta(seconds=rng.uniform(0, span_days * _DAY))
        facts["day"] = event_at.strftime("%A")
        open_outlets = [o for o in outlet_list if capacity[o["id"]] > 0]
        for outlet in rng.sample(open_outlets, min(size, len(open_outlets))):
            capacity[outlet["id"]] -= 1
            published = event_at + timedelta(minutes=rng.randint(5, 30 * 60))
            tag = hashlib.sha256(f"{number}/{outlet['id']}".encode()).hexdigest()[:8]
            slug = f"{facts['place'].lower()}-{kind}-{tag}"
            url = f"http://{outlet['host']}/{published:%Y/%m/%d}/{slug}"
            web.urls[url] = number
            shuffled = rng.sample(words, len(words))
            title = (f"{facts['place']} {kind}: {facts['person']} and the {facts['thing']} "
                     f"{rng.choice(['under scrutiny', 'in focus', 'at the centre', 'in question'])}")
            paragraphs = [
                lede.format(**facts),
                f"{facts['person']} spoke about the {facts['thing']} in {facts['place']}, where {shuffled[0]} and "
                f"{shuffled[1]} dominated the day and {facts['count']} was the figure everyone repeated.",
                f"In {facts['place']}, the {shuffled[2]} and the {shuffled[3]} were the talk of the town, "
                f"according to people near the {facts['thing']}.",
                *rng.sample(_FILLER, 3),
                f"{outlet['name']} will follow the {kind} in {facts['place']} as the {shuffled[4]} continue.",
            ]
            per_outlet[outlet["id"]].append({"url": url, "title": title, "published": published,
                                             "paragraphs": paragraphs, "summary": paragraphs[0]})
    sources = []
    for outlet in outlet_list:
        site = web.sites / outlet["host"]
        items = sorted(per_outlet[outlet["id"]], key=lambda a: a["published"], reverse=True)
        for item in items:
            path = site / item["url"].split("/", 3)[3] / "index.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_page(item, outlet), encoding="utf-8")
        site.mkdir(parents=True, exist_ok=True)
        (site / "feed.xml").write_text(_feed(items, outlet), encoding="utf-8")
        sources.append({"id": outlet["id"], "name": outlet["name"], "homepage": f"http://{outlet['host']}/",
                        "bias": outlet["bias"], "feeds": [f"http://{outlet['host']}/feed.xml"], "country": "US",
                        "language": "en"})
    web.sources.write_text(json.dumps(sources, indent=1), encoding="utf-8")
    return web


def _page(item: dict[str, Any], outlet: dict[str, Any]) -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in item["paragraphs"])
    when = item["published"].isoformat()
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(item["title"])} - '
            f'{escape(outlet["name"])}</title>\n<link rel="canonical" href="{item["url"]}">\n'
            f'<meta property="article:published_time" content="{when}">\n</head><body>\n'
            f'<header><a href="/">{escape(outlet["name"])}</a></header>\n<article><h1>{escape(item["title"])}</h1>\n'
            f'<time datetime="{when}">{item["published"]:%d %B %Y}</time>\n{body}\n</article>\n'
            f"<footer>{escape(outlet['name'])}, a synthetic outlet of the newsdive load bench.</footer>\n"
            "</body></html>\n")


def _feed(items: list[dict[str, Any]], outlet: dict[str, Any]) -> str:
    entries = "\n".join(
        f"<item><title>{escape(i['title'])}</title><link>{i['url']}</link><guid>{i['url']}</guid>"
        f"<description>{escape(i['summary'])}</description>"
        f"<pubDate>{i['published']:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>" for i in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(outlet["name"])}'
            f'</title><link>http://{outlet["host"]}/</link><description>Synthetic outlet</description>\n{entries}\n'
            "</channel></rss>\n")


# --- measuring ---------------------------------------------------------------------------------------------
def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def losses(web: SyntheticWeb, out: Path) -> dict[str, Any]:
    """Generated articles not published exactly once, and how the published stories match the generated ones."""
    seen: Counter[str] = Counter()
    stories = 0
    pure = 0
    for path in (out / "deep-dives").glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        stories += 1
        urls = [s["url"] for s in doc["sources"]]
        seen.update(urls)
        if len({web.urls.get(u) for u in urls}) == 1:
            pure += 1
    missing = [u for u in web.urls if seen[u] == 0]
    doubled = [u for u, n in seen.items() if n > 1]
    return {"published_articles": sum(seen.values()), "missing": len(missing), "published_twice": len(doubled),
            "missing_examples": missing[:5], "stories_published": stories, "stories_generated": web.stories,
            "stories_from_one_generated_story": pure}


def cost_per_million(summary: Any, by_function: dict[str, dict[str, int]], capacity: dict[str, float],
                     memory_mb: dict[str, int], articles: int, log_bytes: int,
                     invalidation_paths: int) -> dict[str, Any]:
    """USD for 1M articles at PRICES, from this run's measured counts scaled linearly. The scheduled jobs' work
    (SCHEDULED_STAGES: the crawl tick, and the re-clustering and settling the local run does once at the end) is
    left out: on AWS it runs on a schedule whatever the number of articles, and `fixed_monthly_cost` prices it."""
    scale = 1e6 / max(1, articles)
    durations = {k: d for k, d in summary.durations.items() if k not in SCHEDULED_STAGES}
    gb_seconds = sum(sum(d) * memory_mb.get(name, 512) / 1024 for name, d in durations.items())
    invocations = sum(len(d) for d in durations.values())
    flat: Counter[str] = Counter()
    for name, calls in by_function.items():
        if name not in SCHEDULED_STAGES:
            flat.update(calls)
    per_function = getattr(summary, "capacity_by_function", None) or {}
    if per_function:  # the scheduled stages' share out of the run's totals
        capacity = {kind: total - sum(per_function.get(stage, {}).get(kind, 0) for stage in SCHEDULED_STAGES)
                    for kind, total in capacity.items()}
    sqs = sum(n for key, n in flat.items() if key.startswith("sqs."))
    s3_put = sum(n for key, n in flat.items() if key.startswith("s3.") and key[3:] in _S3_PUT_CLASS)
    s3_get = sum(n for key, n in flat.items() if key.startswith("s3.") and key[3:] not in _S3_PUT_CLASS | _S3_FREE)
    parts = {
        "lambda_compute": gb_seconds * PRICES["lambda_gb_second_arm64"],
        "lambda_requests": invocations * PRICES["lambda_request"],
        "sqs": sqs * PRICES["sqs_request_standard"],  # the FIFO queue's share is added below
        "dynamodb_writes": capacity.get("wru", 0) * PRICES["dynamodb_wru"],
        "dynamodb_index_writes": capacity.get("wru_index", 0) * PRICES["dynamodb_wru"],
        "dynamodb_reads": capacity.get("rru", 0) * PRICES["dynamodb_rru"],
        "s3_requests": s3_put * PRICES["s3_put_class"] + s3_get * PRICES["s3_get_class"],
        "cloudwatch_logs": log_bytes / 1e9 * PRICES["logs_ingest_gb"],
        "xray_traces": invocations * PRICES["xray_trace"],
        "cloudfront_invalidations": invalidation_paths * PRICES["cloudfront_invalidation_path"],
    }
    fifo_requests = sum(n for (k, n) in flat.items() if k.startswith("sqs.") and k.endswith("(fifo)"))
    parts["sqs"] += fifo_requests * (PRICES["sqs_request_fifo"] - PRICES["sqs_request_standard"])
    per_million = {k: round(v * scale, 2) for k, v in parts.items()}
    return {"usd_per_million_articles": round(sum(per_million.values()), 2), "by_part": per_million,
            "gb_seconds_per_article": round(gb_seconds / max(1, articles), 5),
            "invocations_per_article": round(invocations / max(1, articles), 4), "prices_date": PRICES_DATE}


def _rate_per_month(expression: str) -> float | None:
    """Invocations a month of a `rate(N unit)` schedule expression; None for one this does not read (cron)."""
    import re

    match = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not match:
        return None
    minutes = int(match.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[match.group(2).rstrip("s")]
    return HOURS_PER_MONTH * 60 / minutes


def template_counts(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the template deploys that costs by the month: CloudWatch alarms and dashboards, and each schedule
    (function, expression, invocations a month; a `!Ref` expression resolves to its parameter's default)."""
    if template is None:
        from newsdive_tools.local.template import load_template
        from newsdive_tools.paths import template_path

        template = load_template(template_path())
    parameters = template.get("Parameters") or {}
    resources = template.get("Resources") or {}
    schedules = []
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event_id, event in sorted(((resource.get("Properties") or {}).get("Events") or {}).items()):
            if event.get("Type") not in ("Schedule", "ScheduleV2"):
                continue
            expression = (event.get("Properties") or {}).get("ScheduleExpression") or (
                event.get("Properties") or {}).get("Schedule")
            if isinstance(expression, dict) and "Ref" in expression:
                expression = (parameters.get(expression["Ref"]) or {}).get("Default")
            schedules.append({"function": logical_id.removesuffix("Function").lower(), "event": event_id,
                              "expression": str(expression), "per_month": _rate_per_month(str(expression))})
    kinds = Counter(r.get("Type") for r in resources.values())
    return {"alarms": kinds["AWS::CloudWatch::Alarm"], "dashboards": kinds["AWS::CloudWatch::Dashboard"],
            "schedules": schedules}


def fixed_monthly_cost(summary: Any, by_function: dict[str, dict[str, int]], memory_mb: dict[str, int],
                       counts: dict[str, Any]) -> dict[str, Any]:
    """USD a month the stack costs whatever the number of articles: its alarms and dashboard (counted in the
    template), the Scheduler invocations, and the scheduled work itself (the crawl tick, the hourly re-clustering
    and settling) priced from this run's measured durations, requests and capacity units per invocation."""
    stage_of = {("schedule", "Tick"): "schedule", ("aggregate", "Recluster"): "recluster",
                ("publish", "Settle"): "settle"}
    per_function = getattr(summary, "capacity_by_function", None) or {}
    parts: dict[str, float] = {
        "cloudwatch_alarms": counts["alarms"] * PRICES["cloudwatch_alarm_month"],
        "cloudwatch_dashboards": counts["dashboards"] * PRICES["cloudwatch_dashboard_month"],
    }
    jobs = []
    for schedule in counts["schedules"]:
        per_month = schedule["per_month"] or 0.0
        stage = stage_of.get((schedule["function"], schedule["event"]), schedule["function"])
        durations = summary.durations.get(stage) or []
        n = max(1, len(durations))
        seconds = statistics.median(durations) if durations else 0.0
        calls = by_function.get(stage, {})
        s3_put = sum(v for k, v in calls.items() if k.startswith("s3.") and k[3:] in _S3_PUT_CLASS) / n
        s3_get = sum(v for k, v in calls.items()
                     if k.startswith("s3.") and k[3:] not in _S3_PUT_CLASS | _S3_FREE) / n
        sqs = sum(v for k, v in calls.items() if k.startswith("sqs.")) / n
        capacity = per_function.get(stage, {})
        wru = (capacity.get("wru", 0) + capacity.get("wru_index", 0)) / n
        rru = capacity.get("rru", 0) / n
        usd = per_month * (
            seconds * memory_mb.get(schedule["function"], 512) / 1024 * PRICES["lambda_gb_second_arm64"]
            + PRICES["lambda_request"] + PRICES["scheduler_invocation"] + wru * PRICES["dynamodb_wru"]
            + rru * PRICES["dynamodb_rru"] + s3_put * PRICES["s3_put_class"] + s3_get * PRICES["s3_get_class"]
            + sqs * PRICES["sqs_request_standard"])
        label = "tick" if stage == "schedule" else stage
        parts[f"scheduled_{label}"] = usd
        jobs.append({"stage": label, "expression": schedule["expression"], "per_month": per_month,
                     "measured_invocations": len(durations), "seconds_p50": round(seconds, 3),
                     "wru": round(wru, 1), "rru": round(rru, 1), "usd_per_month": round(usd, 2)})
    return {"usd_per_month": round(sum(parts.values()), 2), "by_part": {k: round(v, 2) for k, v in parts.items()},
            "alarms": counts["alarms"], "dashboards": counts["dashboards"], "scheduled": jobs,
            "prices_date": PRICES_DATE}


def _memory_sizes() -> dict[str, int]:
    """MemorySize per function from the template (Globals default, then each function's own)."""
    from newsdive_tools.local.template import load_template
    from newsdive_tools.paths import template_path

    template = load_template(template_path())
    default = int(((template.get("Globals") or {}).get("Function") or {}).get("MemorySize", 128))
    sizes = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function" and logical_id.endswith("Function"):
            size = (resource.get("Properties") or {}).get("MemorySize", default)
            sizes[logical_id[: -len("Function")].lower()] = int(size) if isinstance(size, int | str) else default
    return sizes


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    from newsdive_tools.local.runner import RunOptions, run

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="newsdive-bench-"))
    started = time.monotonic()
    web = generate_web(work / "web", articles=args.articles, outlets=args.outlets, seed=args.seed)
    generated = time.monotonic() - started
    parameters = {"FetchHostIntervalSeconds": "0"}  # one local server plays every outlet: no politeness wait
    runs: dict[str, Any] = {}
    plans = [("clean", None)] + ([("chaos", args.chaos)] if args.chaos is not None else [])
    for name, seed in plans:
        out = work / name / "out"
        log = work / name / "run.log"
        summary = run(RunOptions(sources=web.sources, out=out, sites=web.sites, log_file=log, quiet=args.quiet,
                                 workers=args.workers, chaos_seed=seed, chaos_rate=args.chaos_rate,
                                 count_requests=True, parameters=parameters))
        runs[name] = (summary, out, log)
    summary, out, log = runs["clean"]
    result = _report(args, web, summary, out, log, generated)
    if "chaos" in runs:
        chaos_summary, chaos_out, _ = runs["chaos"]
        result["chaos"] = {
            "seed": args.chaos, "injected": chaos_summary.chaos["injected"] if chaos_summary.chaos else {},
            "documents_differing": _differing(out, chaos_out),
            "dead_letters": chaos_summary.dead_letters,
            "losses": losses(web, chaos_out),
        }
    result["workdir"] = str(work)
    return result


def _differing(a: Path, b: Path) -> list[str]:
    files_a = {p.relative_to(a).as_posix(): p.read_bytes() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix(): p.read_bytes() for p in b.rglob("*") if p.is_file()}
    return sorted(k for k in files_a.keys() | files_b.keys() if files_a.get(k) != files_b.get(k))


def _report(args: argparse.Namespace, web: SyntheticWeb, summary: Any, out: Path, log: Path,
            generated_seconds: float) -> dict[str, Any]:
    pipeline_seconds = sum(sum(d) for d in summary.durations.values())
    by_function = dict(summary.requests)
    raw_pages = by_function.get("scrape", {}).get("s3.PutObject", 0)
    by_function.setdefault("s3-notifications", {})["sqs.SendMessage"] = raw_pages  # S3 -> SQS, one per raw page
    flat: Counter[str] = Counter()
    for calls in by_function.values():
        flat.update(calls)
    lost = losses(web, out)
    articles = max(1, web.articles)
    memory = _memory_sizes()
    log_bytes = log.stat().st_size if log.is_file() else 0
    invalidation_paths = _invalidation_paths(log)
    schema_paths = _invalidation_paths(log, schemas=True)
    return {
        "articles": web.articles, "outlets": web.outlets, "stories_generated": web.stories,
        "seconds": {"total": round(summary.seconds, 1), "in_functions": round(pipeline_seconds, 1),
                    "generating_web": round(generated_seconds, 1)},
        "articles_per_minute": round(web.articles / summary.seconds * 60, 1),
        "articles_per_minute_in_functions": round(web.articles / max(pipeline_seconds, 1e-9) * 60, 1),
        "losses": lost, "dead_letters": summary.dead_letters, "workers": args.workers,
        "stages": {name: {"invocations": len(d), "p50": round(statistics.median(d), 4),
                          "p95": round(_percentile(d, 95), 4), "seconds": round(sum(d), 1),
                          "memory_mb": memory.get(name, 512)}
                   for name, d in sorted(summary.durations.items()) if d},
        "requests_per_article": {k: round(v / articles, 3) for k, v in sorted(flat.items())},
        "requests_per_article_total": round(sum(flat.values()) / articles, 2),
        "requests_by_function": by_function,
        "dynamodb_capacity_per_article": {k: round(v / articles, 2) for k, v in summary.capacity.items()},
        "log_bytes_per_article": round(log_bytes / articles),
        "invalidation_paths": invalidation_paths,
        "invalidation_paths_per_deploy": schema_paths,
        # The JSON Schemas change with a deploy, not with the articles: their paths are not scaled to 1M articles.
        "cost": cost_per_million(summary, by_function, summary.capacity, memory, web.articles, log_bytes,
                                 invalidation_paths - schema_paths),
        "fixed_monthly": fixed_monthly_cost(summary, by_function, memory, template_counts()),
    }


def _invalidation_paths(log: Path, *, schemas: bool | None = None) -> int:
    """CDN paths the publish function asked to invalidate (from its log lines), 0 when it logs none;
    `schemas=True` counts only the JSON Schemas' paths, `False` all others."""
    if not log.is_file():
        return 0
    total = 0
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            if '"invalidat' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            paths = entry.get("paths") or entry.get("invalidated")
            if isinstance(paths, list):
                total += sum(1 for p in paths if schemas is None or str(p).startswith("/schemas/") == schemas)
    return total


def print_report(result: dict[str, Any]) -> None:
    lost = result["losses"]
    print(f"articles:        {result['articles']} over {result['outlets']} outlets, {result['stories_generated']} "
          f"generated stories ({result['workers']} worker(s) per stage)")
    print(f"time:            {result['seconds']['total']} s in all, {result['seconds']['in_functions']} s inside the "
          f"functions ({result['seconds']['generating_web']} s to generate the web)")
    print(f"throughput:      {result['articles_per_minute']} articles/min "
          f"({result['articles_per_minute_in_functions']} counting function time only)")
    print(f"published:       {lost['published_articles']} articles in {lost['stories_published']} stories; missing "
          f"{lost['missing']}, published twice {lost['published_twice']}; dead letters "
          f"{sum(result['dead_letters'].values())}")
    print("stage           invocations      p50 s      p95 s    total s   MB")
    for name, stage in result["stages"].items():
        print(f"  {name:<13} {stage['invocations']:>11} {stage['p50']:>10.3f} {stage['p95']:>10.3f} "
              f"{stage['seconds']:>10.1f} {stage['memory_mb']:>4}")
    print(f"AWS requests per article: {result['requests_per_article_total']}")
    for key, value in result["requests_per_article"].items():
        print(f"  {key:<34} {value:>8.3f}")
    capacity = result["dynamodb_capacity_per_article"]
    print(f"DynamoDB capacity per article: {capacity.get('wru', 0)} WRU, plus {capacity.get('wru_index', 0)} WRU "
          f"the global secondary indexes add, {capacity.get('rru', 0)} RRU (estimated from item sizes); logs "
          f"{result['log_bytes_per_article']} bytes per article")
    paths, per_deploy = result.get("invalidation_paths", 0), result.get("invalidation_paths_per_deploy", 0)
    print(f"CDN invalidation paths: {paths} ({paths - per_deploy} for removed documents; {per_deploy} for the JSON "
          f"Schemas, once per deploy, not priced per article)")
    for line in cost_lines(result):
        print(line)
    if "chaos" in result:
        chaos = result["chaos"]
        print(f"chaos seed {chaos['seed']}: injected {chaos['injected']}; documents differing from the clean run: "
              f"{len(chaos['documents_differing'])}; missing {chaos['losses']['missing']}; dead letters "
              f"{sum(chaos['dead_letters'].values())}")


def cost_lines(result: dict[str, Any]) -> list[str]:
    """The one cost account: per million articles, and the fixed monthly cost, from this run's figures."""
    cost, fixed = result["cost"], result["fixed_monthly"]
    lines = [f"cost account (list prices {cost['prices_date']}, us-east-1; free tiers not deducted):",
             f"  per 1M articles: {cost['usd_per_million_articles']:.2f} USD"]
    lines += [f"    {key:<26} {value:>8.2f}" for key, value in cost["by_part"].items()]
    lines.append(f"  fixed per month: {fixed['usd_per_month']:.2f} USD ({fixed['alarms']} alarms, "
                 f"{fixed['dashboards']} dashboard(s), {len(fixed['scheduled'])} schedules)")
    lines += [f"    {key:<26} {value:>8.2f}" for key, value in fixed["by_part"].items()]
    lines += [f"    {job['stage']}: {job['expression']}, {job['per_month']:.0f} a month x ({job['seconds_p50']} s, "
              f"{job['wru']} WRU, {job['rru']} RRU measured over {job['measured_invocations']} invocation(s))"
              for job in fixed["scheduled"]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsdive bench pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=positive_int, default=1000,
                        help="articles in the synthetic web (default 1000)")
    parser.add_argument("--outlets", type=positive_int, help="outlets (default: one per 40 articles, at least 8)")
    parser.add_argument("--workers", type=positive_int, default=1, help="pollers per queue stage (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic web")
    parser.add_argument("--chaos", type=int, metavar="SEED", help="also run under faults and compare the documents")
    parser.add_argument("--chaos-rate", type=float, default=0.2)
    parser.add_argument("--workdir", help="where the web, documents, logs and figures.json go (default: a temporary "
                                          "folder, no figures.json)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    result = run_bench(args)
    if args.workdir:  # the figures stay beside the run's logs, whichever form was printed
        (Path(args.workdir) / "figures.json").write_text(json.dumps(result, sort_keys=True, indent=1) + "\n",
                                                          encoding="utf-8")
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print_report(result)
        print(f"work folder: {result['workdir']}")
    ok = result["losses"]["missing"] == 0 and result["losses"]["published_twice"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
