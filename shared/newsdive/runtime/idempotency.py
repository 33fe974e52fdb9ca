"""The idempotency set-up of the functions whose records may be delivered twice (scrape, aggregate): one Powertools
record per key in the idempotency table, kept for a stage's own window; a duplicate delivery returns the first
result instead of running again."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from newsdive.storage.clients import client


def idempotency(key: str, *, table: str | None, hours: int,
                argument: str) -> tuple[IdempotencyConfig, Callable[..., Any]]:
    """The config (register each invocation's Lambda context on it) and the decorator that runs a function once
    per `key` (a JMESPath over the keyword `argument`) within `hours`."""
    config = IdempotencyConfig(event_key_jmespath=key, expires_after_seconds=hours * 3600)
    # None (no table configured, e.g. local runs with idempotency disabled) is only read when a record is written.
    # The functions' own DynamoDB client (newsdive.storage.clients): one boto3 session and one client per process,
    # instead of a session of its own that loads the service models a second time on every cold start.
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))  # type: ignore[arg-type]
    return config, partial(idempotent_function, data_keyword_argument=argument, config=config,
                           persistence_store=persistence)
