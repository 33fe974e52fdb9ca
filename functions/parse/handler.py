"""parse: for each raw page stored (S3 notification via SQS), extract the article and hand it to aggregate."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdive.health.sources import parse_verdict, record_parse, record_parse_failure
from newsdive.parse.stage import parse
from newsdive.runtime import settings as cfg
from newsdive.runtime import wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.fifo import receive_count
from newsdive.runtime.observability import get_logger, get_metrics, get_tracer, log_failures
from newsdive.runtime.records import S3NotificationRecordSqs

logger, metrics, tracer = get_logger("parse"), get_metrics("parse"), get_tracer("parse")
SETTINGS = cfg.settings(cfg.ParseSettings)
processor = BatchProcessor(event_type=EventType.SQS, model=S3NotificationRecordSqs,
                           raise_on_entire_batch_failure=False)  # an all-failed batch is logged per record too


def _record_verdict(source_id: str, key: str, verdict: str) -> None:
    """Source health: how this source's page parsed (best effort: health never fails the page)."""
    if SETTINGS.crawl_table:
        try:
            record_parse(wiring.crawl_state(SETTINGS.crawl_table), source_id, key, verdict, now=datetime.now(UTC))
        except Exception:  # noqa: BLE001 - the article is fine; a missed verdict only blurs a health figure
            logger.exception("parse verdict not recorded", raw_key=key)


def _record_failure(key: str, exc: Exception, deliveries: int) -> None:
    from newsdive.model.errors import is_permanent

    # Throttling and timeouts are not the source's fault, unless they used up the page's last delivery: the page
    # is lost all the same. A failure no retry fixes counts at once.
    limit = SETTINGS.max_receive_count
    if SETTINGS.crawl_table and (is_permanent(exc) or (limit is not None and deliveries >= limit)):
        try:
            record_parse_failure(wiring.crawl_state(SETTINGS.crawl_table), wiring.parser().raw, key, exc,
                                 now=datetime.now(UTC))
        except Exception:  # noqa: BLE001 - see above
            logger.exception("parse verdict not recorded", raw_key=key)


@log_failures(logger, "raw page")
def record_handler(record: S3NotificationRecordSqs) -> None:
    notification = record.body
    if notification.is_test_event:
        return
    for bucket, key in notification.created_keys():
        logger.append_keys(raw_key=key, article_id=None)
        if bucket != SETTINGS.raw_bucket or not key.startswith("raw/"):
            logger.warning("ignored notification", bucket=bucket, key=key)
            continue
        try:
            article = parse(key, wiring.parser())
        except Exception as exc:
            _record_failure(key, exc, receive_count(record))
            raise
        _record_verdict(article.source.id, key, parse_verdict(article.flags))
        if article.flags:
            metrics.add_metric(name="ArticlesFlagged", unit=MetricUnit.Count, value=1)
            logger.info("article flagged", article_id=article.id, flags=article.flags)
        metrics.add_metric(name="ArticlesParsed", unit=MetricUnit.Count, value=1)
        logger.info("article parsed", article_id=article.id, source_id=article.source.id, key=key,
                    words=article.word_count)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return run_batch(event, context, processor, record_handler, logger, metrics)
