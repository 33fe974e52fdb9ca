"""aggregate: for each stored article (SQS), assign it to its story and recompute the story's figures."""

from __future__ import annotations

from functools import partial

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.aggregate.stage import assign
from newsdive.model.messages import ArticleStored
from newsdive.parse.stage import load_article
from newsdive.runtime import settings as cfg
from newsdive.runtime import wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.fifo import FifoBatch, receive_count
from newsdive.runtime.idempotency import idempotency
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer, log_failures
from newsdive.runtime.records import ArticleRecord

logger, metrics, tracer = get_logger("aggregate"), get_metrics("aggregate"), get_tracer("aggregate")
SETTINGS = cfg.settings(cfg.AggregateSettings)
processor = BatchProcessor(event_type=EventType.SQS, model=ArticleRecord,
                           raise_on_entire_batch_failure=False)  # an all-failed batch is logged per record too
# The same article content is assigned once; a changed article (new hash) is re-applied to its story.
config, once = idempotency("[article_id, content_hash]", table=SETTINGS.idempotency_table, hours=24,
                           argument="message")


@once
def assign_once(message: ArticleStored) -> dict:
    article = load_article(wiring.bucket(SETTINGS.raw_bucket), message.key)
    result = assign(article, wiring.aggregator())
    metrics.add_metric(name="ArticlesAssigned", unit=MetricUnit.Count, value=1)
    if result.created:
        metrics.add_metric(name="StoriesCreated", unit=MetricUnit.Count, value=1)
    logger.info("article assigned", article_id=article.id, story_id=result.story_id, new_story=result.created,
                changed=result.changed, score=result.score)
    return {"story_id": result.story_id, "created": result.created}


@log_failures(logger, "article")
def record_handler(record: ArticleRecord, batch: FifoBatch | None = None) -> dict:
    logger.append_keys(article_id=record.body.article_id, source_id=record.body.source_id)
    # Assignment depends on the order articles come in (the FIFO queue's order): after a transient failure the
    # rest of the batch is retried behind the failed article instead of overtaking it, unless that would cost a
    # record its last delivery. A permanent failure (bad data, a bug) holds nothing up (newsdive.runtime.fifo).
    batch = batch if batch is not None else FifoBatch(SETTINGS.max_receive_count)
    batch.admit(record.body.article_id, receive_count(record))
    try:
        return assign_once(message=record.body)
    except Exception as exc:
        batch.failed(record.body.article_id, exc)
        _count_loss(record, exc)
        raise


def _count_loss(record: ArticleRecord, exc: Exception) -> None:
    """Source health: an article this stage loses (a failure no retry fixes, or a failure on its last delivery)
    counts against its source. Best effort: health never fails the record."""
    from newsdive.model.errors import is_permanent

    limit = SETTINGS.max_receive_count
    if not SETTINGS.crawl_table or not (is_permanent(exc) or (limit is not None and receive_count(record) >= limit)):
        return
    from datetime import UTC, datetime

    from newsdive.health.sources import record_stage_failure

    try:
        record_stage_failure(wiring.crawl_state(SETTINGS.crawl_table), record.body.source_id, "aggregate",
                             record.body.article_id, exc, now=datetime.now(UTC))
    except Exception:  # noqa: BLE001 - a missed loss only blurs a health figure
        logger.exception("lost article not recorded", article_id=record.body.article_id)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    from newsdive.aggregate.recluster import is_recluster_event

    # the schedule: stories as a function of their articles (newsdive.aggregate.recluster)
    if is_recluster_event(event):
        return recluster_window(event)
    config.register_lambda_context(context)
    batch = FifoBatch(SETTINGS.max_receive_count)  # this invocation's ordering state
    response = run_batch(event, context, processor, partial(record_handler, batch=batch), logger, metrics)
    if batch.overtaking:
        logger.warning("articles processed out of order on their last delivery", held_behind=batch.held_behind,
                       article_ids=batch.overtaking)
    return response


def recluster_window(event: dict) -> dict:
    from newsdive.aggregate.recluster import recluster, recluster_depth

    report = recluster(wiring.aggregator(), depth=recluster_depth(event))
    metrics.add_metric(name="StoriesReclustered", unit=MetricUnit.Count, value=len(report.rewritten))
    metrics.add_metric(name="ArticlesMoved", unit=MetricUnit.Count, value=report.moved)
    logger.info("stories re-clustered", **report.as_dict())
    return report.as_dict()
