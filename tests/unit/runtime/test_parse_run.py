"""One parse invocation (newsdive.runtime.parse_run) on the memory adapters: a raw page parsed and handed on, its
verdict kept for source health; notifications it ignores; a page lost on its last delivery."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from newsdive.model.messages import RawPageMeta
from newsdive.runtime import settings as cfg
from newsdive.runtime.parse_run import ParseRun

from .fakes import NO_FAILURES, failed, messages

ROOT = Path(__file__).resolve().parents[3]


PARSE = cfg.ParseSettings(raw_bucket="raw", aggregate_queue_url="aggregate", crawl_table="crawl", max_receive_count=5)
PAGE = ROOT / "tests" / "fixtures" / "sites" / "www.politepaper.example" / "news" / "harbour-bridge-reopens.html"


def notification(bucket: str, key: str) -> str:
    return json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": bucket},
                                                                            "object": {"key": key}}}]})


def raw_page(wiring, key: str = "raw/harbour.html.gz") -> str:
    url = "http://www.politepaper.example/news/harbour-bridge-reopens"
    meta = RawPageMeta(source_id="polite-paper", source_name="The Polite Paper", source_bias="center", url=url,
                       final_url=url, feed_title="Harbour bridge reopens", fetched_at="2026-11-20T11:05:00+00:00",
                       feed_published_at="2026-11-20T11:00:00+00:00", content_type="text/html")
    wiring.bucket("raw").put(key, gzip.compress(PAGE.read_bytes()), content_type="text/html", metadata=meta.to_s3())
    return key


def test_a_raw_page_is_parsed_handed_to_aggregate_and_its_verdict_kept(wiring, logger, metrics, context):
    key = raw_page(wiring)
    assert ParseRun(PARSE, logger, metrics, wiring=wiring).batch(messages(notification("raw", key)), context) == (
        NO_FAILURES)
    assert metrics.added["ArticlesParsed"] == 1 and len(wiring.queue("aggregate").messages) == 1
    assert "article parsed" in logger.messages("info")
    [verdicts] = wiring.crawl.verdicts.values()
    assert verdicts == {key: "ok"}


def test_notifications_for_other_buckets_and_test_events_are_ignored(wiring, logger, metrics, context):
    event = messages(notification("elsewhere", "raw/x.html.gz"), json.dumps({"Event": "s3:TestEvent"}))
    assert ParseRun(PARSE, logger, metrics, wiring=wiring).batch(event, context) == NO_FAILURES
    assert logger.messages() == ["ignored notification"] and "ArticlesParsed" not in metrics.added


def test_a_page_that_fails_on_its_last_delivery_counts_against_its_source(wiring, logger, metrics, context,
                                                                           monkeypatch):
    from newsdive.runtime import parse_run

    def timing_out(key, deps):
        raise TimeoutError("read timed out")

    monkeypatch.setattr(parse_run, "parse", timing_out)
    run = ParseRun(PARSE, logger, metrics, wiring=wiring)
    first, last = raw_page(wiring, "raw/a.html.gz"), raw_page(wiring, "raw/b.html.gz")
    event = messages(notification("raw", first), notification("raw", last), deliveries=("1", "5"))
    assert failed(run.batch(event, context)) == ["m0", "m1"]
    [verdicts] = wiring.crawl.verdicts.values()
    assert verdicts == {last: "failed:TimeoutError"}

