"""publish: for each changed story (DynamoDB stream), render its deep dive, then refresh the index feeds and
invalidate, in one CDN request, what a short max-age does not cover (removed documents, changed schemas)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.model.story import story_from_doc
from newsdive.publish.settle import is_live, is_settle_event, retire_moved, settle, settle_depth
from newsdive.publish.stage import PublishReport, invalidate, publish, publish_index, publish_schemas
from newsdive.runtime import settings as cfg
from newsdive.runtime import wiring
from newsdive.runtime.batch import log_batch_failures
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer, log_failures

logger, metrics, tracer = get_logger("publish"), get_metrics("publish"), get_tracer("publish")
SETTINGS = cfg.settings(cfg.PublishSettings)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams,
                           raise_on_entire_batch_failure=False)  # an all-failed batch is logged per record too


@log_failures(logger, "story")
def record_handler(record: DynamoDBRecord) -> None:
    try:
        _publish_record(record)
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


def _publish_record(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or "doc" not in image:
        return  # a removal: nothing to render
    story = story_from_doc(image["doc"])
    logger.append_keys(story_id=story.story_id)
    # Render what the table holds now: a redelivered or late stream record must not roll a document back.
    before = record.dynamodb.old_image or {}
    imaged = [story] + ([story_from_doc(before["doc"])] if "doc" in before else [])
    story = wiring.publisher().stories.get(story.story_id) or story
    retired = retire_moved(story, imaged, wiring.publisher())
    if not is_live(story):  # merged into another story: its documents go, its feeds are refreshed
        logger.info("story retired", story_id=story.story_id, article_ids=sorted(story.members), retired=retired)
        _touched.add(story.category)
        return
    if _rendered.get(story.story_id) == story.version:
        # This invocation already rendered this very state (a batch often holds several versions of a hot story,
        # and each is rendered from the table as it is now): rendering it again would write nothing.
        logger.info("story already published in this batch", story_id=story.story_id, version=story.version)
        return
    report = publish(story, wiring.publisher())
    _rendered[story.story_id] = story.version
    _touched.add(story.category)  # also when current: the invocation that rendered it may have failed after
    old = record.dynamodb.old_image if record.dynamodb else None
    if old and old.get("category") and old["category"] != story.category:
        _touched.add(old["category"])
    if report.current:  # an earlier invocation rendered this very state (newsdive.publish.stage.publish)
        logger.info("story already published", story_id=story.story_id, version=story.version)
        return
    metrics.add_metric(name="DocumentsWritten", unit=MetricUnit.Count, value=len(report.written))
    metrics.add_metric(name="StoriesPublished", unit=MetricUnit.Count, value=1)
    logger.info("story published", story_id=story.story_id, public_id=story.public_id, version=story.version,
                article_ids=sorted(story.members), written=report.written, retired=retired)
    for note in report.notes:
        logger.warning("generated overview not used", story_id=story.story_id, reason=note)
    _written.append(report)


_touched: set[str] = set()
_written: list[PublishReport] = []  # this invocation's reports: one CDN invalidation for all of them
_rendered: dict[str, int] = {}  # story id -> version this invocation rendered


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if is_settle_event(event):  # the schedule: re-render from the current state (see newsdive.publish.settle)
        settled = settle(wiring.publisher(), depth=settle_depth(event))
        metrics.add_metric(name="DocumentsSettled", unit=MetricUnit.Count, value=len(settled.written))
        logger.info("published state settled", stories=settled.stories, written=settled.written,
                    removed=settled.removed)
        _written[:] = [PublishReport(written=settled.written + settled.removed,
                                     digests=dict.fromkeys(settled.removed, "removed"))]
        _invalidate()
        return {"settled": settled.stories, "written": len(settled.written), "removed": len(settled.removed)}
    _touched.clear()
    _written.clear()
    _rendered.clear()
    response = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    metrics.add_metric(name="RecordsSucceeded", unit=MetricUnit.Count, value=len(processor.success_messages))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(processor.fail_messages))
    log_batch_failures(logger, processor, metrics)  # the reason a dead letter will be shown with
    if _touched:
        report = publish_index(sorted(_touched), wiring.publisher())
        report.extend(publish_schemas(wiring.publisher().public))
        metrics.add_metric(name="IndexDocumentsWritten", unit=MetricUnit.Count, value=len(report.written))
        logger.info("index published", categories=sorted(_touched), written=report.written)
        _written.append(report)
    _invalidate()
    return response


def _invalidate() -> None:
    """One CDN invalidation for the invocation; a failure is logged, not raised: the documents are written and
    cached copies expire after Cache-Control's max-age anyway."""
    from newsdive.model.errors import StorageError

    total = PublishReport()
    for report in _written:
        total.extend(report)
    try:
        paths = invalidate(total, wiring.publisher())
    except StorageError as exc:
        logger.warning("invalidation failed", error=str(exc), paths=len(total.written))
        metrics.add_metric(name="InvalidationsFailed", unit=MetricUnit.Count, value=1)
        return
    if paths:
        logger.info("invalidation requested", paths=paths)
