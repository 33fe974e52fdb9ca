"""Speed-ups of the moto server for the local run, that change no answer it gives: see `speed_up_moto`."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any

_MOTO_LOCK = threading.Lock()


def speed_up_moto() -> bool:  # noqa: C901 - the swapped methods close over moto's originals
    """Make an in-process moto server's SQS fast with thousands of messages waiting (the load bench), same answers.

    moto 5 reads the clock through datetime arithmetic (about 11 us a call) for every message each time it asks
    whether the message is visible or delayed, and a FIFO send recomputes every queue attribute (three passes over
    all messages) just to read ContentBasedDeduplication: with 3,000 messages waiting a batch send took 0.9 s and a
    receive+delete 3 s, so a 10,000-article run was quadratic. This swaps in `time.time()` for moto's SQS clock
    and reads that one attribute directly. No effect on a moto server in another process, nor on AWS; returns
    whether it applied (moto importable and shaped as expected)."""
    try:
        from moto.sqs import models
    except ImportError:
        return False
    with _MOTO_LOCK:
        if getattr(models, "_newsdive_fast", False):
            return True
        queue = getattr(models, "Queue", None)
        original_ms, original_s = getattr(models, "unix_time_millis", None), getattr(models, "unix_time", None)
        message = getattr(models, "Message", None)
        if (queue is None or message is None or original_ms is None or original_s is None
                or not all(hasattr(queue, a) for a in ("add_message", "messages", "approximate_number_of_messages"))):
            return False
        original_add = queue.add_message
        dedup_window = float(getattr(models, "DEDUPLICATION_TIME_IN_SECONDS", 300))

        def unix_time(dt: datetime | None = None) -> float:
            return time.time() if dt is None else original_s(dt)

        def unix_time_millis(dt: datetime | None = None) -> float:
            return time.time() * 1000.0 if dt is None else original_ms(dt)

        def add_message(self: Any, message: Any) -> None:
            if getattr(self, "lambda_event_source_mappings", None):  # moto's own ESMs: its original path
                return original_add(self, message)
            if self.fifo_queue and (getattr(self, "content_based_deduplication", False) or message.deduplication_id):
                for other in self._messages:  # as moto does: a duplicate of a waiting message within the window
                    if (other.deduplication_id == message.deduplication_id
                            and (message.sent_timestamp - other.sent_timestamp) / 1000 < dedup_window):
                        return None
            with self._messages_lock:
                self._messages.append(message)
                self._messages_lock.notify_all()
            return None

        def now_ms() -> float:
            return time.time() * 1000.0

        def messages(self: Any) -> list[Any]:  # visible and not delayed, one clock reading for the whole pass
            now = now_ms()
            return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

        def approximate_number_of_messages(self: Any) -> int:
            now = now_ms()
            return sum(1 for m in self._messages if now > m.visible_at and not now < m.delayed_until)

        def approximate_number_of_messages_not_visible(self: Any) -> int:
            now = now_ms()
            return sum(1 for m in self._messages if not now > m.visible_at)

        def approximate_number_of_messages_delayed(self: Any) -> int:
            now = now_ms()
            return sum(1 for m in self._messages if now < m.delayed_until)

        models.unix_time, models.unix_time_millis = unix_time, unix_time_millis
        queue.add_message = add_message
        queue.messages = property(messages)
        queue.approximate_number_of_messages = property(approximate_number_of_messages)
        queue.approximate_number_of_messages_not_visible = property(approximate_number_of_messages_not_visible)
        queue.approximate_number_of_messages_delayed = property(approximate_number_of_messages_delayed)
        models._newsdive_fast = True  # type: ignore[attr-defined]  # our marker on moto's module
    _fast_dynamodb_results()
    return True


_FAST_DYNAMODB = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
                            "BatchWriteItem"})


def _refuse(value: object) -> object:
    raise TypeError(type(value).__name__)


def _fast_dynamodb_results() -> None:
    """moto 5 serializes every DynamoDB answer by walking the botocore output shape value by value (a tenth of a
    load-bench run, reading whole stories). Item answers are plain JSON already: dump them directly, and take
    moto's own path for anything else (binary or timestamp values, nulls, errors, other operations)."""
    try:
        from moto.dynamodb import responses
    except ImportError:
        return
    result_class = getattr(responses, "DynamoResult", None)
    if result_class is None or getattr(result_class, "_newsdive_fast", False):
        return
    original = result_class.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        result = self.result
        if isinstance(result, dict) and getattr(context.operation_model, "name", "") in _FAST_DYNAMODB:
            try:
                body = json.dumps(result, default=_refuse)
            except (TypeError, ValueError):
                return original(self, context)
            if "null" not in body:
                return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
        return original(self, context)

    result_class.execute_result = execute_result
    result_class._newsdive_fast = True
