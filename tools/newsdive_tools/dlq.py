"""The operator's `newsdive dlq list|show|redrive QUEUE`: dead letters and why they ended in a DLQ.

Each dead letter is joined with the last "record failed" line its function logged for it
(`newsdive.runtime.batch.log_batch_failures`): from the run's log file for a local stack, from the function's
CloudWatch log group for a deployed one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsdive.runtime.batch import FAILED

QUEUE_NAMES = ("scrape", "parse", "aggregate", "publish")


# --- reading reasons back -------------------------------------------------------------------------------
def failure_reasons(lines: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Message id / sequence number -> the last "record failed" line logged for it (JSON log lines)."""
    out: dict[str, dict[str, Any]] = {}
    for line in lines:
        if FAILED not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("message") != FAILED:
            continue
        key = entry.get("message_id") or entry.get("sequence_number")
        if key:
            out[str(key)] = entry
    return out


@dataclass
class DeadLetter:
    message_id: str
    body: str
    receive_count: int
    sent_at: str = ""
    receipt_handle: str = field(default="", repr=False)
    attributes: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        """What the failure log line is keyed by: the message id, or for a stream's on-failure message the
        first failed record's sequence number."""
        info = self._json().get("DDBStreamBatchInfo") if isinstance(self._json(), dict) else None
        if isinstance(info, dict) and info.get("startSequenceNumber"):
            return str(info["startSequenceNumber"])
        return self.message_id

    def _json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def subject(self) -> str:
        """A short human description of what the message is about."""
        data = self._json()
        if not isinstance(data, dict):
            return f"body {self.body[:80]!r}"
        if "DDBStreamBatchInfo" in data:
            info = data["DDBStreamBatchInfo"]
            return f"stream records {info.get('startSequenceNumber')}..{info.get('endSequenceNumber')}"
        if data.get("Records") and isinstance(data["Records"], list):
            from urllib.parse import unquote_plus

            keys = [unquote_plus(str(r.get("s3", {}).get("object", {}).get("key", ""))) for r in data["Records"]
                    if isinstance(r, dict)]
            return "raw page " + ", ".join(k for k in keys if k)
        if "article_id" in data:
            return f"article {data['article_id']}"
        if isinstance(data.get("source"), dict):
            return f"scrape {data['source'].get('id')} slot {data.get('slot')}"
        return f"body {self.body[:80]!r}"

    def as_dict(self, reasons: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        entry = (reasons or {}).get(self.key) or {}
        return {
            "message_id": self.message_id,
            "subject": self.subject(),
            "receive_count": self.receive_count,
            "sent_at": self.sent_at,
            "error": entry.get("error"),
            "reason": entry.get("reason"),
            "permanent": entry.get("permanent"),
            "logged_at": entry.get("timestamp"),
        }


def peek(sqs: Any, queue_url: str, *, limit: int = 1000) -> list[DeadLetter]:
    """Every message of a queue without consuming it: received (hidden) until none is left, then made visible
    again. Each look counts as a receive, as on AWS."""
    seen: dict[str, DeadLetter] = {}
    while len(seen) < limit:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                       AttributeNames=["All"], MessageAttributeNames=["All"],
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        for m in messages:
            seen[m["MessageId"]] = _dead_letter(m)
    for letter in seen.values():
        try:
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=letter.receipt_handle,
                                          VisibilityTimeout=0)
        except Exception:  # noqa: BLE001, S112 - it becomes visible anyway when its timeout ends
            continue
    return sorted(seen.values(), key=lambda d: (d.sent_at, d.message_id))


def _dead_letter(message: dict[str, Any]) -> DeadLetter:
    from datetime import UTC, datetime

    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    sent_at = datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat() if sent else ""
    return DeadLetter(message_id=message["MessageId"], body=message.get("Body", ""),
                      receive_count=int(attributes.get("ApproximateReceiveCount", "0")), sent_at=sent_at,
                      receipt_handle=message["ReceiptHandle"], attributes=message.get("MessageAttributes", {}))


