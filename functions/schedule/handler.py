"""schedule: on each EventBridge tick, send one scrape request per source that is due, and check source health."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict

from newsdive.model.sources import parse_sources
from newsdive.runtime import settings as cfg
from newsdive.runtime import wiring
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer
from newsdive.scrape.schedule import claim_status_slot, due_requests

if TYPE_CHECKING:
    from newsdive.model.sources import Source
    from newsdive.storage.ports import CrawlControl

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
    crawl = wiring.crawl_state(SETTINGS.crawl_table)
    requests = due_requests(sources, now=now, crawl=crawl)
    wiring.queue(SETTINGS.scrape_queue_url).send([r.model_dump_json() for r in requests])
    metrics.add_metric(name="SourcesDue", unit=MetricUnit.Count, value=len(requests))
    logger.info("sources due", due=len(requests), sources=len(sources), tick=now.isoformat())
    try:
        _check_health(sources, crawl, now)
    except Exception:  # noqa: BLE001 - the requests are sent; health is looked at again next tick
        logger.exception("source health not checked")
        metrics.add_metric(name="HealthCheckFailed", unit=MetricUnit.Count, value=1)
    return {"due": [r.source.id for r in requests]}


def _check_health(sources: list[Source], crawl: CrawlControl, now: datetime) -> None:
    """Source health on every tick: metrics the alarms watch, a log line per unhealthy source, and
    sources/status.json for frontends (once per tick, from the first tick that has anything to report)."""
    from aws_lambda_powertools.metrics import single_metric

    from newsdive.health.sources import publish_source_status, registry_entry, source_health

    crawl.put_registry([registry_entry(s) for s in sources])
    healths = source_health(sources, crawl, now=now, stale_hours=SETTINGS.source_stale_hours,
                            min_parse_share=SETTINGS.source_min_parse_share)
    for status, metric in (("stale", "StaleSources"), ("failing", "FailingSources"), ("degraded", "DegradedSources")):
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=sum(1 for h in healths if h.status == status))
    for h in healths:
        if h.status not in ("ok", "new"):
            logger.warning("source unhealthy", source_id=h.id, status=h.status, problems=h.problems)
        figures = [("ItemsPerDay", MetricUnit.Count, h.items_per_day)]
        if h.parse_share is not None:
            figures.append(("ParseQualityPct", MetricUnit.Percent, round(h.parse_share * 100, 1)))
        if h.last_new_item_at is not None:
            figures.append(("HoursSinceNewItem", MetricUnit.Count,
                            max(0.0, round((now - h.last_new_item_at).total_seconds() / 3600, 2))))
        for name, unit, value in figures:
            with single_metric(name=name, unit=unit, value=value, namespace=metrics.namespace,
                               default_dimensions={"service": "schedule", "source": h.id}):
                pass
    # claimed before looking at the data: a repeated tick (same slot) never publishes, whatever changed since
    if SETTINGS.status_bucket and claim_status_slot(crawl, now=now) and any(h.last_attempt_at for h in healths):
        written = publish_source_status(wiring.bucket(SETTINGS.status_bucket), healths, as_of=now)
        logger.info("source status published", written=written)
