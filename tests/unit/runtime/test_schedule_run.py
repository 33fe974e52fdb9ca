"""One schedule tick (newsdive.runtime.schedule_run) on the memory adapters: due sources sent once per slot; a
health check that fails never fails the tick."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from newsdive.runtime import settings as cfg
from newsdive.runtime.schedule_run import ScheduleRun

SCHEDULE = cfg.ScheduleSettings(sources_bucket="config", scrape_queue_url="scrape", crawl_table="crawl")
SOURCES = [{"id": "harbour-line", "name": "The Harbour Line", "homepage": "http://www.harbourline.example/",
            "feeds": ["http://www.harbourline.example/feed.xml"]},
           {"id": "polite-paper", "name": "The Polite Paper", "homepage": "http://www.politepaper.example/",
            "feeds": ["http://www.politepaper.example/feed.xml"]}]
TICK = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def sources_file(wiring):
    wiring.bucket("config").put(SCHEDULE.sources_key, json.dumps(SOURCES).encode(), content_type="application/json")


def test_a_tick_sends_one_request_per_due_source_and_registers_the_sources(wiring, logger, metrics, sources_file):
    assert ScheduleRun(SCHEDULE, logger, metrics, wiring=wiring).tick(TICK) == {"due": ["harbour-line",
                                                                                       "polite-paper"]}
    assert len(wiring.queue("scrape").messages) == 2 and metrics.added["SourcesDue"] == 2
    assert {e.id for e in wiring.crawl.registry()} == {"harbour-line", "polite-paper"}
    # the same tick again: the slots are claimed, nothing is sent twice
    assert ScheduleRun(SCHEDULE, logger, metrics, wiring=wiring).tick(TICK) == {"due": []}
    assert len(wiring.queue("scrape").messages) == 2


def test_a_failed_health_check_never_fails_the_tick(wiring, logger, metrics, sources_file, monkeypatch):
    def unreachable(entries):
        raise ConnectionError("crawl table unreachable")

    monkeypatch.setattr(wiring.crawl, "put_registry", unreachable)
    assert len(ScheduleRun(SCHEDULE, logger, metrics, wiring=wiring).tick(TICK)["due"]) == 2
    assert metrics.added["HealthCheckFailed"] == 1 and "source health not checked" in logger.messages("exception")

