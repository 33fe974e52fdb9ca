"""The local event pump: plays the part of Lambda's event source mappings on the moto server.

moto stores queues, buckets, tables and streams but runs no Lambda code, and its event source mappings would
burn messages. So the pump polls each queue and stream itself, builds the event exactly as Lambda does, calls
the handler in-process, deletes what succeeded and leaves failures to SQS's own retry and redrive (the receive
count and maxReceiveCount live in moto, as on AWS). Stream batches that keep failing go to the on-failure queue.

Each worker thread is one Lambda "container": its own import of the handler module (a cold start), so module
state such as the batch processor is never shared between concurrent invocations. Queue stages run with
`workers` threads at once; a stream shard is read by one poller at a time, as on Lambda. With a `Chaos`
(chaos.py) the pump also misbehaves as Lambda and SQS may: duplicates, reordered and split batches, messages
whose visibility expires in flight, processes that die after a write, stream records delivered again.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from botocore.exceptions import ClientError

from newsdive_tools.local.chaos import Chaos, ChaosCrash, Instrumentation, Plan
from newsdive_tools.local.event_shapes import LocalContext, patched_environ, scheduled_event, sqs_event, stream_event
from newsdive_tools.local.moto_speed import speed_up_moto
from newsdive_tools.local.stack import LocalFunction, LocalStack, QueueTrigger, ScheduleTrigger, StreamTrigger

Progress = Callable[[str], None]
_LOAD_LOCK = threading.Lock()


@dataclass
class StageStats:
    batches: int = 0
    records: int = 0
    failed: int = 0
    errors: int = 0
    redelivered: int = 0  # deliveries of a message or stream record after its first
    durations: list[float] = field(default_factory=list)  # seconds per invocation (the bench's p50/p95)
    request_seconds: dict[str, float] = field(default_factory=dict)  # invocation's request id -> seconds


@dataclass
class PumpReport:
    stages: dict[str, StageStats] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    cycles: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stage(self, name: str) -> StageStats:
        with self.lock:
            return self.stages.setdefault(name, StageStats())


def load_handler(function: LocalFunction, *, instance: str = "") -> Callable[[dict, Any], Any]:
    """Import functions/<name>/handler.py as Lambda would (its own module, a cold start per `instance`),
    and return the entry point. A new stack gets new module objects, as a new deployment gets new containers."""
    module_name, attribute = function.handler.rsplit(".", 1)
    qualified = f"newsdive_function_{function.name}_{module_name}{instance}"
    with _LOAD_LOCK:
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
                 visibility_timeout: int = 30, workers: int = 1, chaos: Chaos | None = None,
                 instrumentation: Instrumentation | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        speed_up_moto()
        self.stack = stack
        self.sqs = session.client("sqs", endpoint_url=stack.endpoint_url, region_name=stack.region)
        self.streams = session.client("dynamodbstreams", endpoint_url=stack.endpoint_url, region_name=stack.region)
        self.dynamodb = session.client("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
        self.progress = progress or (lambda _msg: None)
        self.visibility_timeout = visibility_timeout
        self.workers = workers
        self.chaos = chaos
        self.instrumentation = instrumentation or (Instrumentation(chaos) if chaos else None)
        self.report = PumpReport()
        self.esm_requests: Counter[str] = Counter()  # the pollers' own SQS calls (billed on AWS too)
        self.journal: list[tuple[str, dict[str, Any]]] = []  # every event delivered, for replays
        self._journal_lock = threading.Lock()
        self._positions: dict[tuple[str, str], str] = {}  # (stream arn, shard) -> last sequence number handled
        self._stream_attempts: Counter[tuple[str, str]] = Counter()
        self._stream_seen: set[str] = set()
        self._containers = uuid.uuid4().hex[:12]  # this pump's "containers": cold starts of its own
        self._order: list[str] = [f for f in ("schedule", "scrape", "parse", "aggregate", "publish")
                                  if f in stack.functions]
        self._order += sorted(set(stack.functions) - set(self._order))

    # --- invoking ---------------------------------------------------------------------------------
    def invoke(self, name: str, event: dict[str, Any], *, stage: str | None = None) -> Any:
        """Call one function with its own environment (as in its own container), like `sam local invoke`.
        `stage` names the work apart from the function's (`recluster`, `settle`: the scheduled jobs), so the bench
        can price it as the fixed hourly work it is on AWS."""
        with patched_environ(self.stack.functions[name].environment):
            return self._invoke(name, event, worker=0, stage=stage)

    def _invoke(self, name: str, event: dict[str, Any], *, worker: int, plan: Plan | None = None,
                stage: str | None = None) -> Any:
        with self._journal_lock:
            self.journal.append((name, event))
        function = self.stack.functions[name]
        handler = load_handler(function, instance=f"_{self._containers}_w{worker}")
        context = LocalContext(function_name=f"newsdive-{name}", region=self.stack.region,
                               memory_limit_in_mb=function.memory_size, timeout_seconds=function.timeout)
        started = time.perf_counter()
        try:
            if self.instrumentation is None:
                return handler(event, context)
            with self.instrumentation.invocation(stage or name, plan):
                return handler(event, context)
        finally:
            seconds = time.perf_counter() - started
            self.report.stage(stage or name).durations.append(seconds)
            self.report.stage(stage or name).request_seconds[context.aws_request_id] = seconds

    def tick(self, when: datetime) -> Any:
        """Fire the crawl schedule once at `when`, as EventBridge would."""
        names = ["schedule"] if "schedule" in self.stack.functions else list(self.stack.functions)
        for name in names:
            if any(isinstance(t, ScheduleTrigger) for t in self.stack.functions[name].triggers):
                return self.invoke(name, scheduled_event(when, region=self.stack.region))
        raise LookupError("no function has a schedule trigger")

    def settle(self, *, depth: int = 1_000_000) -> Any:
        """Ask publish to settle: re-render every story from the current state (newsdive.publish.settle); a local run
        does it once the pipeline has drained, the deployed stack on the publish function's schedule."""
        if "publish" not in self.stack.functions:
            return None
        event = {"version": "0", "id": "settle", "detail-type": "Scheduled Event", "source": "newsdive.settle",
                 "account": "123456789012", "time": "1970-01-01T00:00:00Z", "region": self.stack.region,
                 "resources": [], "detail": {"depth": depth}}
        return self.invoke("publish", event, stage="settle")

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
                function = self.stack.functions[name]
                for trigger in function.triggers:
                    if isinstance(trigger, QueueTrigger):
                        worked |= self._drain_queue(name, function, trigger)
                    elif isinstance(trigger, StreamTrigger):
                        with patched_environ(function.environment):
                            while self._pump_stream(name, trigger):
                                worked = True
            if not worked and self._queues_empty():
                break
        self.report.dead_letters = self.dead_letter_counts()
        return self.report

    def _drain_queue(self, name: str, function: LocalFunction, trigger: QueueTrigger) -> bool:
        """Run `workers` pollers on one queue until it has nothing visible; True if anything was delivered."""
        with patched_environ(function.environment):  # one stage at a time: the environment is that function's
            if self.workers == 1:
                worked = False
                while self._pump_queue(name, trigger, worker=0):
                    worked = True
                return worked
            with ThreadPoolExecutor(self.workers, thread_name_prefix=f"{name}-worker") as pool:
                results = list(pool.map(lambda w: self._poll_until_empty(name, trigger, w), range(self.workers)))
            return any(results)

    def _poll_until_empty(self, name: str, trigger: QueueTrigger, worker: int) -> bool:
        worked = False
        while self._pump_queue(name, trigger, worker=worker):
            worked = True
        return worked

    def _esm(self, operation: str, queue_url: str) -> None:
        with self.report.lock:
            self.esm_requests[f"sqs.{operation}" + ("(fifo)" if queue_url.endswith(".fifo") else "")] += 1

    def _receive(self, trigger: QueueTrigger) -> list[dict[str, Any]]:
        self._esm("ReceiveMessage", trigger.queue_url)
        response = self.sqs.receive_message(
            QueueUrl=trigger.queue_url,
            MaxNumberOfMessages=min(trigger.batch_size, 10),
            VisibilityTimeout=self.visibility_timeout,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return response.get("Messages", [])

    def _pump_queue(self, name: str, trigger: QueueTrigger, *, worker: int) -> bool:
        messages = self._receive(trigger)
        if not messages:
            return False
        batches = [messages]
        if self.chaos is not None and self.chaos.applies(name):
            batches = self._chaotic_batches(name, trigger, messages, worker)
        fifo = trigger.queue_url.endswith(".fifo")
        for number, batch in enumerate(batches):
            failed = self._deliver(name, trigger, batch, worker=worker)
            if failed and fifo:  # a FIFO group's later messages never overtake a failed one: back, unprocessed
                for message in [m for rest in batches[number + 1:] for m in rest]:
                    self._release(trigger, message)
                break
        self.progress(self._status())
        return True

    def _release(self, trigger: QueueTrigger, message: dict[str, Any]) -> None:
        """Let a received message be received again at once (Lambda would wait for its visibility timeout)."""
        self._esm("ChangeMessageVisibility", trigger.queue_url)
        try:
            self.sqs.change_message_visibility(QueueUrl=trigger.queue_url, ReceiptHandle=message["ReceiptHandle"],
                                               VisibilityTimeout=0)
        except ClientError:  # received again meanwhile (its visibility lapsed): that delivery owns it now
            return

    def _chaotic_batches(self, name: str, trigger: QueueTrigger, messages: list[dict[str, Any]],
                         worker: int) -> list[list[dict[str, Any]]]:
        """Reorder (also across two receives), split, and let one message's visibility lapse in flight (a FIFO
        queue's batch is neither reordered nor split, nor seen by two pollers at once, as with SQS and Lambda)."""
        chaos = self.chaos
        if chaos is None:
            return [messages]
        fifo = trigger.queue_url.endswith(".fifo")  # SQS keeps a FIFO group's order and hides it while in flight
        if not fifo and chaos.chance("reorder"):
            messages = chaos.shuffled(messages + self._receive(trigger))
            chaos.count("reorder")
        batches = [messages]
        # Lambda invokes a FIFO message group's received batch as one batch (never split): a later part released
        # unprocessed behind a failed one would spend a receive of its own, and could reach the DLQ for nothing.
        if len(messages) > 1 and chaos.chance("split") and not fifo:
            cut = chaos.randint(1, len(messages) - 1)
            batches = [messages[:cut], messages[cut:]]
            chaos.count("split")
        limit = min(trigger.batch_size, 10)
        batches = [b[i : i + limit] for b in batches for i in range(0, len(b), limit)]
        first = [m for m in messages if _receive_count(m) == 1]
        if first and not fifo and chaos.chance("visibility"):
            victim = first[chaos.randint(0, len(first) - 1)]
            if chaos.may_harm([victim["MessageId"]]):
                chaos.harm([victim["MessageId"]])
                chaos.count("visibility")
                self.sqs.change_message_visibility(QueueUrl=trigger.queue_url, ReceiptHandle=victim["ReceiptHandle"],
                                                   VisibilityTimeout=0)
                again = self._receive(trigger)  # another poller gets it (and maybe others) while it is in flight
                if again:
                    batches.insert(0, again)
        return batches

    def _deliver(self, name: str, trigger: QueueTrigger, messages: list[dict[str, Any]], *,
                 worker: int) -> set[str]:
        """One invocation over these messages; deletes what succeeded, returns the ids that failed."""
        stats = self.report.stage(name)
        with self.report.lock:
            stats.batches += 1
            stats.records += len(messages)
            stats.redelivered += sum(1 for m in messages if _receive_count(m) > 1)
        event = sqs_event(messages, queue_arn=trigger.queue_arn, region=self.stack.region)
        ids = [m["MessageId"] for m in messages]
        plan = Plan()
        if self.chaos is not None and self.chaos.applies(name):
            plan = self.chaos.plan(ids, first_delivery=all(_receive_count(m) == 1 for m in messages))
            if plan.crash_after_write or plan.exhaust_call:
                self.chaos.harm(ids)
        failed_ids, crashed = self._call_batch(name, event, ids, trigger.report_failures, worker=worker, plan=plan)
        if self.chaos is not None and not crashed and self.chaos.chance("duplicate"):
            self.chaos.count("duplicate")
            again, _ = self._call_batch(name, event, ids, trigger.report_failures, worker=worker, plan=Plan())
            failed_ids &= again  # the message is done if either delivery succeeded
        with self.report.lock:
            stats.failed += len(failed_ids)
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._esm("DeleteMessageBatch", trigger.queue_url)
            self.sqs.delete_message_batch(
                QueueUrl=trigger.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        if crashed:
            self._lapse_leases()
        for message in messages:
            if message["MessageId"] in failed_ids:
                # Lambda leaves a failed message invisible until its timeout; locally we let it back at once.
                self._release(trigger, message)
        return failed_ids

    def _call_batch(self, name: str, event: dict[str, Any], ids: list[str], report_failures: bool, *,
                    worker: int, plan: Plan | None = None) -> tuple[set[str], bool]:
        """Invoke; return the ids that failed (all of them when the invocation itself failed), and whether the
        process died."""
        try:
            result = self._invoke(name, event, worker=worker, plan=plan)
        except ChaosCrash as exc:
            self.report.stage(name).errors += 1
            self.progress(f"{name}: {exc}")
            return set(ids), True
        except Exception as exc:  # noqa: BLE001 - a failed invocation fails the whole batch, as on Lambda
            self.report.stage(name).errors += 1
            self.progress(f"{name}: invocation failed: {type(exc).__name__}: {exc}")
            return set(ids), False
        if not report_failures or not isinstance(result, dict):
            return set(), False
        return {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}, False

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
            limit = trigger.batch_size
            if self.chaos is not None and self.chaos.applies(name) and self.chaos.chance("split"):
                limit = self.chaos.randint(1, max(1, trigger.batch_size // 2))
                self.chaos.count("split")
            records = self.streams.get_records(ShardIterator=iterator, Limit=limit).get("Records", [])
            if not records:
                continue
            worked = True
            sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
            stats = self.report.stage(name)
            stats.batches += 1
            stats.records += len(records)
            stats.redelivered += sum(1 for s in sequence if s in self._stream_seen)
            self._stream_seen.update(sequence)
            event = stream_event(records, stream_arn=trigger.stream_arn)
            plan = Plan()
            if self.chaos is not None and self.chaos.applies(name):
                first = not any(self._stream_attempts[(trigger.stream_arn, s)] for s in sequence)
                plan = self.chaos.plan(sequence, first_delivery=first)
                if plan.crash_after_write or plan.exhaust_call:
                    self.chaos.harm(sequence)
            failed, crashed = self._call_batch(name, event, sequence, trigger.report_failures, worker=0, plan=plan)
            if crashed:
                self._lapse_leases()
            if not failed:
                self._positions[position_key] = sequence[-1]
                self._maybe_rewind(position_key, last, sequence)
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

    def _maybe_rewind(self, position_key: tuple[str, str], before: str | None, sequence: list[str]) -> None:
        """Chaos: the poller loses its checkpoint and reads this batch again (once per record at most)."""
        if self.chaos is None or not self.chaos.may_harm([f"rewind:{s}" for s in sequence]):
            return
        if self.chaos.chance("stream-duplicate"):
            self.chaos.harm([f"rewind:{s}" for s in sequence])
            self.chaos.count("stream-duplicate")
            if before is None:
                self._positions.pop(position_key, None)
            else:
                self._positions[position_key] = before

    def _send_stream_failure(self, trigger: StreamTrigger, shard_id: str, record: dict[str, Any]) -> None:
        """What Lambda sends to a stream's on-failure destination: where the failed records are, not the records."""
        if not trigger.on_failure_queue_url:
            return
        sequence = record["dynamodb"]["SequenceNumber"]
        body = {
            "requestContext": {"condition": "RetryAttemptsExhausted",
                               "approximateInvokeCount": trigger.max_retries + 1},
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

    def _lapse_leases(self) -> None:
        """A killed process leaves its Powertools Idempotency records "in progress" until the invocation's
        timeout has passed; AWS retries only after the visibility timeout, which is longer. The local run does not
        wait minutes: it fast-forwards those leases to expired, as the clock would."""
        table = self.stack.tables.get("IdempotencyTable")
        if not table:
            return
        for page in self.dynamodb.get_paginator("scan").paginate(
                TableName=table, FilterExpression="#s = :p", ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":p": {"S": "INPROGRESS"}}, ProjectionExpression="id"):
            for item in page.get("Items", []):
                self.dynamodb.update_item(TableName=table, Key={"id": item["id"]},
                                          UpdateExpression="SET in_progress_expiration = :zero",
                                          ExpressionAttributeValues={":zero": {"N": "0"}})

    # --- state --------------------------------------------------------------------------------------
    def _queues_empty(self) -> bool:
        for function in self.stack.functions.values():
            for trigger in function.triggers:
                if isinstance(trigger, QueueTrigger):
                    attributes = self.sqs.get_queue_attributes(
                        QueueUrl=trigger.queue_url,
                        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                    )["Attributes"]
                    visible = int(attributes["ApproximateNumberOfMessages"])
                    in_flight = int(attributes["ApproximateNumberOfMessagesNotVisible"])
                    if visible or in_flight:
                        if in_flight:
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
            if stats and stats.records:
                failed = f" ({stats.failed} failed)" if stats.failed else ""
                parts.append(f"{name} {stats.records}{failed}")
        return " · ".join(parts)


def _receive_count(message: dict[str, Any]) -> int:
    return int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
