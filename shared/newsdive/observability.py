"""Logger, Metrics and Tracer for every function, in one module.

Tracer is created lazily: it costs ~170 ms at import even when disabled (see docs), so only the
handlers that ask for it pay for it. Each handler names its own service.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

NAMESPACE = "newsdive"
F = TypeVar("F", bound=Callable[..., Any])


def get_logger(service: str) -> Logger:
    """A JSON logger; the article/story id is appended as a key where a record is processed."""
    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", service))


def get_metrics(service: str) -> Metrics:
    return Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE), service=service)


def log_failures(logger: Logger, what: str) -> Callable[[F], F]:
    """Log a record handler's exception (with its type and whether a retry can help) before the batch
    processor turns it into a partial batch failure; otherwise the reason would be lost."""

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                from newsdive.errors import is_permanent

                logger.exception(f"{what} failed", error=type(exc).__name__, reason=str(exc)[:500],
                                 permanent=is_permanent(exc))
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


@lru_cache(maxsize=None)
def get_tracer(service: str):  # noqa: ANN201 - typed lazily to keep the import out of cold start
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)
