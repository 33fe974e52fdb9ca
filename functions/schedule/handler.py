"""schedule: on each EventBridge tick, send one scrape request per source that is due, and check source health."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.runtime.observability import get_logger, get_metrics, get_tracer
from newsdive.runtime.schedule_run import ScheduleEvent, ScheduleRun
from newsdive.runtime.settings import ScheduleSettings, settings

logger, metrics, tracer = get_logger("schedule"), get_metrics("schedule"), get_tracer("schedule")
SETTINGS = settings(ScheduleSettings)  # fail at cold start, not mid-run


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_parser(model=ScheduleEvent)
def lambda_handler(event: ScheduleEvent, context: LambdaContext) -> dict:
    return ScheduleRun(SETTINGS, logger, metrics).tick(event.time or datetime.now(UTC))
