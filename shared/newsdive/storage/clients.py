"""Cached boto3 clients: created lazily (after moto or AWS_ENDPOINT_URL is in place) and reused while warm."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Standard retry mode retries throttling and 5xx with backoff; adaptive would add client-side rate limiting.
    config = Config(retries={"mode": "standard", "max_attempts": 6}, connect_timeout=5, read_timeout=30)
    return boto3.session.Session().client(service, config=config)


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints or mocks call this)."""
    client.cache_clear()
