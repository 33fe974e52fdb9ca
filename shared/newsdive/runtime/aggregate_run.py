"""One invocation of the aggregate function: a FIFO batch of stored articles, each assigned to its story, or the
hourly re-clustering of the open window. The handler builds one `AggregateRun` per invocation, so the batch's
ordering state and processor never outlive it (a warm container serves many batches)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

from newsdive.aggregate.stage import assign
from newsdive.model.messages import ArticleStored
from newsdive.parse.stage import load_article
from newsdive.runtime import wiring as default_wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.fifo import FifoBatch, receive_count
from newsdive.runtime.losses import Losses
from newsdive.runtime.observability import log_failures
from newsdive.runtime.records import ArticleRecord
from newsdive.runtime.settings import AggregateSettings


class AggregateRun:
    """`assign_once` is the handler's idempotent wrapper around `assign` (called as `assign_once(message=...,
    run=self)`); it stays in the handler because Powertools keys its records by the wrapped function's name."""

    def __init__(self, settings: AggregateSettings, logger: Any, metrics: Any, *,
                 assign_once: Callable[..., dict], wiring: Any = default_wiring) -> None:
        self.settings, self.logger, self.metrics, self.wiring = settings, logger, metrics, wiring
        self.assign_once = assign_once
        self.fifo = FifoBatch(settings.max_receive_count)  # this invocation's ordering state
        crawl = partial(wiring.crawl_state, settings.crawl_table) if settings.crawl_table else None
        self.losses = Losses("aggregate", crawl, logger, max_receive_count=settings.max_receive_count)
        self.processor = BatchProcessor(event_type=EventType.SQS, model=ArticleRecord,
                                        raise_on_entire_batch_failure=False)  # all-failed is logged per record too

    def batch(self, event: dict, context: Any) -> dict:
        """Each article in queue order; the partial batch response."""
        handler = log_failures(self.logger, "article")(self.record)
        response = run_batch(event, context, self.processor, handler, self.logger, self.metrics)
        if self.fifo.overtaking:
            self.logger.warning("articles processed out of order on their last delivery",
                                held_behind=self.fifo.held_behind, article_ids=self.fifo.overtaking)
        return response

    def record(self, record: ArticleRecord) -> dict:
        """Assignment depends on the order articles come in (the FIFO queue's order): after a transient failure
        the rest of the batch is retried behind the failed article instead of overtaking it, unless that would
        cost a record its last delivery. A permanent failure holds nothing up (newsdive.runtime.fifo)."""
        self.logger.append_keys(article_id=record.body.article_id, source_id=record.body.source_id)
        self.fifo.admit(record.body.article_id, receive_count(record))
        try:
            return self.assign_once(message=record.body, run=self)
        except Exception as exc:
            self.fifo.failed(record.body.article_id, exc)
            self.losses.article(record.body.source_id, record.body.article_id, exc, deliveries=receive_count(record))
            raise

    def assign(self, message: ArticleStored) -> dict:
        """The stored article into its story; what the idempotency record keeps."""
        article = load_article(self.wiring.bucket(self.settings.raw_bucket), message.key)
        result = assign(article, self.wiring.aggregator())
        self.metrics.add_metric(name="ArticlesAssigned", unit=MetricUnit.Count, value=1)
        if result.created:
            self.metrics.add_metric(name="StoriesCreated", unit=MetricUnit.Count, value=1)
        self.logger.info("article assigned", article_id=article.id, story_id=result.story_id,
                         new_story=result.created, changed=result.changed, score=result.score)
        return {"story_id": result.story_id, "created": result.created}

    def recluster(self, event: dict) -> dict:
        """The schedule: stories as a function of their articles (newsdive.aggregate.recluster)."""
        from newsdive.aggregate.recluster import recluster, recluster_depth

        report = recluster(self.wiring.aggregator(), depth=recluster_depth(event))
        self.metrics.add_metric(name="StoriesReclustered", unit=MetricUnit.Count, value=len(report.rewritten))
        self.metrics.add_metric(name="ArticlesMoved", unit=MetricUnit.Count, value=report.moved)
        self.logger.info("stories re-clustered", **report.as_dict())
        return report.as_dict()
