"""One tick of the schedule function: one scrape request per source that is due, then source health (the metrics
the alarms watch, a log line per unhealthy source, sources/status.json for frontends).

Its event model lives here, not in newsdive.runtime.records: the schedule function imports no SQS record models.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import AwareDatetime, BaseModel, ConfigDict

from newsdive.model.sources import parse_sources
from newsdive.runtime import wiring as default_wiring
from newsdive.runtime.settings import ScheduleSettings
from newsdive.scrape.schedule import claim_status_slot, due_requests

if TYPE_CHECKING:
    from newsdive.health.sources import SourceHealth
    from newsdive.model.sources import Source
    from newsdive.storage.ports import CrawlControl


class ScheduleEvent(BaseModel):
    """EventBridge "Scheduled Event" (rule) or Scheduler payload; only the tick time matters."""

    model_config = ConfigDict(extra="allow")
    time: AwareDatetime | None = None


class ScheduleRun:
    def __init__(self, settings: ScheduleSettings, logger: Any, metrics: Any, *,
                 wiring: Any = default_wiring) -> None:
        self.settings, self.logger, self.metrics, self.wiring = settings, logger, metrics, wiring

    def tick(self, now: datetime) -> dict:
        """Send the due requests; a health check that fails is logged and looked at again next tick."""
        s = self.settings
        sources_file = self.wiring.bucket(s.sources_bucket).get(s.sources_key).body
        sources = parse_sources(sources_file, name=f"s3://{s.sources_bucket}/{s.sources_key}")
        crawl = self.wiring.crawl_state(s.crawl_table)
        requests = due_requests(sources, now=now, crawl=crawl)
        self.wiring.queue(s.scrape_queue_url).send([r.model_dump_json() for r in requests])
        self.metrics.add_metric(name="SourcesDue", unit=MetricUnit.Count, value=len(requests))
        self.logger.info("sources due", due=len(requests), sources=len(sources), tick=now.isoformat())
        try:
            self.check_health(sources, crawl, now)
        except Exception:  # noqa: BLE001 - the requests are sent; health is looked at again next tick
            self.logger.exception("source health not checked")
            self.metrics.add_metric(name="HealthCheckFailed", unit=MetricUnit.Count, value=1)
        return {"due": [r.source.id for r in requests]}

    def check_health(self, sources: list[Source], crawl: CrawlControl, now: datetime) -> None:
        """Source health on every tick; sources/status.json once per tick, from the first tick that has anything
        to report."""
        from newsdive.health.sources import publish_source_status, registry_entry, source_health

        crawl.put_registry([registry_entry(s) for s in sources])
        healths = source_health(sources, crawl, now=now, stale_hours=self.settings.source_stale_hours,
                                min_parse_share=self.settings.source_min_parse_share)
        for status, metric in (("stale", "StaleSources"), ("failing", "FailingSources"),
                               ("degraded", "DegradedSources")):
            self.metrics.add_metric(name=metric, unit=MetricUnit.Count,
                                    value=sum(1 for h in healths if h.status == status))
        for h in healths:
            if h.status not in ("ok", "new"):
                self.logger.warning("source unhealthy", source_id=h.id, status=h.status, problems=h.problems)
            self._source_figures(h, now)
        # claimed before looking at the data: a repeated tick (same slot) never publishes, whatever changed since
        bucket = self.settings.status_bucket
        if bucket and claim_status_slot(crawl, now=now) and any(h.last_attempt_at for h in healths):
            written = publish_source_status(self.wiring.bucket(bucket), healths, as_of=now)
            self.logger.info("source status published", written=written)

    def _source_figures(self, h: SourceHealth, now: datetime) -> None:
        """One metric per figure with the source as a dimension (single_metric: the dimension is per source)."""
        from aws_lambda_powertools.metrics import single_metric

        figures = [("ItemsPerDay", MetricUnit.Count, h.items_per_day)]
        if h.parse_share is not None:
            figures.append(("ParseQualityPct", MetricUnit.Percent, round(h.parse_share * 100, 1)))
        if h.last_new_item_at is not None:
            figures.append(("HoursSinceNewItem", MetricUnit.Count,
                            max(0.0, round((now - h.last_new_item_at).total_seconds() / 3600, 2))))
        for name, unit, value in figures:
            with single_metric(name=name, unit=unit, value=value, namespace=self.metrics.namespace,
                               default_dimensions={"service": "schedule", "source": h.id}):
                pass
