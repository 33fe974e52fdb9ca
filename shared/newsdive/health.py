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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from newsdive.text import word_count

if TYPE_CHECKING:
    from newsdive.article import ExtractedArticle
    from newsdive.messages import RawPageMeta
    from newsdive.sources import Source
    from newsdive.storage.crawl import CrawlControl, DayHealth, RegistryEntry, SourceState
    from newsdive.storage.ports import ObjectStore

HEALTH_TTL_DAYS = 35
WINDOW_DAYS = 7
FAILING_STREAK = 2  # failed scrapes (slots) in a row before a source counts as failing
MIN_PARSED_FOR_QUALITY = 5  # parse quality is judged once this many pages were parsed in the window
STATUS_KEY = "sources/status.json"
STATUS_SCHEMA_KEY = "schemas/v1/source-status.schema.json"

Flag = Literal["paywall", "script-rendered", "truncated"]
Status = Literal["ok", "new", "stale", "failing", "degraded"]

# --- article quality -----------------------------------------------------------------------------------------

# Notices, in the language of the page (a page whose language is unknown is read with every language's). Kinds:
# - "paywall": a subscription notice; it counts only with a body too short to be the article (links to other
#   subscriber articles carry the same words);
# - "cut": the page says the rest of this article is for subscribers ("Il vous reste 57% de cet article à lire"):
#   the body is a teaser however long it is;
# - "script": a notice that the page needs JavaScript or a newer browser.
# Each language's phrases are matched on text of that language only.
_NOTICES: dict[str, dict[str, str]] = {
    "en": {
        "paywall": r"(?:subscribe|subscription|sign[ -]?in|log[ -]?in|register|become a (?:member|subscriber))\b"
                   r"[^.!?]{0,60}?\bto (?:continue|keep) reading"
                   r"|\bto (?:continue|keep) reading\b[^.!?]{0,40}?\b(?:subscribe|sign[ -]?in|log[ -]?in|register)"
                   r"|(?:article|story|content|page) is (?:only )?(?:available )?(?:for|to) (?:paying )?"
                   r"(?:subscribers|members)"
                   r"|(?:for|to) subscribers only|subscribers[- ]only|already a (?:subscriber|member)\?"
                   r"|you(?:'ve| have) (?:reached|used) (?:your|the|all) (?:limit|maximum|free articles)"
                   r"|free articles? (?:left|remaining)|to read (?:the full|this|the rest of this) (?:article|story)\b"
                   r"[^.!?]{0,30}(?:subscribe|sign in|log in)",
        "cut": r"the rest of this (?:article|story) is (?:only )?(?:available )?(?:for|to) (?:subscribers|members)"
               r"|\d[\d.,]*\s?% of (?:this|the) (?:article|story) (?:remains|is left) to read",
        "script": r"(?:enable|turn on|activate|allow) javascript"
                  r"|javascript (?:is )?(?:required|disabled|must be enabled)"
                  r"|requires? javascript|browser (?:does not|doesn't) support javascript"
                  r"|your (?:web )?browser is (?:no longer|not) supported",
    },
    "de": {
        "paywall": r"(?:nur|exklusiv) für (?:\w+-)?(?:abonnenten|abonnentinnen|abonnent\*innen)"
                   r"|(?:jetzt|gleich) (?:abonnieren|abo abschließen) und weiterlesen|bereits abonnent(?:in)?\?"
                   r"|sie haben bereits ein (?:digital-)?abo\?|um (?:den|diesen) (?:ganzen |vollständigen )?artikel"
                   r" (?:weiter|zu ende )?zu lesen",
        "cut": r"(?:der rest|der vollständige text) (?:des|dieses) artikels ist (?:nur )?für abonnenten",
        "script": r"javascript (?:aktivieren|einschalten)|aktivieren sie javascript"
                  r"|ihr browser wird nicht (?:mehr )?unterstützt",
    },
    "fr": {
        "paywall": r"réservée? (?:aux|à nos) abonnés|déjà abonné(?:e)?\s?\?|abonnez-vous pour (?:lire|continuer)"
                   r"|pour lire la suite",
        "cut": r"il vous reste \d[\d.,]*\s?% de (?:cet|l’|l')\s?article à lire"
               r"|la suite est réservée (?:aux|à nos) abonnés",
        "script": r"(?:activer|activez) (?:le )?javascript"
                  r"|votre navigateur n(?:’|')est plus (?:pris en charge|supporté)",
    },
    "es": {
        "paywall": r"(?:exclusiv[oa]|solo|sólo) para (?:suscriptores|socios|abonados)|¿ya eres suscriptor"
                   r"|suscríbete para (?:seguir|continuar) leyendo|para seguir leyendo",
        "cut": r"(?:el resto de|la continuación de) (?:este|la) (?:artículo|noticia) es (?:exclusiv[oa] )?"
               r"(?:para|solo para) suscriptores",
        "script": r"(?:habilita|habilitar|activa|activar) (?:el )?javascript"
                  r"|tu navegador (?:ya )?no es compatible",
    },
    "it": {
        "paywall": r"riservat[oa] (?:agli|ai) abbonati|sei già abbonato\?|abbonati per (?:continuare a )?leggere",
        "cut": r"il resto dell(?:’|')articolo è riservato agli abbonati",
        "script": r"(?:abilita|attiva) javascript",
    },
    "pt": {
        "paywall": r"exclusiv[oa] para assinantes|já é assinante\?|assine para continuar (?:lendo|a ler)",
        "cut": r"o resto (?:deste|do) artigo é exclusivo para assinantes",
        "script": r"(?:ative|habilite) o javascript",
    },
    "sv": {"paywall": r"för (?:våra )?prenumeranter|redan prenumerant\?",
           "script": r"aktivera javascript"},
    "pl": {"paywall": r"dla (?:prenumeratorów|subskrybentów)|masz już prenumeratę\?",
           "script": r"włącz javascript"},
    "ja": {
        "paywall": r"有料会員(?:限定|登録)|会員限定記事|この記事は有料記事です|続きを読むには",
        "cut": r"残り\d+文字|この記事の続きは(?:有料)?会員",
        "script": r"javascriptを有効",
    },
    "zh": {
        "paywall": r"付费(?:内容|阅读|会员)|会员专享|订阅(?:后|即可)(?:阅读|查看)",
        "cut": r"剩余\d+%|订阅后阅读全文|付费阅读全文",
        "script": r"(?:启用|开启)\s?javascript",
    },
    "ko": {"paywall": r"유료 회원|구독자 전용|프리미엄 회원", "cut": r"나머지 기사는 구독",
           "script": r"자바스크립트를 활성화"},
    "ru": {
        "paywall": r"только для подписчиков|доступ(?:ен|но) (?:только )?подписчикам|оформите подписку",
        "script": r"включите javascript",
    },
}
_NOTICE_CACHE: dict[tuple[str, str], re.Pattern[str]] = {}


