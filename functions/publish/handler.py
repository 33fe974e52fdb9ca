"""publish: for each changed story (DynamoDB stream), render its deep dive, then refresh the index feeds and
invalidate, in one CDN request, what a short max-age does not cover (removed documents, changed schemas)."""

from __future__ import annotations

from functools import partial

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.model.story import story_from_doc
from newsdive.publish.batch import PublishBatch
from newsdive.publish.settle import is_settle_event, settle, settle_depth
from newsdive.runtime import settings as cfg
from newsdive.runtime import wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer, log_failures

logger, metrics, tracer = get_logger("publish"), get_metrics("publish"), get_tracer("publish")
SETTINGS = cfg.settings(cfg.PublishSettings)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams,
                           raise_on_entire_batch_failure=False)  # an all-failed batch is logged per record too


@log_failures(logger, "story")
def record_handler(record: DynamoDBRecord, batch: PublishBatch) -> None:
    try:
        _publish_record(record, batch)
    except Exception as exc:
        _count_loss(record, exc)
        raise


def _count_loss(record: DynamoDBRecord, exc: Exception) -> None:
    """Source health: a story that fails to render for good loses its articles; each counts against its source.
    Best effort: health never fails the record."""
    from newsdive.model.errors import is_permanent

    if not SETTINGS.crawl_table or not is_permanent(exc):
        return
    from datetime import UTC, datetime

    from newsdive.health.sources import record_stage_failure

    try:
        image = record.dynamodb.new_image if record.dynamodb else None
        story = story_from_doc(image["doc"]) if image and "doc" in image else None
        if story is None:
            return
        control, now = wiring.crawl_state(SETTINGS.crawl_table), datetime.now(UTC)
        for member in story.members.values():
            record_stage_failure(control, member.outlet_id, "publish", member.article_id, exc, now=now)
    except Exception:  # noqa: BLE001 - a missed loss only blurs a health figure
        logger.exception("lost articles not recorded")


def _publish_record(record: DynamoDBRecord, batch: PublishBatch) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or "doc" not in image:
        return  # a removal: nothing to render
    story = story_from_doc(image["doc"])
    logger.append_keys(story_id=story.story_id)
    old = record.dynamodb.old_image or {}
    result = batch.story(story, story_from_doc(old["doc"]) if "doc" in old else None, old.get("category"))
    story, report = result.story, result.report
    if result.outcome == "retired":  # merged into another story: its documents go, its feeds are refreshed
        logger.info("story retired", story_id=story.story_id, article_ids=sorted(story.members), retired=result.retired)
    elif result.outcome != "published":  # rendered earlier in this batch, or by an earlier invocation
        logger.info(f"story already published{' in this batch' if report is None else ''}", story_id=story.story_id,
                    version=story.version)
    else:
        metrics.add_metric(name="DocumentsWritten", unit=MetricUnit.Count, value=len(report.written))
        metrics.add_metric(name="StoriesPublished", unit=MetricUnit.Count, value=1)
        logger.info("story published", story_id=story.story_id, public_id=story.public_id, version=story.version,
                    article_ids=sorted(story.members), written=report.written, retired=result.retired)
        for note in report.notes:
            logger.warning("generated overview not used", story_id=story.story_id, reason=note)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    batch = PublishBatch(wiring.publisher())  # this invocation's decisions: nothing is kept across invocations
    if is_settle_event(event):  # the schedule: re-render from the current state (see newsdive.publish.settle)
        settled = settle(batch.deps, depth=settle_depth(event))
        metrics.add_metric(name="DocumentsSettled", unit=MetricUnit.Count, value=len(settled.written))
        logger.info("published state settled", stories=settled.stories, written=settled.written,
                    removed=settled.removed)
        batch.settled(settled)
        _invalidate(batch)
        return {"settled": settled.stories, "written": len(settled.written), "removed": len(settled.removed)}
    response = run_batch(event, context, processor, partial(record_handler, batch=batch), logger, metrics)
    index = batch.index()
    if index is not None:
        metrics.add_metric(name="IndexDocumentsWritten", unit=MetricUnit.Count, value=len(index.written))
        logger.info("index published", categories=sorted(batch.touched), written=index.written)
    _invalidate(batch)
    return response


def _invalidate(batch: PublishBatch) -> None:
    """One CDN invalidation for the invocation; a failure is logged, not raised: the documents are written and
    cached copies expire after Cache-Control's max-age anyway."""
    from newsdive.model.errors import StorageError

    try:
        paths = batch.invalidate()
    except StorageError as exc:
        logger.warning("invalidation failed", error=str(exc), paths=sum(len(r.written) for r in batch.reports))
        metrics.add_metric(name="InvalidationsFailed", unit=MetricUnit.Count, value=1)
        return
    if paths:
        logger.info("invalidation requested", paths=paths)
