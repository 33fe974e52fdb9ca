"""One invocation of the publish function: a batch of changed stories (DynamoDB stream) rendered through one
`PublishBatch`, or the scheduled settling; either way the index feeds refreshed and one CDN invalidation at the end.
One `PublishRun` per invocation: nothing is kept across invocations."""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from newsdive.model.story import StoryRecord, story_from_doc
from newsdive.publish.batch import PublishBatch
from newsdive.runtime import wiring as default_wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.losses import Losses
from newsdive.runtime.observability import log_failures
from newsdive.runtime.settings import PublishSettings


def new_story(record: DynamoDBRecord) -> StoryRecord | None:
    """The story a stream record's new image carries; None for a removal."""
    image = record.dynamodb.new_image if record.dynamodb else None
    return story_from_doc(image["doc"]) if image and "doc" in image else None


class PublishRun:
    def __init__(self, settings: PublishSettings, logger: Any, metrics: Any, *, wiring: Any = default_wiring) -> None:
        self.logger, self.metrics = logger, metrics
        self.publish = PublishBatch(wiring.publisher())  # this invocation's decisions
        crawl = partial(wiring.crawl_state, settings.crawl_table) if settings.crawl_table else None
        self.losses = Losses("publish", crawl, logger)  # a stream has no receive count: only permanent failures
        self.processor = BatchProcessor(event_type=EventType.DynamoDBStreams,
                                        raise_on_entire_batch_failure=False)  # all-failed is logged per record too

    def settle(self, depth: int) -> dict:
        """The schedule: re-render from the current state (newsdive.publish.settle)."""
        from newsdive.publish.settle import settle

        settled = settle(self.publish.deps, depth=depth)
        self.metrics.add_metric(name="DocumentsSettled", unit=MetricUnit.Count, value=len(settled.written))
        self.logger.info("published state settled", stories=settled.stories, written=settled.written,
                         removed=settled.removed)
        self.publish.settled(settled)
        self.invalidate()
        return {"settled": settled.stories, "written": len(settled.written), "removed": len(settled.removed)}

    def batch(self, event: dict, context: Any) -> dict:
        """Each changed story, then the index feeds of the categories touched; the partial batch response."""
        handler = log_failures(self.logger, "story")(self.record)
        response = run_batch(event, context, self.processor, handler, self.logger, self.metrics)
        index = self.publish.index()
        if index is not None:
            self.metrics.add_metric(name="IndexDocumentsWritten", unit=MetricUnit.Count, value=len(index.written))
            self.logger.info("index published", categories=sorted(self.publish.touched), written=index.written)
        self.invalidate()
        return response

    def record(self, record: DynamoDBRecord) -> None:
        try:
            self._story(record)
        except Exception as exc:
            self.losses.story(partial(new_story, record), exc)
            raise

    def _story(self, record: DynamoDBRecord) -> None:
        story = new_story(record)
        if story is None:
            return  # a removal: nothing to render
        self.logger.append_keys(story_id=story.story_id)
        old = (record.dynamodb.old_image if record.dynamodb is not None else None) or {}
        result = self.publish.story(story, story_from_doc(old["doc"]) if "doc" in old else None, old.get("category"))
        story, report = result.story, result.report
        if result.outcome == "retired":  # merged into another story: its documents go, its feeds are refreshed
            self.logger.info("story retired", story_id=story.story_id, article_ids=sorted(story.members),
                             retired=result.retired)
        elif result.outcome != "published":  # rendered earlier in this batch, or by an earlier invocation
            self.logger.info(f"story already published{' in this batch' if report is None else ''}",
                             story_id=story.story_id, version=story.version)
        elif report is not None:  # published here: the render's report
            self.metrics.add_metric(name="DocumentsWritten", unit=MetricUnit.Count, value=len(report.written))
            self.metrics.add_metric(name="StoriesPublished", unit=MetricUnit.Count, value=1)
            self.logger.info("story published", story_id=story.story_id, public_id=story.public_id,
                             version=story.version, article_ids=sorted(story.members), written=report.written,
                             retired=result.retired)
            for note in report.notes:
                self.logger.warning("generated overview not used", story_id=story.story_id, reason=note)

    def invalidate(self) -> None:
        """One CDN invalidation for the invocation; a failure is logged, not raised: the documents are written and
        cached copies expire after Cache-Control's max-age anyway."""
        from newsdive.model.errors import StorageError

        try:
            paths = self.publish.invalidate()
        except StorageError as exc:
            self.logger.warning("invalidation failed", error=str(exc),
                                paths=sum(len(r.written) for r in self.publish.reports))
            self.metrics.add_metric(name="InvalidationsFailed", unit=MetricUnit.Count, value=1)
            return
        if paths:
            self.logger.info("invalidation requested", paths=paths)
