"""Cached boto3 clients: created lazily (after moto or AWS_ENDPOINT_URL is in place) and reused while warm; and
their errors as newsdive's (`translated`), for every adapter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from newsdive.model.errors import NotFoundError, StorageError, VersionConflictError


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


@contextmanager
def translated(what: str) -> Iterator[None]:
    """botocore's ClientError as newsdive's errors: a failed condition, a missing item or object, anything else."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise VersionConflictError(f"{what}: condition failed") from exc
        if code in ("NoSuchKey", "404", "NotFound", "ResourceNotFoundException"):
            raise NotFoundError(f"{what}: not found") from exc
        raise StorageError(f"{what}: {code or exc}") from exc
