"""parse: for each raw page stored (S3 notification via SQS), extract the article and hand it to aggregate."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive import settings as cfg
from newsdive import wiring
from newsdive.events import S3NotificationRecordSqs
from newsdive.observability import get_logger, get_metrics, get_tracer, log_failures
from newsdive.parse import parse

logger, metrics, tracer = get_logger("parse"), get_metrics("parse"), get_tracer("parse")
SETTINGS = cfg.settings(cfg.ParseSettings)
processor = BatchProcessor(event_type=EventType.SQS, model=S3NotificationRecordSqs)


@log_failures(logger, "raw page")
def record_handler(record: S3NotificationRecordSqs) -> None:
    notification = record.body
    if notification.is_test_event:
        return
    for bucket, key in notification.created_keys():
        logger.append_keys(raw_key=key, article_id=None)
        if bucket != SETTINGS.raw_bucket or not key.startswith("raw/"):
            logger.warning("ignored notification", bucket=bucket, key=key)
            continue
        article = parse(key, wiring.parser())
        metrics.add_metric(name="ArticlesParsed", unit=MetricUnit.Count, value=1)
        logger.info("article parsed", article_id=article.id, source_id=article.source.id, key=key,
                    words=article.word_count)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    metrics.add_metric(name="RecordsSucceeded", unit=MetricUnit.Count, value=len(processor.success_messages))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(processor.fail_messages))
    return response
