"""schedule: on each EventBridge tick, send one scrape request per source that is due."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict

from newsdive import settings as cfg
from newsdive import wiring
from newsdive.observability import get_logger, get_metrics, get_tracer
from newsdive.schedule import due_requests
from newsdive.sources import parse_sources

logger, metrics, tracer = get_logger("schedule"), get_metrics("schedule"), get_tracer("schedule")
SETTINGS = cfg.settings(cfg.ScheduleSettings)  # fail at cold start, not mid-run


class ScheduleEvent(BaseModel):
    """EventBridge "Scheduled Event" (rule) or Scheduler payload; only the tick time matters."""

    model_config = ConfigDict(extra="allow")
    time: AwareDatetime | None = None


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_parser(model=ScheduleEvent)
def lambda_handler(event: ScheduleEvent, context: LambdaContext) -> dict:
    sources_file = wiring.bucket(SETTINGS.sources_bucket).get(SETTINGS.sources_key).body
    sources = parse_sources(sources_file, name=f"s3://{SETTINGS.sources_bucket}/{SETTINGS.sources_key}")
    now = event.time or datetime.now(UTC)
    requests = due_requests(sources, now=now, crawl=wiring.crawl_state(SETTINGS.crawl_table))
    wiring.queue(SETTINGS.scrape_queue_url).send([r.model_dump_json() for r in requests])
    metrics.add_metric(name="SourcesDue", unit=MetricUnit.Count, value=len(requests))
    logger.info("sources due", due=len(requests), sources=len(sources), tick=now.isoformat())
    return {"due": [r.source.id for r in requests]}
