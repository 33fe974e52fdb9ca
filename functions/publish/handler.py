"""publish: for each changed story (DynamoDB stream), render its deep dive, then refresh the index feeds and
invalidate, in one CDN request, what a short max-age does not cover (removed documents, changed schemas)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.runtime.observability import get_logger, get_metrics, get_tracer
from newsdive.runtime.publish_run import PublishRun
from newsdive.runtime.settings import PublishSettings, settings

logger, metrics, tracer = get_logger("publish"), get_metrics("publish"), get_tracer("publish")
SETTINGS = settings(PublishSettings)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    from newsdive.publish.settle import is_settle_event, settle_depth

    run = PublishRun(SETTINGS, logger, metrics)  # this invocation's decisions: nothing is kept across invocations
    if is_settle_event(event):  # the schedule: re-render from the current state
        return run.settle(settle_depth(event))
    return run.batch(event, context)