def _notice(kind: str, language: str | None) -> re.Pattern[str]:
    """The notice pattern of a kind for a language ("" or unknown: every language's)."""
    lang = (language or "").split("-")[0].lower()
    if lang not in _NOTICES:
        lang = ""
    key = (kind, lang)
    if key not in _NOTICE_CACHE:
        phrases = [n[kind] for code, n in _NOTICES.items() if kind in n and code == (lang or code)]
        _NOTICE_CACHE[key] = re.compile("|".join(f"(?:{p})" for p in phrases) or "(?!)", re.I)
    return _NOTICE_CACHE[key]


def notice_languages() -> list[str]:
    """The languages whose paywall and script notices are recognised."""
    return sorted(_NOTICES)


_PAYWALL_MARKUP = re.compile(
    r"paywall|subscriber-only|subscribers-only|premium-(?:content|article|story)|regwall|registration-wall"
    r"|meter(?:ed)?-(?:wall|content)|article-locked|locked-content|piano-(?:offer|template)|tp-modal",
    re.I,
)
_SITE_CHROME = re.compile(r"login|log-in|sign|user|account|header|nav|menu|footer|profile", re.I)
_APP_ROOTS = ("root", "app", "__next", "__nuxt", "svelte", "ember-app", "main-app")
_STATE_SCRIPTS = re.compile(r"__NEXT_DATA__|__NUXT__|__INITIAL_STATE__|__PRELOADED_STATE__|__APOLLO_STATE__")
FULL_ARTICLE_WORDS = 250  # a body this long is an article whatever notices surround it
TEASER_WORDS = 150
SHELL_WORDS = 50


def _not_free(html: bytes) -> bool:
    """Google's paywall markup: JSON-LD "isAccessibleForFree": false (or "False")."""
    return re.search(rb'"isAccessibleForFree"\s*:\s*"?(?:false|False)"?', html) is not None


