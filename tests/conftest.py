"""Test-wide settings: dummy AWS credentials and Powertools variables, so nothing can reach real AWS."""

from __future__ import annotations

import os

import pytest

_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_SERVICE_NAME": "newsdive-tests",
    "POWERTOOLS_METRICS_NAMESPACE": "newsdive",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
for _key, _value in _ENV.items():
    os.environ.setdefault(_key, _value)
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(autouse=True)
def _fresh_wiring():
    """Cached clients and settings never leak from one test to the next."""
    from newsdive.runtime import wiring

    wiring.reset()
    yield
    wiring.reset()
