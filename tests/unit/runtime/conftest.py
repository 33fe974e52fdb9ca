"""Fixtures for the runtime run objects (newsdive.runtime.*_run, losses): see fakes.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from .fakes import Counted, MemoryWiring, Recorder


@pytest.fixture
def logger() -> Recorder:
    return Recorder()


@pytest.fixture
def metrics() -> Counted:
    return Counted()


@pytest.fixture
def wiring() -> MemoryWiring:
    return MemoryWiring()


@pytest.fixture
def context() -> SimpleNamespace:
    return SimpleNamespace(function_name="test", memory_limit_in_mb=512, aws_request_id="req-1",
                           invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:test",
                           get_remaining_time_in_millis=lambda: 60_000)
