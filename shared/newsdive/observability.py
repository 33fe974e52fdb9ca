"""Logger, Metrics and Tracer for every function, in one module.

Tracer is created lazily: it costs ~170 ms at import even when disabled (see docs), so only the
handlers that ask for it pay for it. Each handler names its own service.
"""

from __future__ import annotations

import os
from functools import lru_cache

from aws_lambda_powertools import Logger, Metrics

NAMESPACE = "newsdive"


def get_logger(service: str) -> Logger:
    """A JSON logger; the article/story id is appended as a key where a record is processed."""
    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", service))


def get_metrics(service: str) -> Metrics:
    return Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE), service=service)


@lru_cache(maxsize=None)
def get_tracer(service: str):  # noqa: ANN201 - typed lazily to keep the import out of cold start
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)
