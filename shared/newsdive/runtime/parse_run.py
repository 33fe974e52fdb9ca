"""One invocation of the parse function: a batch of S3 notifications (via SQS), each new raw page extracted into an
article and handed to aggregate, with its parse verdict in the source's health. One `ParseRun` per invocation."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

from newsdive.health.sources import parse_verdict, record_parse
from newsdive.parse.stage import parse
from newsdive.runtime import wiring as default_wiring
from newsdive.runtime.batch import run_batch
from newsdive.runtime.fifo import receive_count
from newsdive.runtime.losses import Losses
from newsdive.runtime.observability import log_failures
from newsdive.runtime.records import S3NotificationRecordSqs
from newsdive.runtime.settings import ParseSettings


class ParseRun:
    def __init__(self, settings: ParseSettings, logger: Any, metrics: Any, *, wiring: Any = default_wiring) -> None:
        self.settings, self.logger, self.metrics, self.wiring = settings, logger, metrics, wiring
        self.crawl = partial(wiring.crawl_state, settings.crawl_table) if settings.crawl_table else None
        self.losses = Losses("parse", self.crawl, logger, max_receive_count=settings.max_receive_count)
        self.processor = BatchProcessor(event_type=EventType.SQS, model=S3NotificationRecordSqs,
                                        raise_on_entire_batch_failure=False)  # all-failed is logged per record too

    def batch(self, event: dict, context: Any) -> dict:
        """Each notification; the partial batch response."""
        handler = log_failures(self.logger, "raw page")(self.record)
        return run_batch(event, context, self.processor, handler, self.logger, self.metrics)

    def record(self, record: S3NotificationRecordSqs) -> None:
        notification = record.body
        if notification.is_test_event:
            return
        for bucket, key in notification.created_keys():
            self.logger.append_keys(raw_key=key, article_id=None)
            if bucket != self.settings.raw_bucket or not key.startswith("raw/"):
                self.logger.warning("ignored notification", bucket=bucket, key=key)
                continue
            self.page(key, receive_count(record))

    def page(self, key: str, deliveries: int) -> None:
        """One raw page. Throttling and timeouts are not the source's fault unless they used up the page's last
        delivery; a failure no retry fixes counts at once (newsdive.runtime.losses)."""
        try:
            article = parse(key, self.wiring.parser())
        except Exception as exc:
            self.losses.raw_page(key, exc, deliveries=deliveries, raw=lambda: self.wiring.parser().raw)
            raise
        self._verdict(article.source.id, key, parse_verdict(article.flags))
        if article.flags:
            self.metrics.add_metric(name="ArticlesFlagged", unit=MetricUnit.Count, value=1)
            self.logger.info("article flagged", article_id=article.id, flags=article.flags)
        self.metrics.add_metric(name="ArticlesParsed", unit=MetricUnit.Count, value=1)
        self.logger.info("article parsed", article_id=article.id, source_id=article.source.id, key=key,
                         words=article.word_count)

    def _verdict(self, source_id: str, key: str, verdict: str) -> None:
        """Source health: how this source's page parsed (best effort: health never fails the page)."""
        if self.crawl is None:
            return
        try:
            record_parse(self.crawl(), source_id, key, verdict, now=datetime.now(UTC))
        except Exception:  # noqa: BLE001 - the article is fine; a missed verdict only blurs a health figure
            self.logger.exception("parse verdict not recorded", raw_key=key)
