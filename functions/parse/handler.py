"""parse: for each raw page stored (S3 notification via SQS), extract the article and hand it to aggregate."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.runtime.observability import get_logger, get_metrics, get_tracer
from newsdive.runtime.parse_run import ParseRun
from newsdive.runtime.settings import ParseSettings, settings

logger, metrics, tracer = get_logger("parse"), get_metrics("parse"), get_tracer("parse")
SETTINGS = settings(ParseSettings)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return ParseRun(SETTINGS, logger, metrics).batch(event, context)
