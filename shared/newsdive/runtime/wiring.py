"""Cached factories that build each stage's dependencies from its settings (once per warm container).

Handlers call these; tests and the local runner call `reset()` after switching endpoints or environments.
"""

from __future__ import annotations

from functools import cache, lru_cache

from newsdive.runtime import settings as cfg


@cache
def crawl_state(table: str):  # noqa: ANN201
    from newsdive.storage.crawl_dynamo import DynamoCrawlControl

    return DynamoCrawlControl(table)  # a CrawlState with politeness, feed and health state


@cache
def bucket(name: str):  # noqa: ANN201
    from newsdive.storage.aws import S3ObjectStore

    return S3ObjectStore(name)


@cache
def queue(url: str):  # noqa: ANN201
    from newsdive.storage.aws import SqsQueue

    return SqsQueue(url)


@cache
def stories(table: str):  # noqa: ANN201
    from newsdive.storage.aws import DynamoStoryRepository

    return DynamoStoryRepository(table)


@cache
def candidate_index(table: str):  # noqa: ANN201
    from newsdive.storage.aws import DynamoCandidateIndex

    return DynamoCandidateIndex(table)


@lru_cache(maxsize=1)
def scraper():  # noqa: ANN201
    from newsdive.scrape.fetch import Fetcher, FetchPolicy
    from newsdive.scrape.stage import Scraper

    s = cfg.settings(cfg.ScrapeSettings)
    policy = FetchPolicy.from_env(
        allow_hosts=s.fetch_allow_hosts,
        host_map=s.fetch_host_map,
        user_agent=s.fetch_user_agent,
        read_timeout=s.fetch_timeout_seconds,
        max_bytes=s.fetch_max_bytes,
    )
    return Scraper(
        fetcher=Fetcher(policy),
        raw=bucket(s.raw_bucket),
        crawl=crawl_state(s.crawl_table),
        seen_ttl_days=s.seen_ttl_days,
        max_items_per_feed=s.max_items_per_feed,
        host_interval=s.fetch_host_interval_seconds,
        max_wait=s.fetch_max_wait_seconds,
        robots_ttl_hours=s.robots_ttl_hours,
        feed_max_backoff_minutes=s.feed_max_backoff_minutes,
        sitemap_max_age_hours=s.sitemap_max_age_hours,
    )


@lru_cache(maxsize=1)
def parser():  # noqa: ANN201
    from newsdive.parse.stage import Parser

    s = cfg.settings(cfg.ParseSettings)
    return Parser(raw=bucket(s.raw_bucket), aggregate_queue=queue(s.aggregate_queue_url), max_bytes=s.parse_max_bytes)


@lru_cache(maxsize=1)
def aggregator():  # noqa: ANN201
    from newsdive.aggregate.bias import BlindspotRule
    from newsdive.aggregate.cluster.assign import AssignConfig
    from newsdive.aggregate.stage import Aggregator

    s = cfg.settings(cfg.AggregateSettings)
    return Aggregator(
        stories=stories(s.stories_table),
        index=candidate_index(s.index_table),
        rule=BlindspotRule(low_pct=s.blindspot_low_pct, high_pct=s.blindspot_high_pct,
                           min_outlets=s.blindspot_min_outlets),
        config=AssignConfig(threshold=s.match_threshold, window_hours=s.story_window_hours),
    )


@lru_cache(maxsize=1)
def publisher():  # noqa: ANN201
    from newsdive.publish.stage import Publisher
    from newsdive.publish.summarize import from_settings

    s = cfg.settings(cfg.PublishSettings)
    cdn = None
    if s.distribution_id:
        from newsdive.storage.aws import CloudFrontCdn

        cdn = CloudFrontCdn(s.distribution_id)
    return Publisher(
        stories=stories(s.stories_table),
        index=candidate_index(s.index_table),
        public=bucket(s.public_bucket),
        cache_control_seconds=s.cache_control_seconds,
        summarizer=from_settings(s.summarizer, model_id=s.bedrock_model_id, guardrail_id=s.bedrock_guardrail_id,
                                 guardrail_version=s.bedrock_guardrail_version),
        base_url=s.public_base_url,
        page_url=s.story_page_url,
        cdn=cdn,
    )


def reset() -> None:
    """Forget every cached dependency, setting and client."""
    from newsdive.storage.clients import reset_clients

    for factory in (crawl_state, bucket, queue, stories, candidate_index, scraper, parser, aggregator, publisher):
        factory.cache_clear()
    cfg.reset_settings()
    reset_clients()
