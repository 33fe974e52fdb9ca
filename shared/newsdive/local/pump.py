"""The local event pump: plays the part of Lambda's event source mappings on the moto server.

moto stores queues, buckets, tables and streams but runs no Lambda code, and its event source mappings would
burn messages. So the pump polls each queue and stream itself, builds the event exactly as Lambda does, calls
the handler in-process, deletes what succeeded and leaves failures to SQS's own retry and redrive (the receive
count and maxReceiveCount live in moto, as on AWS). Stream batches that keep failing go to the on-failure queue.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from newsdive.local.events import LocalContext, patched_environ, scheduled_event, sqs_event, stream_event
from newsdive.local.stack import LocalFunction, LocalStack, QueueTrigger, ScheduleTrigger, StreamTrigger

Progress = Callable[[str], None]


@dataclass
class StageStats:
    batches: int = 0
    records: int = 0
    failed: int = 0
    errors: int = 0


@dataclass
class PumpReport:
    stages: dict[str, StageStats] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    cycles: int = 0

    def stage(self, name: str) -> StageStats:
        return self.stages.setdefault(name, StageStats())


def load_handler(function: LocalFunction, *, instance: str = "") -> Callable[[dict, Any], Any]:
    """Import functions/<name>/handler.py as Lambda would (its own module, a cold start per `instance`),
    and return the entry point. A new stack gets new module objects, as a new deployment gets new containers."""
    module_name, attribute = function.handler.rsplit(".", 1)
    qualified = f"newsdive_function_{function.name}_{module_name}{instance}"
    module: ModuleType | None = sys.modules.get(qualified)
    if module is None:
        spec = importlib.util.spec_from_file_location(qualified, function.code_dir / f"{module_name}.py")
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {function.code_dir / module_name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[qualified]
            raise
    return getattr(module, attribute)


class EventPump:
    """Drives the stack's functions until no queue or stream has anything left."""

    def __init__(self, stack: LocalStack, *, session: Any, progress: Progress | None = None,
                 visibility_timeout: int = 30) -> None:
        self.stack = stack
        self.sqs = session.client("sqs", endpoint_url=stack.endpoint_url, region_name=stack.region)
        self.streams = session.client("dynamodbstreams", endpoint_url=stack.endpoint_url, region_name=stack.region)
        self.progress = progress or (lambda _msg: None)
        self.visibility_timeout = visibility_timeout
        self.report = PumpReport()
        self.journal: list[tuple[str, dict[str, Any]]] = []  # every event delivered, for replays
        self._positions: dict[tuple[str, str], str] = {}  # (stream arn, shard) -> last sequence number handled
        self._stream_attempts: Counter[tuple[str, str]] = Counter()
        self._order = [f for f in ("schedule", "scrape", "parse", "aggregate", "publish") if f in stack.functions]
        self._order += sorted(set(stack.functions) - set(self._order))

    # --- invoking ---------------------------------------------------------------------------------
    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        self.journal.append((name, event))
        function = self.stack.functions[name]
        with patched_environ(function.environment):  # as in its own container: only its own variables
            handler = load_handler(function, instance=f"_{id(self.stack):x}")
            return handler(event, LocalContext(function_name=f"newsdive-{name}", region=self.stack.region))

    def tick(self, when: datetime) -> Any:
        """Fire the schedule once at `when`, as EventBridge would."""
        for name, function in self.stack.functions.items():
            if any(isinstance(t, ScheduleTrigger) for t in function.triggers):
                return self.invoke(name, scheduled_event(when, region=self.stack.region))
        raise LookupError("no function has a schedule trigger")

    def replay(self) -> int:
        """Deliver every event delivered so far a second time (at-least-once delivery), then drain again."""
        events = list(self.journal)
        for name, event in events:
            try:
                self.invoke(name, event)
            except Exception as exc:  # noqa: BLE001 - a replayed failure is reported like the first one
                self.progress(f"{name}: replayed invocation failed: {type(exc).__name__}: {exc}")
        self.drain()
        return len(events)

    # --- draining ---------------------------------------------------------------------------------
    def drain(self, *, max_cycles: int = 10_000) -> PumpReport:
        """Deliver events stage by stage until a whole cycle finds nothing to do."""
        for _ in range(max_cycles):
            self.report.cycles += 1
            worked = False
            for name in self._order:
                for trigger in self.stack.functions[name].triggers:
                    if isinstance(trigger, QueueTrigger):
                        while self._pump_queue(name, trigger):
                            worked = True
                    elif isinstance(trigger, StreamTrigger):
                        while self._pump_stream(name, trigger):
                            worked = True
            if not worked and self._queues_empty():
                break
        self.report.dead_letters = self.dead_letter_counts()
        return self.report

    def _pump_queue(self, name: str, trigger: QueueTrigger) -> bool:
        response = self.sqs.receive_message(
            QueueUrl=trigger.queue_url,
            MaxNumberOfMessages=min(trigger.batch_size, 10),
            VisibilityTimeout=self.visibility_timeout,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        messages = response.get("Messages", [])
        if not messages:
            return False
        stats = self.report.stage(name)
        stats.batches += 1
        stats.records += len(messages)
        event = sqs_event(messages, queue_arn=trigger.queue_arn, region=self.stack.region)
        failed_ids = self._call_batch(name, event, [m["MessageId"] for m in messages], trigger.report_failures)
        stats.failed += len(failed_ids)
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=trigger.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        for message in messages:
            if message["MessageId"] in failed_ids:
                # Lambda leaves a failed message invisible until its timeout; locally we let it back at once.
                self.sqs.change_message_visibility(
                    QueueUrl=trigger.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        self.progress(self._status())
        return True

    def _call_batch(self, name: str, event: dict[str, Any], ids: list[str], report_failures: bool) -> set[str]:
        """Invoke; return the ids that failed (all of them when the invocation itself raised)."""
        try:
            result = self.invoke(name, event)
        except Exception as exc:  # noqa: BLE001 - a failed invocation fails the whole batch, as on Lambda
            self.report.stage(name).errors += 1
            self.progress(f"{name}: invocation failed: {type(exc).__name__}: {exc}")
            return set(ids)
        if not report_failures or not isinstance(result, dict):
            return set()
        return {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}

    def _pump_stream(self, name: str, trigger: StreamTrigger) -> bool:
        worked = False
        description = self.streams.describe_stream(StreamArn=trigger.stream_arn)["StreamDescription"]
        for shard in sorted(description.get("Shards", []), key=lambda s: s["ShardId"]):
            position_key = (trigger.stream_arn, shard["ShardId"])
            last = self._positions.get(position_key)
            kwargs: dict[str, Any] = {"StreamArn": trigger.stream_arn, "ShardId": shard["ShardId"]}
            if last is None:
                kwargs["ShardIteratorType"] = "TRIM_HORIZON"
            else:
                kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=last)
            iterator = self.streams.get_shard_iterator(**kwargs)["ShardIterator"]
            records = self.streams.get_records(ShardIterator=iterator, Limit=trigger.batch_size).get("Records", [])
            if not records:
                continue
            worked = True
            stats = self.report.stage(name)
            stats.batches += 1
            stats.records += len(records)
            event = stream_event(records, stream_arn=trigger.stream_arn)
            sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
            failed = self._call_batch(name, event, sequence, trigger.report_failures)
            if not failed:
                self._positions[position_key] = sequence[-1]
                continue
            first_failed = min(sequence.index(s) for s in failed if s in sequence)
            if first_failed > 0:  # checkpoint: everything before the first failure is done
                self._positions[position_key] = sequence[first_failed - 1]
            attempt_key = (trigger.stream_arn, sequence[first_failed])
            self._stream_attempts[attempt_key] += 1
            stats.failed += 1
            if self._stream_attempts[attempt_key] > trigger.max_retries:
                self._send_stream_failure(trigger, shard["ShardId"], records[first_failed])
                self._positions[position_key] = sequence[first_failed]
        if worked:
            self.progress(self._status())
        return worked

    def _send_stream_failure(self, trigger: StreamTrigger, shard_id: str, record: dict[str, Any]) -> None:
        """What Lambda sends to a stream's on-failure destination: where the failed records are, not the records."""
        if not trigger.on_failure_queue_url:
            return
        sequence = record["dynamodb"]["SequenceNumber"]
        body = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": trigger.max_retries + 1},
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "version": "1.0",
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": sequence,
                "endSequenceNumber": sequence,
                "batchSize": 1,
                "streamArn": trigger.stream_arn,
            },
        }
        self.sqs.send_message(QueueUrl=trigger.on_failure_queue_url, MessageBody=json.dumps(body, sort_keys=True))

    # --- state --------------------------------------------------------------------------------------
    def _queues_empty(self) -> bool:
        for function in self.stack.functions.values():
            for trigger in function.triggers:
                if isinstance(trigger, QueueTrigger):
                    attributes = self.sqs.get_queue_attributes(
                        QueueUrl=trigger.queue_url,
                        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                    )["Attributes"]
                    if int(attributes["ApproximateNumberOfMessages"]) or int(attributes["ApproximateNumberOfMessagesNotVisible"]):
                        if int(attributes["ApproximateNumberOfMessagesNotVisible"]):
                            time.sleep(0.05)
                        return False
        return True

    def dead_letter_counts(self) -> dict[str, int]:
        counts = {}
        for owner, url in sorted(self.stack.dead_letter_queues.items()):
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            counts[owner] = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
        return counts

    def _status(self) -> str:
        parts = []
        for name in self._order:
            stats = self.report.stages.get(name)
            if stats:
                failed = f" ({stats.failed} failed)" if stats.failed else ""
                parts.append(f"{name} {stats.records}{failed}")
        return " · ".join(parts)
