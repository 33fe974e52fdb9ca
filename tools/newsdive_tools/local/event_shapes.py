"""Lambda-shaped events and contexts for the local run, and `load_event()` for the sample events in events/.

The shapes follow what Lambda's event source mappings deliver (SQS batches, DynamoDB stream batches,
EventBridge scheduled events), so handlers cannot tell the local run from AWS.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsdive_tools.paths import events_dir


@contextlib.contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then restore exactly what was there."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_event(name: str | Path) -> dict[str, Any]:
    """A sample event from events/ by file name (with or without .json), or any JSON file by path."""
    from newsdive.model.errors import ConfigurationError

    path = Path(name)
    if not path.is_file():
        path = events_dir() / (name if str(name).endswith(".json") else f"{name}.json")
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"{name}: not a JSON event ({exc})") from exc
    if not isinstance(event, dict):
        raise ConfigurationError(f"{name}: an event is a JSON object, not {type(event).__name__}")
    return event


def retarget_s3_event(event: dict[str, Any], raw_bucket: str) -> tuple[dict[str, Any], list[str]]:
    """The event with the S3 notifications inside its SQS bodies pointed at `raw_bucket`, and the raw keys they
    name. The sample events are shaped for a deployed stack whose bucket has another name; without this the parse
    function would ignore them ("ignored notification") on a local stack."""
    event = json.loads(json.dumps(event))
    keys: list[str] = []
    for record in event.get("Records") or []:
        try:
            body = json.loads(record.get("body") or "")
        except (TypeError, json.JSONDecodeError):
            continue
        if not isinstance(body, dict) or not isinstance(body.get("Records"), list):
            continue
        for notification in body["Records"]:
            s3 = notification.get("s3") if isinstance(notification, dict) else None
            if isinstance(s3, dict) and isinstance(s3.get("bucket"), dict):
                s3["bucket"]["name"], s3["bucket"]["arn"] = raw_bucket, f"arn:aws:s3:::{raw_bucket}"
                keys.append(str((s3.get("object") or {}).get("key", "")))
        record["body"] = json.dumps(body)
    return event, keys


def scheduled_event(when: datetime, *, region: str, rule_arn: str = "") -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"schedule/{when.isoformat()}")),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn] if rule_arn else [],
        "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], *, queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS batch event from `receive_message` results (AttributeNames=All)."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", "0"),
                    "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
                    "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
                },
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody")
                or hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def stream_event(records: list[dict[str, Any]], *, stream_arn: str) -> dict[str, Any]:
    """A DynamoDB stream batch event from `get_records` results (timestamps as epoch seconds, as Lambda sends)."""
    out = []
    for record in records:
        record = json.loads(json.dumps(record, default=_epoch))
        record["eventSourceARN"] = stream_arn
        out.append(record)
    return {"Records": out}


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass
class LocalContext:
    """The parts of the Lambda context object that Powertools and our handlers read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 60
    region: str = "us-east-1"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000
