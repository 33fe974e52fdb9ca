"""scrape: for each scrape request (SQS), read the source's feeds and store new pages in the raw bucket."""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.model.messages import ScrapeRequest
from newsdive.runtime import settings as cfg
from newsdive.runtime import wiring
from newsdive.runtime.batch import log_batch_failures
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer, log_failures
from newsdive.runtime.records import ScrapeRecord
from newsdive.scrape.stage import ScrapeFailedError, ScrapeReport, scrape

logger, metrics, tracer = get_logger("scrape"), get_metrics("scrape"), get_tracer("scrape")
SETTINGS = cfg.settings(cfg.ScrapeSettings)
processor = BatchProcessor(event_type=EventType.SQS, model=ScrapeRecord,
                           raise_on_entire_batch_failure=False)  # an all-failed batch is logged per record too
# A request is one source in one schedule slot: a duplicate delivery returns the first result.
idempotency = IdempotencyConfig(event_key_jmespath='[source.id, slot]', expires_after_seconds=6 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=SETTINGS.idempotency_table)
_deadline: list[float | None] = [None]  # epoch seconds by which this invocation's scraping must be done
DEADLINE_RESERVE_SECONDS = 8.0


@idempotent_function(data_keyword_argument="request", config=idempotency, persistence_store=persistence)
def scrape_once(request: ScrapeRequest) -> dict:
    try:
        report = scrape(request, wiring.scraper(), deadline=_deadline[0])
    except ScrapeFailedError as exc:
        _account(request, exc.report)  # the feeds that worked were handled: their figures count
        raise
    _account(request, report)
    return {"source_id": report.source_id, "stored": report.stored}


def _account(request: ScrapeRequest, report: ScrapeReport) -> None:
    for name, value in (("PagesStored", len(report.stored)), ("PagesFailed", len(report.failed)),
                        ("FeedsChecked", report.feeds), ("FeedsNotModified", report.not_modified),
                        ("PagesDeferred", report.deferred), ("RobotsDisallowed", len(report.disallowed)),
                        ("Duplicates", len(report.duplicates))):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="HostWaitSeconds", unit=MetricUnit.Seconds, value=report.waited_seconds)
    for key in report.stored:  # the first line of an article's journey: the id is its item URL's hash
        logger.info("page stored", source_id=request.source.id, raw_key=key,
                    article_id=key.removeprefix("raw/").split(".", 1)[0])
    for url, reason in report.failed:
        logger.warning("page not fetched", source_id=request.source.id, url=url, reason=reason)
    for url in report.disallowed:
        logger.info("page disallowed by robots.txt", source_id=request.source.id, url=url)
    for dup in report.duplicates:
        logger.info("duplicate", source_id=request.source.id, url=dup.url, kind=dup.kind,
                    first_source=dup.first_source, first_feed=dup.first_feed)
    logger.info("source scraped", source_id=request.source.id, items=report.items, stored=len(report.stored),
                already_seen=report.already_seen, feeds=report.feeds, not_modified=report.not_modified,
                skipped=report.skipped, deferred=report.deferred, waited_seconds=report.waited_seconds,
                discovered=report.discovered, errors=[u for u, _ in report.errors])


@log_failures(logger, "scrape request")
def record_handler(record: ScrapeRecord) -> dict:
    logger.append_keys(source_id=record.body.source.id, slot=record.body.slot)
    return scrape_once(request=record.body)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    idempotency.register_lambda_context(context)
    _deadline[0] = time.time() + context.get_remaining_time_in_millis() / 1000 - DEADLINE_RESERVE_SECONDS
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    metrics.add_metric(name="RecordsSucceeded", unit=MetricUnit.Count, value=len(processor.success_messages))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(processor.fail_messages))
    log_batch_failures(logger, processor, metrics)  # the reason a dead letter will be shown with
    return response
