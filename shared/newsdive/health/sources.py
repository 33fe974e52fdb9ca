"""Source health and article quality: notice when a source breaks, and flag pages that are not articles.

Per source the crawl table keeps the last attempt, success and new item, the error streak (once per schedule
slot), per-day counters (pages stored, feeds checked or unchanged, duplicates, pages failed), the parse
verdict of each stored page and each article lost at a later stage (aggregate, publish: the record carries its
source id). From these `source_health` derives what operators and frontends need: items per day, the share of
articles that parse well, the articles lost per stage, and a status (ok, stale, failing, degraded, new).

A source is `degraded` when its articles do not come through: fewer than the minimum share parse well, any
article was lost at parse, aggregate or publish within the window (a failure no retry fixes, or its retries
spent; a page without an article is no loss), or pages were stored and none parsed. It is `ok` only when what it
stores gets through.

Article quality: a paywalled, script-rendered or truncated page is flagged (`paywall`, `script-rendered`,
`truncated`) instead of publishing its notice text as if it were the article.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from newsdive.model.sources import Source
    from newsdive.storage.ports import CrawlControl, DayHealth, ObjectStore, RegistryEntry, SourceState


HEALTH_TTL_DAYS = 35
WINDOW_DAYS = 7
FAILING_STREAK = 2  # failed scrapes (slots) in a row before a source counts as failing
MIN_PARSED_FOR_QUALITY = 5  # parse quality is judged once this many pages were parsed in the window
STATUS_KEY = "sources/status.json"
STATUS_SCHEMA_KEY = "schemas/v1/source-status.schema.json"
Status = Literal["ok", "new", "stale", "failing", "degraded"]


def parse_verdict(flags: Sequence[str] = (), error: BaseException | None = None) -> str:
    """How a stored page parsed: "ok", "flagged:<flags>" or "failed:<error type>"."""
    if error is not None:
        return f"failed:{type(error).__name__}"
    return "flagged:" + ",".join(flags) if flags else "ok"


def day_of(when: datetime) -> str:
    return when.astimezone(UTC).date().isoformat()


def record_parse(control: CrawlControl, source_id: str, raw_key: str, verdict: str, *, now: datetime) -> None:
    control.record_parse(source_id, day_of(now), raw_key, verdict, ttl_seconds=HEALTH_TTL_DAYS * 86400,
                         now=now.timestamp())


STAGES = ("parse", "aggregate", "publish")
# Parse failures that say the page holds no article (a gallery, an index, a PDF): they lower the parse share, but
# no article was lost.
NOT_ARTICLES = frozenset({"NoArticleError", "NotHtmlError"})


def record_stage_failure(control: CrawlControl, source_id: str, stage: str, item_key: str, error: BaseException, *,
                         now: datetime) -> None:
    """An article of `source_id` lost at `stage` (aggregate, publish): it counts against the source."""
    control.record_failure(source_id, day_of(now), stage, item_key, type(error).__name__,
                           ttl_seconds=HEALTH_TTL_DAYS * 86400, now=now.timestamp())


def record_parse_failure(control: CrawlControl, raw: ObjectStore, raw_key: str, error: BaseException, *,
                         now: datetime) -> None:
    """A page that failed to parse for good counts against its source (found through the page's metadata)."""
    metadata = raw.head(raw_key)
    source_id = (metadata or {}).get("source-id")
    if source_id:
        record_parse(control, source_id, raw_key, parse_verdict(error=error), now=now)


# --- source health -------------------------------------------------------------------------------------------


class Duplicates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cross_feed: int = 0
    cross_source: int = 0


class SourceHealth(BaseModel):
    """One source's health over the last WINDOW_DAYS days."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    status: Status
    problems: list[str] = Field(default_factory=list, description="Why the status is not ok, in words")
    last_attempt_at: AwareDatetime | None = None
    last_success_at: AwareDatetime | None = None
    last_new_item_at: AwareDatetime | None = None
    next_check_at: AwareDatetime | None = None
    error_streak: Annotated[int, Field(ge=0, description="Failed schedule slots in a row")] = 0
    last_error: str | None = None
    items_per_day: Annotated[float, Field(ge=0, description="New pages stored per day over the window")] = 0.0
    checks: Annotated[int, Field(ge=0)] = 0
    unchanged_checks: Annotated[int, Field(ge=0, description="Checks answered 304 or with an unchanged body")] = 0
    parsed: Annotated[int, Field(ge=0)] = 0
    parsed_well: Annotated[int, Field(ge=0)] = 0
    parse_share: Annotated[float | None, Field(ge=0, le=1, description="Share of parsed pages without a flag "
                                                                       "or failure; null before any")] = None
    flagged: Annotated[int, Field(ge=0, description="Pages flagged paywall/script-rendered/truncated")] = 0
    failed_pages: Annotated[int, Field(ge=0, description="Pages that could not be fetched")] = 0
    lost: Annotated[int, Field(ge=0, description="Articles that failed a stage for good (parse, aggregate, "
                                                 "publish): a failure no retry fixes, or retries spent")] = 0
    lost_by_stage: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Lost articles per stage, e.g. {\"aggregate\": 2}")
    lost_reasons: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Lost articles per stage and error type, e.g. "
                                          "{\"aggregate:ModuleNotFoundError\": 2}")
    duplicates: Duplicates = Field(default_factory=Duplicates)
    window_days: int = WINDOW_DAYS


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def window_days(now: datetime, days: int = WINDOW_DAYS) -> list[str]:
    return [day_of(now - timedelta(days=i)) for i in range(days)]


@dataclass(frozen=True)
class SourceInfo:
    """What health needs of a source (also what the registry in the crawl table keeps)."""

    id: str
    name: str
    stale_after_hours: float | None = None

    @classmethod
    def of(cls, source: Source | SourceInfo) -> SourceInfo:
        return source if isinstance(source, SourceInfo) else cls(source.id, source.name, source.stale_after_hours)


def registry_entry(source: Source) -> RegistryEntry:
    """What the crawl table lists of a configured source (see RegistryEntry). Its homepage (host and path) says
    whose articles a link points to: feeds and sitemaps often live on shared hosts (a CDN, a feed proxy) that say
    nothing about it."""
    from newsdive.scrape.urls import host_of
    from newsdive.storage.ports import RegistryEntry

    try:
        hosts: tuple[str, ...] = (host_of(source.homepage),)
    except ValueError:
        hosts = ()
    return RegistryEntry(source.id, source.name, source.stale_after_hours, hosts, source.homepage)


def assess(source: Source | SourceInfo, state: SourceState | None, days: Iterable[DayHealth], *, now: datetime,
           stale_hours: float, min_parse_share: float) -> SourceHealth:
    """A source's health from its state and its day records."""
    counts: dict[str, int] = {}
    verdicts: list[str] = []
    failures: list[str] = []
    active_days: set[str] = set()
    for day in days:
        for name, value in day.counts.items():
            counts[name] = counts.get(name, 0) + value
        verdicts.extend(day.verdicts.values())
        failures.extend(day.failures.values())
        if day.counts.get("checks") or day.verdicts:
            active_days.add(day.day)
    parsed = len(verdicts)
    parsed_well = sum(1 for v in verdicts if v == "ok")
    reasons: dict[str, int] = {}
    parse_losses = [f"parse:{v.removeprefix('failed:')}" for v in verdicts
                    if v.startswith("failed:") and v.removeprefix("failed:") not in NOT_ARTICLES]
    for reason in parse_losses + failures:
        reasons[reason] = reasons.get(reason, 0) + 1
    by_stage: dict[str, int] = {}
    for reason, n in reasons.items():
        stage = reason.split(":", 1)[0]
        by_stage[stage] = by_stage.get(stage, 0) + n
    health = SourceHealth(
        id=source.id, name=source.name, status="ok",
        last_attempt_at=_time(state.last_attempt_at) if state else None,
        last_success_at=_time(state.last_success_at) if state else None,
        last_new_item_at=_time(state.last_new_item_at) if state else None,
        next_check_at=_time(state.next_check_at) if state else None,
        error_streak=state.error_streak if state else 0,
        last_error=(state.last_error if state and state.error_streak else None),
        items_per_day=round(counts.get("stored", 0) / max(1, len(active_days)), 2),
        checks=counts.get("checks", 0), unchanged_checks=counts.get("unchanged", 0),
        parsed=parsed, parsed_well=parsed_well,
        parse_share=round(parsed_well / parsed, 3) if parsed else None,
        flagged=sum(1 for v in verdicts if v.startswith("flagged:")),
        failed_pages=counts.get("failed_pages", 0),
        lost=sum(by_stage.values()), lost_by_stage=dict(sorted(by_stage.items())),
        lost_reasons=dict(sorted(reasons.items())),
        duplicates=Duplicates(cross_feed=counts.get("dup_cross_feed", 0),
                              cross_source=counts.get("dup_cross_source", 0)),
    )
    problems: list[str] = []
    status: Status = "ok"
    if state is None or not state.last_attempt_at:
        return health.model_copy(update={"status": "new"})
    limit = timedelta(hours=source.stale_after_hours or stale_hours)
    since = _time(state.last_new_item_at) or _time(state.first_seen_at)
    if since is not None and now - since > limit:
        status = "stale"
        hours = (now - since).total_seconds() / 3600
        problems.append(f"nothing new for {hours:.0f} h (limit {limit.total_seconds() / 3600:.0f} h)")
    if health.parse_share is not None and parsed >= MIN_PARSED_FOR_QUALITY and health.parse_share < min_parse_share:
        status = "degraded"
        problems.append(f"only {health.parse_share:.0%} of {parsed} pages parsed well (minimum {min_parse_share:.0%})")
    if health.lost:
        status = "degraded"
        stages = ", ".join(f"{n} at {stage}" for stage, n in health.lost_by_stage.items())
        top = max(reasons.items(), key=lambda kv: (kv[1], kv[0]))[0]
        problems.append(f"{health.lost} article(s) lost ({stages}; most: {top})")
    stored = counts.get("stored", 0)
    if stored and not parsed:
        status = "degraded"
        problems.append(f"{stored} page(s) stored, none parsed")
    if health.error_streak >= FAILING_STREAK:
        status = "failing"
        problems.insert(0, f"{health.error_streak} failed checks in a row: {state.last_error or 'error'}")
    elif health.error_streak and not state.last_success_at:  # one slot, and it never fetched anything: not "ok"
        status = "failing"
        problems.insert(0, f"every check failed, none has succeeded yet: {state.last_error or 'error'}")
    return health.model_copy(update={"status": status, "problems": problems})


def source_health(sources: Sequence[Source | SourceInfo], control: CrawlControl, *, now: datetime,
                  stale_hours: float = 24, min_parse_share: float = 0.5) -> list[SourceHealth]:
    """Health of every source, from one batched read of source states and one of the window's day records."""
    sources = [SourceInfo.of(s) for s in sources]
    ids = [s.id for s in sources]
    states = control.source_states(ids)
    by_source: dict[str, list[DayHealth]] = {}
    for day in control.day_health(ids, window_days(now)):
        by_source.setdefault(day.source_id, []).append(day)
    return [assess(s, states.get(s.id), by_source.get(s.id, []), now=now, stale_hours=stale_hours,
                   min_parse_share=min_parse_share) for s in sorted(sources, key=lambda s: s.id)]


# --- the published status document ----------------------------------------------------------------------------


class SourceStatusDocument(BaseModel):
    """sources/status.json: every configured source's health, for frontends and status pages."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_version: Literal["1.0"] = "1.0"
    schema_url: Annotated[str, Field(alias="$schema")] = "/" + STATUS_SCHEMA_KEY
    kind: Literal["source-status"] = "source-status"
    as_of: AwareDatetime = Field(description="The schedule tick this status was computed at")
    counts: dict[str, int] = Field(description="Sources per status")
    sources: list[SourceHealth]


def status_document(healths: Sequence[SourceHealth], *, as_of: datetime) -> SourceStatusDocument:
    counts: dict[str, int] = {}
    for h in healths:
        counts[h.status] = counts.get(h.status, 0) + 1
    return SourceStatusDocument(as_of=as_of, counts=dict(sorted(counts.items())), sources=list(healths))


def status_schema() -> dict:
    """The status document's JSON Schema, as checked into schemas/v1 (newsdive.model.documents.json_schemas)."""
    from newsdive.model.documents import json_schemas

    return json_schemas()["source-status.schema.json"]


def _json(data: object) -> bytes:
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def publish_source_status(store: ObjectStore, healths: Sequence[SourceHealth], *, as_of: datetime,
                          cache_control_seconds: int = 60) -> list[str]:
    """Write sources/status.json (and its JSON Schema) into the public bucket when their bytes changed."""
    written = []
    documents = {
        STATUS_KEY: _json(status_document(healths, as_of=as_of).model_dump(mode="json", by_alias=True)),
        STATUS_SCHEMA_KEY: _json(status_schema()),
    }
    for key, body in documents.items():
        digest = hashlib.sha256(body).hexdigest()
        existing = store.head(key)
        if existing is not None and existing.get("sha256") == digest:
            continue
        store.put(key, body, content_type="application/json; charset=utf-8", metadata={"sha256": digest},
                  cache_control=f"public, max-age={cache_control_seconds}")
        written.append(key)
    return written


def format_table(healths: Sequence[SourceHealth], *, now: datetime) -> str:
    """The `newsdive sources health` table."""

    def ago(when: datetime | None) -> str:
        if when is None:
            return "never"
        hours = (now - when).total_seconds() / 3600
        return f"{hours * 60:.0f} min ago" if hours < 1 else f"{hours:.1f} h ago"

    header = f"{'source':24} {'status':9} {'last success':>14} {'last new item':>14} {'errors':>6} " \
             f"{'items/day':>9} {'parse ok':>9} {'flagged':>7} {'dups':>5}"
    lines = [header, "-" * len(header)]
    for h in healths:
        share = f"{h.parse_share:.0%}" if h.parse_share is not None else "-"
        dups = h.duplicates.cross_feed + h.duplicates.cross_source
        lines.append(f"{h.id[:24]:24} {h.status:9} {ago(h.last_success_at):>14} {ago(h.last_new_item_at):>14} "
                     f"{h.error_streak:>6} {h.items_per_day:>9.1f} {share:>9} {h.flagged:>7} {dups:>5}")
        lines.extend(f"    {p}" for p in h.problems)
    counts: dict[str, int] = {}
    for h in healths:
        counts[h.status] = counts.get(h.status, 0) + 1
    lines.append("-" * len(header))
    lines.append(f"{len(healths)} sources: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return "\n".join(lines)
