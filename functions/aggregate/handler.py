"""aggregate: for each stored article (SQS), assign it to its story and recompute the story's figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.runtime.aggregate_run import AggregateRun
from newsdive.runtime.idempotency import idempotency
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer
from newsdive.runtime.settings import AggregateSettings, settings

if TYPE_CHECKING:
    from newsdive.model.messages import ArticleStored

logger, metrics, tracer = get_logger("aggregate"), get_metrics("aggregate"), get_tracer("aggregate")
SETTINGS = settings(AggregateSettings)
# The same article content is assigned once; a changed article (new hash) is re-applied to its story.
config, once = idempotency("[article_id, content_hash]", table=SETTINGS.idempotency_table, hours=24,
                           argument="message")


@once  # here, not in AggregateRun: Powertools keys the idempotency record by this function's module and name
def assign_once(message: ArticleStored, run: AggregateRun) -> dict:
    return run.assign(message)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    from newsdive.aggregate.recluster import is_recluster_event

    run = AggregateRun(SETTINGS, logger, metrics, assign_once=assign_once)
    if is_recluster_event(event):  # the schedule: stories as a function of their articles
        return run.recluster(event)
    config.register_lambda_context(context)
    return run.batch(event, context)
