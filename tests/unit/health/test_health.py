"""Article quality flags and source health: pages that are no article are flagged, not published as junk, and a
source that stops producing or parsing shows it (figures, status, the published status document)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from newsdive.aggregate.bias import BlindspotRule
from newsdive.aggregate.stage import member_of
from newsdive.health.sources import (
    SourceInfo,
    SourceStatusDocument,
    format_table,
    parse_verdict,
    publish_source_status,
    record_parse,
    record_parse_failure,
    record_stage_failure,
    source_health,
)
from newsdive.model.errors import NoArticleError
from newsdive.model.messages import RawPageMeta
from newsdive.model.sources import Source
from newsdive.model.story import StoryRecord, with_member
from newsdive.parse.flags import page_flags
from newsdive.parse.stage import Parser, parse
from newsdive.publish.render import deep_dive
from newsdive.storage.memory import MemoryCrawlControl, MemoryObjectStore, MemoryQueue
from newsdive.storage.ports import ScrapeOutcome

SITE = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "www.politepaper.example"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ARTICLE = (SITE / "news" / "harbour-bridge-reopens.html").read_bytes()
PAYWALL = (SITE / "news" / "cannery-site.html").read_bytes()
SCRIPTED = (SITE / "news" / "storm-map.html").read_bytes()
NOTICE = b"""<!doctype html><html><head><title>Ferry fares</title></head><body><article><h1>Ferry fares rise</h1>
<p>Fares on the island ferry will rise in the spring, the operator said on Monday.</p>
<div class="article-end"><p>You have reached your limit of free articles this month.
Subscribe to continue reading.</p></div></article></body></html>"""


# --- flags -----------------------------------------------------------------------------------------------------


def test_a_full_article_is_not_flagged():
    assert page_flags(ARTICLE, words=209, feed_words=15) == []


def test_paywall_markup_and_notices_flag_the_page_and_its_teaser_as_truncated():
    assert page_flags(PAYWALL, words=32, feed_words=70) == ["paywall", "truncated"]
    assert page_flags(NOTICE, words=14) == ["paywall", "truncated"]


def test_a_script_rendered_shell_is_flagged():
    assert page_flags(SCRIPTED, words=None) == ["script-rendered"]
    shell = b"<html><body><div id='__next'></div><script id='__NEXT_DATA__'>{}</script></body></html>"
    assert page_flags(shell, words=0) == ["script-rendered"]


# Our own notice pages, one per language: (language, teaser paragraph, notice).
NOTICES = [
    ("de", "Die Fährpreise zur Insel steigen im Frühjahr, teilte der Betreiber am Montag mit.",
     "Dieser Artikel ist nur für Abonnenten. Bereits Abonnent? Hier anmelden."),
    ("fr", "Les tarifs du bac vers l’île augmenteront au printemps, a annoncé l’exploitant lundi.",
     "Article réservé aux abonnés. Déjà abonné ? Se connecter."),
    ("es", "Las tarifas del ferri a la isla subirán en primavera, anunció el operador el lunes.",
     "Contenido exclusivo para suscriptores. ¿Ya eres suscriptor? Inicia sesión."),
    ("ja", "島へのフェリー運賃が春に値上がりすると、運航会社が月曜日に発表した。",
     "この記事は有料会員限定です。続きを読むには有料会員登録が必要です。"),
    ("zh", "岛上渡轮的票价将于春季上涨，运营商周一宣布。", "本文为付费内容，订阅后阅读全文。"),
]


def _notice_page(language: str, teaser: str, notice: str, *, extra: str = "", free: bool = True) -> bytes:
    marker = "" if free else '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false}' \
                             "</script>"
    return (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">{marker}</head><body><article>'
            f"<h1>…</h1><p>{teaser}</p>{extra}<div class='article-end'><p>{notice}</p></div></article></body>"
            "</html>").encode()


@pytest.mark.parametrize(("language", "teaser", "notice"), NOTICES, ids=[n[0] for n in NOTICES])
def test_a_subscription_notice_is_read_in_the_pages_language(language: str, teaser: str, notice: str):
    page = _notice_page(language, teaser, notice)
    assert page_flags(page, words=20, language=language) == ["paywall", "truncated"]
    assert page_flags(page, words=20) == ["paywall", "truncated"]  # from <html lang>


def test_notices_of_one_language_are_not_read_on_a_page_of_another():
    german = _notice_page("de", NOTICES[0][1], "Subscribe to continue reading. Already a subscriber?")
    assert page_flags(german, words=20, language="de") == []
    french = _notice_page("fr", NOTICES[1][1], "Dieser Artikel ist nur für Abonnenten.")
    assert page_flags(french, words=20, language="fr") == []


def test_a_long_teaser_that_says_the_rest_is_for_subscribers_is_flagged_as_cut():
    body = "".join(f"<p>{NOTICES[1][1]} Le conseil municipal votera le budget du port en décembre.</p>"
                   for _ in range(20))
    cut = "Il vous reste 57.09% de cet article à lire. La suite est réservée aux abonnés."
    page = _notice_page("fr", NOTICES[1][1], cut, extra=body, free=False)
    assert page_flags(page, words=400, language="fr") == ["paywall", "truncated"]
    whole = _notice_page("fr", NOTICES[1][1], "Article réservé aux abonnés", extra=body, free=False)
    assert page_flags(whole, words=400, language="fr") == []  # a subscriber's full copy: nothing missing


def test_a_browser_or_javascript_notice_in_the_language_marks_a_script_rendered_shell():
    for language, notice in [("de", "Bitte aktivieren Sie JavaScript."), ("fr", "Veuillez activer JavaScript."),
                             ("es", "Habilita JavaScript para ver esta página."),
                             ("en", "Your web browser is no longer supported.")]:
        page = f"<html lang='{language}'><body><p>{notice}</p></body></html>".encode()
        assert page_flags(page, words=None) == ["script-rendered"], language


def test_a_body_much_shorter_than_the_feeds_description_is_truncated():
    assert page_flags(ARTICLE, words=30, feed_words=80) == ["truncated"]
    assert page_flags(ARTICLE, words=30, feed_words=50) == []  # not much shorter
    assert page_flags(ARTICLE, words=10, feed_words=12) == []  # a short description says little


def test_the_parse_verdict_names_the_flags_or_the_failure():
    assert parse_verdict([]) == "ok"
    assert parse_verdict(["paywall", "truncated"]) == "flagged:paywall,truncated"
    assert parse_verdict(error=NoArticleError("x")) == "failed:NoArticleError"


# --- parse: flagged articles keep their headline, lose their notice text, and show the flag -----------------------


def _parse(html: bytes, url: str, feed_title: str, feed_words: int = 10):  # noqa: ANN202
    raw = MemoryObjectStore()
    meta = RawPageMeta(source_id="polite-paper", source_name="The Polite Paper", source_bias="center", url=url,
                       final_url=url, feed_title=feed_title, feed_published_at="2026-11-20T11:00:00+00:00",
                       fetched_at="2026-11-20T11:05:00+00:00", content_type="text/html", feed_words=feed_words)
    raw.put("raw/x.html.gz", gzip.compress(html), content_type="text/html", metadata=meta.to_s3())
    return parse("raw/x.html.gz", Parser(raw=raw, aggregate_queue=MemoryQueue()))


def test_a_script_rendered_page_becomes_a_flagged_article_without_text():
    article = _parse(SCRIPTED, "http://www.politepaper.example/news/storm-map", "Live map: where the storm hit")
    assert article.flags == ["script-rendered"] and article.paragraphs == []
    assert article.title == "Live map: where the storm hit"
    assert article.description == "An interactive map of storm damage reported by readers."


def test_a_flagged_page_keeps_what_its_markup_says_section_time_authors_language():
    """A script-only page has no body, but its markup still says what it is about and when: the stub keeps it
    (a Korean politics page without its body was `general` and undated before)."""
    page = ('<!doctype html><html lang="ko"><head><meta charset="utf-8">'
            '<meta property="og:title" content="국회, 예산안 처리 합의">'
            '<meta property="article:section" content="정치">'
            '<meta property="article:published_time" content="2026-11-20T09:30:00+09:00">'
            '<meta name="author" content="김하늘">'
            '<link rel="canonical" href="http://www.politepaper.example/politics/budget-deal">'
            '</head><body><div id="app"></div><noscript>자바스크립트를 활성화하세요</noscript>'
            '<script>window.__STATE__={"article":"..."}</script></body></html>').encode()
    article = _parse(page, "http://www.politepaper.example/politics/budget-deal?ref=feed", "국회, 예산안 처리 합의")
    assert article.flags == ["script-rendered"] and article.paragraphs == []
    assert article.section == "정치" and article.language == "ko" and article.authors == ["김하늘"]
    assert article.published_at is not None and article.published_at.isoformat() == "2026-11-20T09:30:00+09:00"
    assert article.url == "http://www.politepaper.example/politics/budget-deal"  # its canonical URL
    assert member_of(article).category == "politics"


# Our own Korean script shell: the section only in <meta name="content_category"> (as Hankook Ilbo writes it), the
# title joined to it by a bare dash, and what the article says only in its description.
KOREAN_SHELL = ('<!doctype html><html lang="ko"><head><meta charset="utf-8">'
                '<title>시의회, 버스 요금 동결안 통과-정치ㅣ바다일보</title>'
                '<meta property="og:title" content="시의회, 버스 요금 동결안 통과-정치ㅣ바다일보">'
                '<meta property="og:site_name" content="바다일보">'
                '<meta name="content_category" content="정치">'
                '<meta name="content_subcategory" content="지방자치">'
                '<meta name="description" content="시의회가 내년 버스 요금을 동결하는 조례안을'
                ' 통과시켰다. 야당 의원들은 표결에 앞서 예산 부담을 지적했고 시장은 선거 공약을 지켰다고 밝혔다.">'
                '</head><body><div id="root"></div><noscript>자바스크립트를 활성화하세요</noscript>'
                '<script>window.__DATA__={"id":1}</script></body></html>').encode()


def test_a_section_named_only_in_content_category_reaches_the_stub_and_its_category():
    """GIVEN a body-less Korean page that names its section only in `content_category`, WHEN it is parsed, THEN
    the stub keeps the section, its title loses the "-정치" and outlet suffix, and its category is politics."""
    article = _parse(KOREAN_SHELL, "http://www.politepaper.example/News/Read/A2026112010", "")
    assert article.flags == ["script-rendered"] and article.paragraphs == []
    assert article.section == "정치"
    assert article.title == "시의회, 버스 요금 동결안 통과"
    assert member_of(article).category == "politics"


def test_a_paywalled_teaser_is_flagged_and_the_flag_reaches_the_deep_dives_source_entry():
    article = _parse(PAYWALL, "http://www.politepaper.example/news/cannery-site",
                     "Inside the fight over the old cannery site", feed_words=70)
    assert article.flags == ["paywall", "truncated"]
    assert not any("Subscribe" in p for p in article.paragraphs)
    member = member_of(article)
    assert member.flags == ["paywall", "truncated"]
    story = with_member(StoryRecord(story_id=article.id), member, BlindspotRule())
    [entry] = deep_dive(story, []).sources
    assert entry.flags == ["paywall", "truncated"]


def test_a_page_without_article_and_without_a_paywall_still_fails():
    with pytest.raises(NoArticleError):
        _parse(b"<html><head><title>Gallery</title></head><body><img src='a.jpg'></body></html>",
               "http://www.politepaper.example/gallery", "Gallery")


# --- source health -----------------------------------------------------------------------------------------------


def _scraped(control: MemoryCrawlControl, source_id: str, at: datetime, *, success: bool = True, stored: int = 1,
             slot: str | None = None) -> None:
    control.record_scrape(source_id, ScrapeOutcome(name=source_id, slot=slot or at.isoformat(), at=at.isoformat(),
                                                   success=success, error=None if success else "HTTP 500",
                                                   stored=stored))
    control.add_day_counts(source_id, at.date().isoformat(), {"checks": 1, "stored": stored}, ttl_seconds=1,
                           now=at.timestamp())


SOURCES = [SourceInfo("fine", "Fine"), SourceInfo("quiet", "Quiet"), SourceInfo("broken", "Broken"),
           SourceInfo("mangled", "Mangled"), SourceInfo("weekly", "Weekly", stale_after_hours=200),
           SourceInfo("brand-new", "Brand New")]


def _state() -> MemoryCrawlControl:
    control = MemoryCrawlControl()
    for day in (2, 1, 0):
        _scraped(control, "fine", NOW - timedelta(days=day, hours=1), stored=4)
    _scraped(control, "quiet", NOW - timedelta(hours=30))
    _scraped(control, "quiet", NOW - timedelta(hours=1), stored=0)
    _scraped(control, "broken", NOW - timedelta(hours=3))
    for slot in ("a", "a", "a", "b", "c"):  # retries of slot a count once
        _scraped(control, "broken", NOW - timedelta(hours=1), success=False, stored=0, slot=slot)
    _scraped(control, "mangled", NOW - timedelta(hours=1), stored=6)
    for i in range(6):
        record_parse(control, "mangled", f"raw/{i}", "ok" if i < 2 else "failed:NoArticleError", now=NOW)
    for i in range(3):
        record_parse(control, "fine", f"raw/f{i}", "ok", now=NOW)
    record_parse(control, "fine", "raw/f0", "ok", now=NOW)  # a redelivered record: its verdict is overwritten
    _scraped(control, "weekly", NOW - timedelta(hours=100))
    for source_id in ("quiet", "broken", "weekly"):  # their stored pages parsed (a source with none is degraded)
        record_parse(control, source_id, f"raw/{source_id}", "ok", now=NOW)
    return control


def test_health_figures_and_status_of_each_source():
    healths = {h.id: h for h in source_health(SOURCES, _state(), now=NOW, stale_hours=24, min_parse_share=0.5)}
    fine = healths["fine"]
    assert fine.status == "ok" and fine.items_per_day == 4.0 and fine.parsed == 3 and fine.parse_share == 1.0
    assert healths["quiet"].status == "stale" and "nothing new for 30 h" in healths["quiet"].problems[0]
    broken = healths["broken"]
    assert broken.status == "failing" and broken.error_streak == 3 and broken.last_error == "HTTP 500"
    assert broken.last_success_at == NOW - timedelta(hours=3)
    mangled = healths["mangled"]
    assert mangled.status == "degraded" and mangled.parse_share == pytest.approx(0.333, abs=1e-3)
    assert healths["weekly"].status == "ok"  # its own limit is 200 h
    assert healths["brand-new"].status == "new" and healths["brand-new"].last_attempt_at is None


def test_a_source_whose_every_check_failed_is_failing_from_the_first_slot():
    """One failed slot of a source that has never fetched anything is not "ok" (a run that fetched nothing must
    not look fine); one failed slot after earlier successes is still a blip."""
    control = MemoryCrawlControl()
    _scraped(control, "never", NOW - timedelta(hours=1), success=False, stored=0)
    _scraped(control, "blip", NOW - timedelta(hours=2))
    _scraped(control, "blip", NOW - timedelta(hours=1), success=False, stored=0)
    record_parse(control, "blip", "raw/b0", "ok", now=NOW)
    healths = {h.id: h for h in source_health([SourceInfo("never", "Never"), SourceInfo("blip", "Blip")], control,
                                              now=NOW)}
    assert healths["never"].status == "failing" and healths["never"].error_streak == 1
    assert healths["never"].problems[0].startswith("every check failed, none has succeeded yet: HTTP 500")
    assert healths["blip"].status == "ok"


def test_a_success_ends_the_error_streak():
    control = _state()
    _scraped(control, "broken", NOW)
    [broken] = source_health([SourceInfo("broken", "Broken")], control, now=NOW)
    assert broken.status == "ok" and broken.error_streak == 0 and broken.last_error is None


def test_a_page_that_failed_to_parse_counts_against_the_source_named_in_its_metadata():
    control = MemoryCrawlControl()
    raw = MemoryObjectStore()
    raw.put("raw/k.html.gz", b"", content_type="text/html", metadata={"source-id": "mangled"})
    record_parse_failure(control, raw, "raw/k.html.gz", NoArticleError("no body"), now=NOW)
    assert control.verdicts[("mangled", "2026-11-21")] == {"raw/k.html.gz": "failed:NoArticleError"}


def test_the_status_document_follows_its_schema_and_is_written_only_when_it_changes():
    healths = source_health(SOURCES, _state(), now=NOW)
    public = MemoryObjectStore()
    assert publish_source_status(public, healths, as_of=NOW) == ["sources/status.json",
                                                                 "schemas/v1/source-status.schema.json"]
    assert publish_source_status(public, healths, as_of=NOW) == []
    document = json.loads(public.objects["sources/status.json"].body)
    schema = json.loads(public.objects["schemas/v1/source-status.schema.json"].body)
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["$schema"] == "/schemas/v1/source-status.schema.json" and document["schema_version"] == "1.0"
    assert document["counts"] == {"degraded": 1, "failing": 1, "new": 1, "ok": 2, "stale": 1}
    assert [s["id"] for s in document["sources"]] == sorted(s.id for s in SOURCES)
    assert SourceStatusDocument.model_validate(document).as_of == NOW
    assert public.objects["sources/status.json"].content_type == "application/json; charset=utf-8"


def test_the_health_table_names_each_problem():
    table = format_table(source_health(SOURCES, _state(), now=NOW), now=NOW)
    assert "broken                   failing" in table and "3 failed checks in a row: HTTP 500" in table
    assert table.splitlines()[-1] == "6 sources: 1 degraded, 1 failing, 1 new, 2 ok, 1 stale"


def test_source_info_comes_from_a_source():
    source = Source(id="s", name="S", homepage="http://s.test/", stale_after_hours=48)
    assert SourceInfo.of(source) == SourceInfo("s", "S", 48)


# --- every stage counts (issue 16) -------------------------------------------------------------------------------


def _healthy_source(control: MemoryCrawlControl, source_id: str, *, parsed: int = 3) -> None:
    _scraped(control, source_id, NOW - timedelta(hours=1), stored=parsed)
    for i in range(parsed):
        record_parse(control, source_id, f"raw/{source_id}-{i}", "ok", now=NOW)


def test_articles_lost_at_aggregate_or_publish_make_their_source_degraded():
    control = MemoryCrawlControl()
    for source_id in ("steady", "leaky"):
        _healthy_source(control, source_id)
    record_stage_failure(control, "leaky", "aggregate", "a1", ModuleNotFoundError("No module named 'MeCab'"),
                         now=NOW)
    record_stage_failure(control, "leaky", "aggregate", "a1", ModuleNotFoundError("again"), now=NOW)  # redelivery
    record_stage_failure(control, "leaky", "publish", "a2", KeyError("doc"), now=NOW)
    healths = {h.id: h for h in source_health([SourceInfo("steady", "Steady"), SourceInfo("leaky", "Leaky")],
                                              control, now=NOW)}
    assert healths["steady"].status == "ok" and healths["steady"].lost == 0
    leaky = healths["leaky"]
    assert leaky.status == "degraded" and leaky.parse_share == 1.0
    assert (leaky.lost, leaky.lost_by_stage) == (2, {"aggregate": 1, "publish": 1})
    assert leaky.lost_reasons == {"aggregate:ModuleNotFoundError": 1, "publish:KeyError": 1}
    assert leaky.problems == ["2 article(s) lost (1 at aggregate, 1 at publish; most: publish:KeyError)"]


def test_a_page_lost_at_parse_counts_but_a_page_without_an_article_does_not():
    control = MemoryCrawlControl()
    _healthy_source(control, "gallery-heavy", parsed=6)
    record_parse(control, "gallery-heavy", "raw/gallery", "failed:NoArticleError", now=NOW)
    _healthy_source(control, "broken-parser", parsed=6)
    record_parse(control, "broken-parser", "raw/cjk", "failed:ModuleNotFoundError", now=NOW)
    healths = {h.id: h for h in source_health([SourceInfo("gallery-heavy", "G"), SourceInfo("broken-parser", "B")],
                                              control, now=NOW)}
    assert healths["gallery-heavy"].status == "ok" and healths["gallery-heavy"].lost == 0
    assert healths["broken-parser"].status == "degraded"
    assert healths["broken-parser"].lost_by_stage == {"parse": 1}


def test_a_source_whose_stored_pages_never_parse_is_not_ok():
    control = MemoryCrawlControl()
    _scraped(control, "silent", NOW - timedelta(hours=1), stored=4)  # four pages stored, no verdict at all
    [silent] = source_health([SourceInfo("silent", "Silent")], control, now=NOW)
    assert silent.status == "degraded" and silent.parsed == 0
    assert silent.problems == ["4 page(s) stored, none parsed"]


def test_the_status_schema_carries_the_losses():
    schema = SourceStatusDocument.model_json_schema(by_alias=True)
    health = schema["$defs"]["SourceHealth"]["properties"]
    assert {"lost", "lost_by_stage", "lost_reasons"} <= set(health)
