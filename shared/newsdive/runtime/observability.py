"""Logger, Metrics and Tracer for every function, in one module.

Tracer is opt-in (NEWSDIVE_TRACER=on): the X-Ray SDK is the largest part of a handler's import time.
Each handler names its own service.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache, wraps
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
                from newsdive.model.errors import is_permanent

                logger.exception(f"{what} failed", error=type(exc).__name__, reason=str(exc)[:500],
                                 permanent=is_permanent(exc))
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


class _NoTracer:
    """Stands in for Powertools' Tracer when tracing is off: the decorators return the function unchanged."""

    def capture_lambda_handler(self, func: F | None = None, **_kwargs: Any) -> Any:
        return func if func is not None else (lambda f: f)

    def capture_method(self, func: F | None = None, **_kwargs: Any) -> Any:
        return func if func is not None else (lambda f: f)


@cache
def get_tracer(service: str) -> Any:
    """Powertools Tracer when NEWSDIVE_TRACER=on, else a no-op.

    Importing the X-Ray SDK costs about half a second of every cold start even when tracing is disabled (measured
    by `newsdive bench coldstart`), so the SDK is opt-in; Lambda's own X-Ray segments (Tracing: Active in the
    template) need no SDK and stay on.
    """
    if os.environ.get("NEWSDIVE_TRACER", "off").lower() not in ("on", "true", "1"):
        return _NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)
