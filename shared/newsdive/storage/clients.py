"""Cached boto3 clients: created lazily (after moto or AWS_ENDPOINT_URL is in place) and reused while warm; and
their errors as newsdive's (`translated`), for every adapter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from newsdive.model.errors import NotFoundError, StorageError, VersionConflictError


@cache
def session() -> Any:
    """The process's one boto3 Session, for every client: each Session loads and parses the service models (and
    botocore's endpoint and partition data) anew, the largest part of a client's creation on a cold start."""
    import boto3

    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    from botocore.config import Config

    # Standard retry mode retries throttling and 5xx with backoff; adaptive would add client-side rate limiting.
    config = Config(retries={"mode": "standard", "max_attempts": 6}, connect_timeout=5, read_timeout=30)
    return session().client(service, config=config)


def reset_clients() -> None:
    """Forget cached clients and the session (tests that switch endpoints or mocks call this)."""
    client.cache_clear()
    session.cache_clear()


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