def _page_signals(html: bytes) -> dict[str, object]:
    import lxml.etree
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return {"text": "", "markup": False, "noscript": "", "shell": False, "script_bytes": 0, "lang": None}
    script_bytes = sum(len(s.text or "") for s in doc.iter("script"))
    noscript = " ".join(n.text_content() for n in doc.iter("noscript"))
    markup = False
    for el in doc.iter():
        if not isinstance(el.tag, str) or not (el.get("class") or el.get("id")):
            continue
        names = f"{el.get('class', '')} {el.get('id', '')}"
        # a paywall box says something; login buttons and account menus in the site's header do not count
        if _PAYWALL_MARKUP.search(names) and not _SITE_CHROME.search(names) \
                and word_count(el.text_content()) >= 5:
            markup = True
            break
    shell = False
    for el in doc.iter("div", "main", "section"):
        if el.get("id") in _APP_ROOTS or el.get("data-reactroot") is not None:
            shell = word_count(el.text_content()) < SHELL_WORDS
            break
    for bad in doc.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    body = doc.find("body")
    text = " ".join((body if body is not None else doc).text_content().split())
    return {"text": text, "markup": markup, "noscript": noscript, "shell": shell, "script_bytes": script_bytes,
            "lang": doc.get("lang")}


def page_flags(html: bytes, *, words: int | None, feed_words: int = 0, language: str | None = None) -> list[Flag]:
    """Flags of a fetched page, given the extracted body's word count (None when extraction found no article),
    the word count of the feed's description of the item (0 when there was none) and the page's language (else
    its `lang` attribute; notices are read in that language, see `_NOTICES`).

    - paywall: the page says so (JSON-LD isAccessibleForFree false) and the body is short of a full article,
      or a subscription notice or paywall markup comes with a body too short to be the article;
    - script-rendered: almost no text, and an app shell, JavaScript notice or page state shipped as script;
    - truncated: the body is much shorter than the feed's own description, or a teaser behind a paywall (short,
      or of any length when the page says the rest of the article is for subscribers).
    """
    body_words = words or 0
    not_free = _not_free(html)
    if body_words >= FULL_ARTICLE_WORDS and body_words * 2 >= feed_words and not not_free:
        return []  # the common case costs no second parse
    signals = _page_signals(html)
    text = str(signals["text"])
    lang = language or (str(signals["lang"]) if signals["lang"] else None)
    flags: list[Flag] = []
    short = body_words < TEASER_WORDS
    cut = _notice("cut", lang).search(text) is not None
    # A page marked not free whose full text came through anyway (a metered paywall, a subscriber's copy) is not
    # flagged: the flag is about what we got, not about the outlet's business model.
    if (not_free and (body_words < FULL_ARTICLE_WORDS or cut)) or (
            short and (_notice("paywall", lang).search(text) or signals["markup"])):
        flags.append("paywall")
    script_heavy = int(signals["script_bytes"]) > 10 * max(len(text), 1)  # type: ignore[call-overload]
    if body_words < SHELL_WORDS and (
        signals["shell"] or _notice("script", lang).search(f"{signals['noscript']} {text}") or _STATE_SCRIPTS.search(
            html.decode("utf-8", "ignore")) or (script_heavy and word_count(text) < SHELL_WORDS)):
        flags.append("script-rendered")
    if words is not None and (
        (feed_words >= 40 and body_words * 2 < feed_words) or ("paywall" in flags and (short or cut))
    ):
        flags.append("truncated")
    return flags


def flagged_stub(html: bytes, meta: RawPageMeta) -> tuple[ExtractedArticle, list[Flag]] | None:
    """For a page the extractor found no article in: when it is a paywall or a script-rendered shell, the
    article's headline and description without its notice text (the outlet still covers the story), with the
    flags; else None."""
    flags = page_flags(html, words=None, feed_words=meta.feed_words)
    if not flags:
        return None
    from newsdive.errors import ExtractionError
    from newsdive.extract import page_metadata

    try:  # the page's own metadata: section, times, authors, canonical URL, language (what the story needs)
        found = page_metadata(html, url=meta.final_url, content_type=meta.content_type or None,
                              country=meta.source_ref.country)
    except ExtractionError:
        return None
    title = meta.feed_title or found.title
    if not title:
        return None
    stub = found.model_copy(update={"title": title, "paragraphs": []})
    return stub, flags


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
    from newsdive.storage.crawl import RegistryEntry
    from newsdive.urls import host_of

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
    """The status document's JSON Schema, as checked into schemas/v1 (newsdive.documents.json_schemas)."""
    from newsdive.documents import json_schemas

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


# --- command line and local runs -------------------------------------------------------------------------------


