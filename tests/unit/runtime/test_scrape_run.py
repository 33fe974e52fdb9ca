"""One scrape invocation (newsdive.runtime.scrape_run): each request scraped within the invocation's deadline; the
feeds that worked count even when another failed."""

from __future__ import annotations

from datetime import UTC, datetime

from newsdive.runtime.scrape_run import DEADLINE_RESERVE_SECONDS, ScrapeRun
from newsdive.scrape.stage import ScrapeFailedError, ScrapeReport
from newsdive_tools.local.event_shapes import load_event

from .fakes import NO_FAILURES


def test_a_scrape_request_is_scraped_within_the_invocations_deadline(wiring, logger, metrics, context, monkeypatch):
    from newsdive.runtime import scrape_run

    calls = []

    def scrape(request, deps, *, deadline):
        calls.append(deadline)
        return ScrapeReport(source_id=request.source.id, feeds=1, stored=["raw/a.html.gz"])

    monkeypatch.setattr(scrape_run, "scrape", scrape)
    monkeypatch.setattr(wiring, "scraper", lambda: object(), raising=False)
    run = ScrapeRun(logger, metrics, context, scrape_once=lambda request, run: run.scrape(request), wiring=wiring)
    assert run.batch(load_event("scrape_request"), context) == NO_FAILURES
    [deadline] = calls
    assert deadline == run.deadline
    assert 0 < deadline - datetime.now(UTC).timestamp() <= 60 - DEADLINE_RESERVE_SECONDS
    assert metrics.added["PagesStored"] == 1 and metrics.added["FeedsChecked"] == 1


def test_the_feeds_that_worked_count_when_another_failed(wiring, logger, metrics, context, monkeypatch):
    from newsdive.runtime import scrape_run

    def scrape(request, deps, *, deadline):
        report = ScrapeReport(source_id=request.source.id, feeds=2, stored=["raw/a.html.gz"],
                              errors=[("http://www.harbourline.example/feed.xml", "timed out")])
        raise ScrapeFailedError(request.source.id, report)

    monkeypatch.setattr(scrape_run, "scrape", scrape)
    monkeypatch.setattr(wiring, "scraper", lambda: object(), raising=False)
    run = ScrapeRun(logger, metrics, context, scrape_once=lambda request, run: run.scrape(request), wiring=wiring)
    assert len(run.batch(load_event("scrape_request"), context)["batchItemFailures"]) == 1
    assert metrics.added["PagesStored"] == 1 and metrics.added["RecordsFailed"] == 1

