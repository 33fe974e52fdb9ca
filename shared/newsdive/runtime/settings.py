"""One settings model per function, read from the environment once (at cold start) and validated then.

Every variable is set in infra/template.yaml and documented in the README's configuration table.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal, TypeVar, cast

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)


class ScheduleSettings(_Settings):
    sources_bucket: Annotated[str, Field(min_length=3)]
    sources_key: str = "config/sources.json"
    scrape_queue_url: Annotated[str, Field(min_length=1)]
    crawl_table: Annotated[str, Field(min_length=1)]
    status_bucket: str = ""  # where sources/status.json goes (the public bucket); empty = not published
    source_stale_hours: Annotated[float, Field(gt=0)] = 24.0
    source_min_parse_share: Annotated[float, Field(ge=0, le=1)] = 0.5


class ScrapeSettings(_Settings):
    raw_bucket: Annotated[str, Field(min_length=3)]
    crawl_table: Annotated[str, Field(min_length=1)]
    idempotency_table: Annotated[str, Field(min_length=1)]
    fetch_allow_hosts: str = ""
    fetch_host_map: str = ""
    fetch_user_agent: str = "newsdive/0.1 (+https://github.com/newsdive/newsdive)"
    fetch_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 15.0
    fetch_max_bytes: Annotated[int, Field(gt=0)] = 5_000_000
    seen_ttl_days: Annotated[int, Field(ge=1)] = 30
    max_items_per_feed: Annotated[int, Field(ge=1)] = 100
    fetch_host_interval_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0
    fetch_max_wait_seconds: Annotated[float, Field(ge=0, le=60)] = 10.0
    robots_ttl_hours: Annotated[float, Field(gt=0)] = 24.0
    feed_max_backoff_minutes: Annotated[int, Field(ge=1)] = 360
    sitemap_max_age_hours: Annotated[int, Field(ge=1)] = 48


class ParseSettings(_Settings):
    raw_bucket: Annotated[str, Field(min_length=3)]
    aggregate_queue_url: Annotated[str, Field(min_length=1)]
    parse_max_bytes: Annotated[int, Field(gt=0)] = 5_000_000
    crawl_table: str = ""  # parse verdicts per source go here (source health); empty = not recorded
    # The parse queue's redrive maxReceiveCount (the template keeps both equal): a failure on a page's last
    # delivery counts against its source even when a retry could have fixed it. None: unknown.
    max_receive_count: Annotated[int | None, Field(ge=1)] = None


class AggregateSettings(_Settings):
    raw_bucket: Annotated[str, Field(min_length=3)]
    stories_table: Annotated[str, Field(min_length=1)]
    index_table: Annotated[str, Field(min_length=1)]
    idempotency_table: Annotated[str, Field(min_length=1)]
    blindspot_low_pct: Annotated[int, Field(ge=0, le=100)] = 15
    blindspot_high_pct: Annotated[int, Field(ge=0, le=100)] = 50
    blindspot_min_outlets: Annotated[int, Field(ge=1)] = 3
    match_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.44
    story_window_hours: Annotated[int, Field(ge=1)] = 72
    # The aggregate queue's redrive maxReceiveCount (the template keeps both equal): a record on its last delivery
    # is never held behind another's failure (newsdive.runtime.fifo). None: unknown, nothing is held.
    max_receive_count: Annotated[int | None, Field(ge=1)] = None
    crawl_table: str = ""  # articles lost here count against their source (source health); empty = not recorded


class PublishSettings(_Settings):
    stories_table: Annotated[str, Field(min_length=1)]
    index_table: Annotated[str, Field(min_length=1)]
    public_bucket: Annotated[str, Field(min_length=3)]
    crawl_table: str = ""  # articles lost here count against their source (source health); empty = not recorded
    public_base_url: str = ""
    cache_control_seconds: Annotated[int, Field(ge=0)] = 300
    story_page_url: str = ""  # a frontend's story page, with {id} and {slug}: RSS links and the sitemap use it
    distribution_id: str = ""  # CloudFront distribution to invalidate after writes; empty = none
    summarizer: Literal["extractive", "bedrock"] = "extractive"
    bedrock_model_id: str = ""
    bedrock_guardrail_id: str = ""
    bedrock_guardrail_version: str = ""

    @model_validator(mode="after")
    def _bedrock_needs_a_model(self) -> PublishSettings:
        if self.summarizer == "bedrock" and not self.bedrock_model_id:
            raise ValueError("SUMMARIZER=bedrock needs BEDROCK_MODEL_ID")
        return self


S = TypeVar("S", bound=_Settings)


def settings(kind: type[S]) -> S:
    """The cached settings of a function; raises pydantic's ValidationError naming each missing variable."""
    return cast(S, _read(kind))


@cache
def _read(kind: type[_Settings]) -> _Settings:
    return kind()


def reset_settings() -> None:
    """Forget the settings read so far (tests and the local run change the environment between invocations)."""
    _read.cache_clear()
