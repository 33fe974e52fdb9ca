"""publish: for each changed story (DynamoDB stream), render its deep dive, then refresh the index feeds."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive import settings as cfg
from newsdive import wiring
from newsdive.observability import get_logger, get_metrics, get_tracer, log_failures
from newsdive.publish import publish, publish_index, publish_schemas
from newsdive.story import StoryRecord

logger, metrics, tracer = get_logger("publish"), get_metrics("publish"), get_tracer("publish")
SETTINGS = cfg.settings(cfg.PublishSettings)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@log_failures(logger, "story")
def record_handler(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or "doc" not in image:
        return  # a removal: nothing to render
    story = StoryRecord.model_validate_json(image["doc"])
    logger.append_keys(story_id=story.story_id)
    report = publish(story, wiring.publisher())
    metrics.add_metric(name="DocumentsWritten", unit=MetricUnit.Count, value=len(report.written))
    logger.info("story published", story_id=story.story_id, version=story.version, written=report.written)
    _touched.add(story.category)
    old = record.dynamodb.old_image if record.dynamodb else None
    if old and old.get("category") and old["category"] != story.category:
        _touched.add(old["category"])


_touched: set[str] = set()


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    _touched.clear()
    response = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    metrics.add_metric(name="RecordsSucceeded", unit=MetricUnit.Count, value=len(processor.success_messages))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(processor.fail_messages))
    if _touched:
        report = publish_index(sorted(_touched), wiring.publisher())
        report.written += publish_schemas(wiring.publisher().public).written
        metrics.add_metric(name="IndexDocumentsWritten", unit=MetricUnit.Count, value=len(report.written))
        logger.info("index published", categories=sorted(_touched), written=report.written)
    return response
