"""scrape: for each scrape request (SQS), read the source's feeds and store new pages in the raw bucket."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive import settings as cfg
from newsdive import wiring
from newsdive.events import ScrapeRecord
from newsdive.messages import ScrapeRequest
from newsdive.observability import get_logger, get_metrics, get_tracer, log_failures
from newsdive.scrape import scrape

logger, metrics, tracer = get_logger("scrape"), get_metrics("scrape"), get_tracer("scrape")
SETTINGS = cfg.settings(cfg.ScrapeSettings)
processor = BatchProcessor(event_type=EventType.SQS, model=ScrapeRecord)
# A request is one source in one schedule slot: a duplicate delivery returns the first result.
idempotency = IdempotencyConfig(event_key_jmespath='[source.id, slot]', expires_after_seconds=6 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=SETTINGS.idempotency_table)


@idempotent_function(data_keyword_argument="request", config=idempotency, persistence_store=persistence)
def scrape_once(request: ScrapeRequest) -> dict:
    report = scrape(request, wiring.scraper())
    metrics.add_metric(name="PagesStored", unit=MetricUnit.Count, value=len(report.stored))
    metrics.add_metric(name="PagesFailed", unit=MetricUnit.Count, value=len(report.failed))
    for url, reason in report.failed:
        logger.warning("page not fetched", source_id=request.source.id, url=url, reason=reason)
    logger.info("source scraped", source_id=request.source.id, items=report.items, stored=len(report.stored),
                already_seen=report.already_seen)
    return {"source_id": report.source_id, "stored": report.stored}


@log_failures(logger, "scrape request")
def record_handler(record: ScrapeRecord) -> dict:
    logger.append_keys(source_id=record.body.source.id, slot=record.body.slot)
    return scrape_once(request=record.body)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    idempotency.register_lambda_context(context)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    metrics.add_metric(name="RecordsSucceeded", unit=MetricUnit.Count, value=len(processor.success_messages))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(processor.fail_messages))
    return response
