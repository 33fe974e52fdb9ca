"""Fakes for the runtime run objects: a logger and metrics that remember, the wiring on memory adapters, and
builders for the events they take."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from newsdive.aggregate.stage import Aggregator
from newsdive.health.sources import SourceInfo, source_health
from newsdive.parse.stage import Parser
from newsdive.publish.stage import Publisher
from newsdive.storage.memory import (
    MemoryCandidateIndex,
    MemoryCdn,
    MemoryCrawlControl,
    MemoryObjectStore,
    MemoryQueue,
    MemoryStoryRepository,
)
from newsdive_tools.local.event_shapes import sqs_event


class Recorder:
    """Stands in for the Powertools Logger: each line as (level, message, keys)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []
        self.keys: dict[str, Any] = {}

    def _log(self, level: str, message: str, **keys: Any) -> None:
        self.lines.append((level, message, keys))

    def info(self, message: str, **keys: Any) -> None:
        self._log("info", message, **keys)

    def warning(self, message: str, **keys: Any) -> None:
        self._log("warning", message, **keys)

    def exception(self, message: str, **keys: Any) -> None:
        self._log("exception", message, **keys)

    def append_keys(self, **keys: Any) -> None:
        self.keys.update(keys)

    def remove_keys(self, keys: list[str]) -> None:
        for key in keys:
            self.keys.pop(key, None)

    def messages(self, level: str | None = None) -> list[str]:
        return [m for lv, m, _ in self.lines if level in (None, lv)]


class Counted:
    """Stands in for Powertools Metrics: the metrics added, summed by name."""

    namespace, service = "newsdive", "test"

    def __init__(self) -> None:
        self.added: dict[str, float] = {}

    def add_metric(self, *, name: str, unit: Any, value: float) -> None:
        self.added[name] = self.added.get(name, 0) + value


class MemoryWiring:
    """newsdive.runtime.wiring's factories on memory adapters, one of each per test."""

    def __init__(self) -> None:
        self.crawl, self.stories, self.index, self.cdn = (MemoryCrawlControl(), MemoryStoryRepository(),
                                                          MemoryCandidateIndex(), MemoryCdn())
        self.buckets: dict[str, MemoryObjectStore] = {}
        self.queues: dict[str, MemoryQueue] = {}
        self._aggregator = Aggregator(stories=self.stories, index=self.index, sleep=lambda _s: None)
        self._publisher = Publisher(stories=self.stories, index=self.index, public=self.bucket("public"),
                                    cdn=self.cdn)

    def crawl_state(self, table: str) -> MemoryCrawlControl:
        return self.crawl

    def bucket(self, name: str) -> MemoryObjectStore:
        return self.buckets.setdefault(name, MemoryObjectStore())

    def queue(self, url: str) -> MemoryQueue:
        return self.queues.setdefault(url, MemoryQueue())

    def aggregator(self) -> Aggregator:
        return self._aggregator

    def parser(self) -> Parser:
        return Parser(raw=self.bucket("raw"), aggregate_queue=self.queue("aggregate"))

    def publisher(self) -> Publisher:
        return self._publisher


NO_FAILURES = {"batchItemFailures": []}  # a partial batch response with nothing to send back


def messages(*bodies: str, deliveries: tuple[str, ...] = ()) -> dict:
    """An SQS batch event, message ids m0, m1, ...; `deliveries` the receive count of each (default 1)."""
    return sqs_event([{"MessageId": f"m{n}", "ReceiptHandle": f"r{n}", "Body": body,
                       "Attributes": {"ApproximateReceiveCount": deliveries[n] if n < len(deliveries) else "1"}}
                      for n, body in enumerate(bodies)], queue_arn="arn:aws:sqs:us-east-1:123456789012:q",
                     region="us-east-1")


def failed(response: dict) -> list[str]:
    """The ids of the records a partial batch response sends back."""
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def lost_reasons(crawl: MemoryCrawlControl, source_id: str) -> dict[str, int]:
    """What source health counts as lost for this source, by stage and error."""
    [health] = source_health([SourceInfo(source_id, source_id)], crawl, now=datetime.now(UTC))
    return health.lost_reasons