def redrive(sqs: Any, dlq_url: str, target_url: str, *, limit: int | None = None) -> int:
    """Move messages back to their source queue: receive, send (same body and attributes), then delete.
    (SQS's own move task would do this on AWS; moto does not implement it, and this works on both.)"""
    moved = 0
    while limit is None or moved < limit:
        wanted = 10 if limit is None else min(10, limit - moved)
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=wanted, VisibilityTimeout=60,
                                       MessageAttributeNames=["All"], WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        entries = []
        for i, m in enumerate(messages):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
            if m.get("MessageAttributes"):
                entry["MessageAttributes"] = m["MessageAttributes"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=target_url, Entries=entries)
        ok = {e["Id"] for e in sent.get("Successful", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if str(i) in ok]
        if done:
            sqs.delete_message_batch(QueueUrl=dlq_url, Entries=done)
        moved += len(done)
        if len(done) < len(messages):
            failed = [f"{e.get('Code')}: {e.get('Message')}" for e in sent.get("Failed", [])]
            raise RuntimeError(f"could not send {len(messages) - len(done)} message(s) to {target_url}: {failed}")
    return moved


# --- the stack -------------------------------------------------------------------------------------------
@dataclass
class Stack:
    """A deployed newsdive stack's queues and log groups, read from CloudFormation (outputs and resources)."""

    name: str
    dead_letter_queues: dict[str, str]  # short name -> DLQ URL
    source_queues: dict[str, str]  # short name -> work queue URL (absent for publish: a stream)
    log_groups: dict[str, str]  # short name -> log group of the function


def describe_stack(session: Any, name: str, *, endpoint_url: str | None, region: str | None) -> Stack:
    cfn = session.client("cloudformation", endpoint_url=endpoint_url, region_name=region)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    resources: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for summary in page["StackResourceSummaries"]:
            resources[summary["LogicalResourceId"]] = summary.get("PhysicalResourceId", "")
    dlqs, sources, logs = {}, {}, {}
    for short in QUEUE_NAMES:
        title = short.capitalize()
        url = outputs.get(f"{title}DeadLetterQueueUrl") or resources.get(f"{title}DeadLetterQueue")
        if url:
            dlqs[short] = url
        source = outputs.get(f"{title}QueueUrl") or resources.get(f"{title}Queue")
        if source and short != "publish":
            sources[short] = source
        function = resources.get(f"{title}Function")
        if function:
            logs[short] = resources.get(f"{title}FunctionLogGroup") or f"/aws/lambda/{function}"
    return Stack(name=name, dead_letter_queues=dlqs, source_queues=sources, log_groups=logs)


def resolve_queue(stack: Stack, queue: str) -> tuple[str, str]:
    """(short name, DLQ URL) for "parse", "ParseDeadLetterQueue" or a queue URL."""
    lowered = queue.lower()
    for short, url in stack.dead_letter_queues.items():
        if lowered in (short, f"{short}deadletterqueue", f"{short}queue", f"{short}dlq") or queue == url:
            return short, url
    raise SystemExit(f"newsdive dlq: no dead-letter queue {queue!r} in stack {stack.name} "
                     f"(have: {', '.join(stack.dead_letter_queues) or 'none'})")


def cloudwatch_reasons(session: Any, log_group: str, *, endpoint_url: str | None, region: str | None,
                       since_hours: float) -> dict[str, dict[str, Any]]:
    """The "record failed" lines of a function's log group over the last hours (deployed stacks)."""
    import time

    logs = session.client("logs", endpoint_url=endpoint_url, region_name=region)
    lines: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": log_group, "filterPattern": f'{{ $.message = "{FAILED}" }}',
                              "startTime": int((time.time() - since_hours * 3600) * 1000)}
    try:
        for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
            lines.extend(e["message"] for e in page.get("events", []))
    except Exception as exc:  # noqa: BLE001 - reasons are a help, not a requirement: say why they are missing
        print(f"newsdive dlq: cannot read {log_group}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return failure_reasons(lines)


# --- the command -------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdive dlq",
        description="Dead-letter queues of a newsdive stack: list them, show their messages with the reason each "
        "failed (the function's last 'record failed' log line for it), or move them back to their work queue.",
    )
    parser.add_argument("action", choices=["list", "show", "redrive"])
    parser.add_argument("queue", nargs="?", help="scrape, parse, aggregate or publish (or a DLQ URL)")
    parser.add_argument("--stack", default="newsdive-local", help="CloudFormation stack name (default: newsdive-local)")
    parser.add_argument("--endpoint-url", help="AWS endpoint, e.g. a kept local stack's moto server")
    parser.add_argument("--region", help="AWS region (default: from the environment)")
    parser.add_argument("--log", type=str, help="a local run's log file to read reasons from (default: "
                        ".newsdive/run.log when --endpoint-url is given); else CloudWatch Logs")
    parser.add_argument("--since-hours", type=float, default=14 * 24,
                        help="how far back to look for reasons in CloudWatch Logs (default: 14 days, the DLQ "
                        "retention)")
    parser.add_argument("--max", type=int, help="redrive at most this many messages")
    parser.add_argument("--json", action="store_true", help="JSON output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import os
    from pathlib import Path

    import boto3

    args = build_parser().parse_args(argv)
    if args.endpoint_url:  # a local moto server accepts any credentials
        for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),  # noqa: S105
                           ("AWS_DEFAULT_REGION", args.region or "us-east-1")):
            os.environ.setdefault(key, value)
    session = boto3.session.Session()
    stack = describe_stack(session, args.stack, endpoint_url=args.endpoint_url, region=args.region)
    sqs = session.client("sqs", endpoint_url=args.endpoint_url, region_name=args.region)
    if args.action == "list":
        rows = []
        for short, url in sorted(stack.dead_letter_queues.items()):
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            rows.append({"queue": short, "messages": int(attrs["Attributes"]["ApproximateNumberOfMessages"]),
                         "url": url})
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                print(f"{row['queue']:<10} {row['messages']:>6}  {row['url']}")
        return 0
    if not args.queue:
        raise SystemExit(f"newsdive dlq {args.action}: name the queue (one of {', '.join(stack.dead_letter_queues)})")
    short, url = resolve_queue(stack, args.queue)
    if args.action == "show":
        local_log = Path(args.log) if args.log else (Path(".newsdive/run.log") if args.endpoint_url else None)
        if local_log is not None and local_log.is_file():
            reasons = failure_reasons(local_log.read_text(encoding="utf-8").splitlines())
        elif short in stack.log_groups and not args.endpoint_url:
            reasons = cloudwatch_reasons(session, stack.log_groups[short], endpoint_url=args.endpoint_url,
                                         region=args.region, since_hours=args.since_hours)
        else:
            reasons = {}
        letters = [d.as_dict(reasons) for d in peek(sqs, url)]
        if args.json:
            print(json.dumps(letters, indent=2, sort_keys=True))
        else:
            print(f"{short}: {len(letters)} dead letter(s)")
            if letters:
                print("  (SQS counts every receive: the function's deliveries up to the queue's maxReceiveCount, the "
                      "move to this queue, and each look with `dlq show`, this one included)")
            for d in letters:
                why = f"{d['error']}: {d['reason']}" if d["error"] else "no reason logged"
                kind = " (permanent)" if d["permanent"] else " (transient: redrive may help)" if d["error"] else ""
                print(f"- {d['message_id']}  {d['subject']}\n    receive count {d['receive_count']}, "
                      f"sent {d['sent_at']}\n    reason: {why}{kind}")
        return 0
    # redrive
    if short not in stack.source_queues:
        raise SystemExit(
            "newsdive dlq redrive publish: the publish DLQ holds pointers to stream records (shard and sequence "
            "numbers), not messages to resend; a story is published again by its next change, or re-run publish "
            "on those records while the stream still keeps them (24 hours)")
    moved = redrive(sqs, url, stack.source_queues[short], limit=args.max)
    print(json.dumps({"queue": short, "moved": moved}) if args.json else f"{short}: moved {moved} message(s) "
          f"back to {stack.source_queues[short]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