def run_health(stack: object, session: object, sources: Sequence[Source], log_file: object = None) -> dict:
    """After a local run: every source's health read back from the stack's crawl table, saved beside the log
    (sources-health.json) and summed up in one line for the run's summary."""
    from pathlib import Path

    from newsdive.storage.crawl_dynamo import DynamoCrawlControl

    env = stack.functions["schedule"].environment  # type: ignore[attr-defined]
    client = session.client("dynamodb", endpoint_url=stack.endpoint_url,  # type: ignore[attr-defined]
                            region_name=stack.region)  # type: ignore[attr-defined]
    control = DynamoCrawlControl(env["CRAWL_TABLE"], client=client)
    healths = source_health(sources, control, now=datetime.now(UTC),
                            stale_hours=float(env.get("SOURCE_STALE_HOURS", 24)),
                            min_parse_share=float(env.get("SOURCE_MIN_PARSE_SHARE", 0.5)))
    counts: dict[str, int] = {}
    for h in healths:
        counts[h.status] = counts.get(h.status, 0) + 1
    parsed = sum(h.parsed for h in healths)
    well = sum(h.parsed_well for h in healths)
    line = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none"
    if parsed:
        line += f" · pages parsed well {well}/{parsed}"
    flagged = sum(h.flagged for h in healths)
    if flagged:
        line += f" · flagged {flagged}"
    lost = sum(h.lost for h in healths)
    if lost:
        line += f" · articles lost {lost}"
    out: dict = {"line": line, "counts": counts, "sources": [h.model_dump(mode="json") for h in healths]}
    if log_file is not None:
        path = Path(str(log_file)).with_name("sources-health.json")
        path.write_text(json.dumps(out["sources"], indent=1, sort_keys=True) + "\n", encoding="utf-8")
        out["file"] = str(path)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """`newsdive sources health`: read the crawl table of a deployed stack or a kept local one."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="newsdive sources",
        description="Source health from the crawl table: last success, error streak, items per day, the share of "
                    "pages that parse well. Finds the table through the stack's outputs (CrawlTableName) unless "
                    "--table is given.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    health = sub.add_parser("health", help="print every configured source's health")
    health.add_argument("--stack", default="newsdive-local", help="CloudFormation stack (default: newsdive-local)")
    health.add_argument("--table", help="crawl table name (default: the stack's CrawlTableName output)")
    health.add_argument("--endpoint-url", help="AWS endpoint, e.g. the moto server of `newsdive demo --keep`")
    health.add_argument("--region", help="AWS region (default: the environment's, else us-east-1)")
    health.add_argument("--stale-hours", type=float, default=24.0, help="a source is stale after this (default 24)")
    health.add_argument("--min-parse-share", type=float, default=0.5,
                        help="a source is degraded below this share of pages parsing well (default 0.5)")
    health.add_argument("--json", action="store_true", help="print the status document as JSON")
    args = parser.parse_args(argv)

    import os

    import boto3

    from newsdive.storage.crawl_dynamo import DynamoCrawlControl

    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    if args.endpoint_url:  # a local moto server accepts any credentials
        for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):  # noqa: S105
            os.environ.setdefault(key, value)
    session = boto3.session.Session(region_name=region)
    table = args.table
    if not table:
        cfn = session.client("cloudformation", endpoint_url=args.endpoint_url)
        try:
            outputs = cfn.describe_stacks(StackName=args.stack)["Stacks"][0].get("Outputs", [])
        except Exception as exc:  # noqa: BLE001 - one clear line
            print(f"newsdive sources: cannot read stack {args.stack!r}: {exc} (pass --table)", file=sys.stderr)
            return 1
        table = next((o["OutputValue"] for o in outputs if o["OutputKey"] == "CrawlTableName"), None)
        if not table:
            print(f"newsdive sources: stack {args.stack!r} has no CrawlTableName output", file=sys.stderr)
            return 1
    control = DynamoCrawlControl(table, client=session.client("dynamodb", endpoint_url=args.endpoint_url))
    registry = control.registry()
    if not registry:
        print(f"newsdive sources: no sources registered in {table} yet (the schedule function writes them)",
              file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    healths = source_health([SourceInfo(e.id, e.name, e.stale_after_hours) for e in registry], control, now=now,
                            stale_hours=args.stale_hours, min_parse_share=args.min_parse_share)
    if args.json:
        document = status_document(healths, as_of=now).model_dump(mode="json", by_alias=True)
        print(json.dumps(document, indent=1, sort_keys=True))
    else:
        print(format_table(healths, now=now))
    return 0
