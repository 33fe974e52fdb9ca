"""scrape: for each scrape request (SQS), read the source's feeds and store new pages in the raw bucket."""

from __future__ import annotations

import time
from functools import partial

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.model.messages import ScrapeRequest
from newsdive.runtime import settings as cfg
from newsdive.runtime import wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.idempotency import idempotency
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer, log_failures
from newsdive.runtime.records import ScrapeRecord
from newsdive.scrape.accounting import account
from newsdive.scrape.stage import ScrapeFailedError, scrape

logger, metrics, tracer = get_logger("scrape"), get_metrics("scrape"), get_tracer("scrape")
SETTINGS = cfg.settings(cfg.ScrapeSettings)
processor = BatchProcessor(event_type=EventType.SQS, model=ScrapeRecord,
                           raise_on_entire_batch_failure=False)  # an all-failed batch is logged per record too
# A request is one source in one schedule slot: a duplicate delivery returns the first result.
config, once = idempotency("[source.id, slot]", table=SETTINGS.idempotency_table, hours=6, argument="request")
DEADLINE_RESERVE_SECONDS = 8.0


@once
def scrape_once(request: ScrapeRequest, deadline: float | None = None) -> dict:
    try:
        report = scrape(request, wiring.scraper(), deadline=deadline)
    except ScrapeFailedError as exc:
        account(exc.report, request.source.id, logger, metrics)  # the feeds that worked were handled: they count
        raise
    account(report, request.source.id, logger, metrics)
    return {"source_id": report.source_id, "stored": report.stored}


@log_failures(logger, "scrape request")
def record_handler(record: ScrapeRecord, deadline: float | None = None) -> dict:
    logger.append_keys(source_id=record.body.source.id, slot=record.body.slot)
    return scrape_once(request=record.body, deadline=deadline)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    config.register_lambda_context(context)
    # epoch seconds by which this invocation's scraping must be done (this invocation's own, never shared)
    deadline = time.time() + context.get_remaining_time_in_millis() / 1000 - DEADLINE_RESERVE_SECONDS
    return run_batch(event, context, processor, partial(record_handler, deadline=deadline), logger, metrics)
