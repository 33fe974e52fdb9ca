"""One invocation of the scrape function: a batch of scrape requests (SQS), each source's feeds read and new pages
stored, within the invocation's own deadline. One `ScrapeRun` per invocation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

from newsdive.model.messages import ScrapeRequest
from newsdive.runtime import wiring as default_wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.observability import log_failures
from newsdive.runtime.records import ScrapeRecord
from newsdive.scrape.accounting import account
from newsdive.scrape.stage import ScrapeFailedError, scrape

DEADLINE_RESERVE_SECONDS = 8.0  # left, after the last page, for the batch's own bookkeeping


class ScrapeRun:
    """`scrape_once` is the handler's idempotent wrapper around `scrape` (called as `scrape_once(request=...,
    run=self)`); it stays in the handler because Powertools keys its records by the wrapped function's name."""

    def __init__(self, logger: Any, metrics: Any, context: Any, *, scrape_once: Callable[..., dict],
                 wiring: Any = default_wiring) -> None:
        self.logger, self.metrics, self.wiring, self.scrape_once = logger, metrics, wiring, scrape_once
        # epoch seconds by which this invocation's scraping must be done (this invocation's own, never shared)
        self.deadline = time.time() + context.get_remaining_time_in_millis() / 1000 - DEADLINE_RESERVE_SECONDS
        self.processor = BatchProcessor(event_type=EventType.SQS, model=ScrapeRecord,
                                        raise_on_entire_batch_failure=False)  # all-failed is logged per record too

    def batch(self, event: dict, context: Any) -> dict:
        """Each request; the partial batch response."""
        handler = log_failures(self.logger, "scrape request")(self.record)
        return run_batch(event, context, self.processor, handler, self.logger, self.metrics)

    def record(self, record: ScrapeRecord) -> dict:
        self.logger.append_keys(source_id=record.body.source.id, slot=record.body.slot)
        return self.scrape_once(request=record.body, run=self)

    def scrape(self, request: ScrapeRequest) -> dict:
        """One source; the feeds that worked count even when another failed. What the idempotency record keeps."""
        try:
            report = scrape(request, self.wiring.scraper(), deadline=self.deadline)
        except ScrapeFailedError as exc:
            account(exc.report, request.source.id, self.logger, self.metrics)
            raise
        account(report, request.source.id, self.logger, self.metrics)
        return {"source_id": report.source_id, "stored": report.stored}
