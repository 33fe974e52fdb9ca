"""scrape: for each scrape request (SQS), read the source's feeds and store new pages in the raw bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.runtime.idempotency import idempotency
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer
from newsdive.runtime.scrape_run import ScrapeRun
from newsdive.runtime.settings import ScrapeSettings, settings

if TYPE_CHECKING:
    from newsdive.model.messages import ScrapeRequest

logger, metrics, tracer = get_logger("scrape"), get_metrics("scrape"), get_tracer("scrape")
SETTINGS = settings(ScrapeSettings)
# A request is one source in one schedule slot: a duplicate delivery returns the first result.
config, once = idempotency("[source.id, slot]", table=SETTINGS.idempotency_table, hours=6, argument="request")


@once  # here, not in ScrapeRun: Powertools keys the idempotency record by this function's module and name
def scrape_once(request: ScrapeRequest, run: ScrapeRun) -> dict:
    return run.scrape(request)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    config.register_lambda_context(context)
    return ScrapeRun(logger, metrics, context, scrape_once=scrape_once).batch(event, context)
