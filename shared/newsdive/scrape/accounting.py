"""What one source's scrape tells operators: its figures as metrics, and a log line per stored, failed, disallowed
and duplicate page, then one for the source (the first line of each article's journey is "page stored")."""

from __future__ import annotations

from typing import Any

from newsdive.scrape.stage import ScrapeReport


def account(report: ScrapeReport, source_id: str, logger: Any, metrics: Any) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    for name, value in (("PagesStored", len(report.stored)), ("PagesFailed", len(report.failed)),
                        ("FeedsChecked", report.feeds), ("FeedsNotModified", report.not_modified),
                        ("PagesDeferred", report.deferred), ("RobotsDisallowed", len(report.disallowed)),
                        ("Duplicates", len(report.duplicates))):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="HostWaitSeconds", unit=MetricUnit.Seconds, value=report.waited_seconds)
    for key in report.stored:  # the first line of an article's journey: the id is its item URL's hash
        logger.info("page stored", source_id=source_id, raw_key=key,
                    article_id=key.removeprefix("raw/").split(".", 1)[0])
    for url, reason in report.failed:
        logger.warning("page not fetched", source_id=source_id, url=url, reason=reason)
    for url in report.disallowed:
        logger.info("page disallowed by robots.txt", source_id=source_id, url=url)
    for dup in report.duplicates:
        logger.info("duplicate", source_id=source_id, url=dup.url, kind=dup.kind,
                    first_source=dup.first_source, first_feed=dup.first_feed)
    logger.info("source scraped", source_id=source_id, items=report.items, stored=len(report.stored),
                already_seen=report.already_seen, feeds=report.feeds, not_modified=report.not_modified,
                skipped=report.skipped, deferred=report.deferred, waited_seconds=report.waited_seconds,
                discovered=report.discovered, errors=[u for u, _ in report.errors])
