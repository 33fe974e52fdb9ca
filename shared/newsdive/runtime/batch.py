"""The end of every batch: one "record failed" line per failed record, the reason a dead letter is shown with.

A dead letter keeps its original body and message id (SQS redrive moves the message as it is), so its reason
cannot travel with it. Instead every queue- and stream-fed function logs one "record failed" line per failed
record at the end of its batch (`log_batch_failures`), keyed by the SQS message id or the stream record's
sequence number; the DLQ tooling (`newsdive dlq`, in the tools package) joins each dead letter with the last such
line. No extra write on the failure path, and the reason is the exception the function really saw.

Runs inside the Lambda functions: this module imports nothing heavy at import time.
"""

from __future__ import annotations

from typing import Any

FAILED = "record failed"
RECORD_KEYS = ("raw_key", "article_id", "source_id", "slot", "story_id")  # appended per record by the handlers


# --- inside the functions -------------------------------------------------------------------------------
def run_batch(event: dict, context: Any, processor: Any, record_handler: Any, logger: Any, metrics: Any) -> dict:
    """What every queue- and stream-fed function does with its batch: each record through `record_handler` (the
    failed ones reported back for redelivery), then the records that succeeded and failed as metrics, and one
    "record failed" line per failed record, the reason a dead letter will be shown with."""
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.batch import process_partial_response

    response = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    metrics.add_metric(name="RecordsSucceeded", unit=MetricUnit.Count, value=len(processor.success_messages))
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(processor.fail_messages))
    log_batch_failures(logger, processor, metrics)
    return dict(response)


def log_batch_failures(logger: Any, processor: Any, metrics: Any = None) -> int:
    """Log each record the batch processor failed, with the key a dead letter keeps (message id or stream
    sequence number), the error type, whether retrying can help, and the reason; with `metrics`, also count
    `FailuresByReason` with the error type as a dimension. Returns how many."""
    from newsdive.model.errors import is_permanent

    by_reason: dict[str, int] = {}
    logger.remove_keys(list(RECORD_KEYS))  # keys the last record appended describe that record, not these
    for record, exc_info in zip(processor.fail_messages, processor.exceptions, strict=False):
        error = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None
        name = type(error).__name__ if error is not None else "unknown"
        logger.warning(FAILED, error=name, reason=str(error)[:500] if error is not None else "",
                       permanent=bool(error is not None and is_permanent(error)),
                       **_record_keys(record), **_body_keys(record))
        by_reason[name] = by_reason.get(name, 0) + 1
    if metrics is not None and by_reason:
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        for reason, count in sorted(by_reason.items()):
            with single_metric(name="FailuresByReason", unit=MetricUnit.Count, value=count,
                               namespace=metrics.namespace) as metric:
                metric.add_dimension(name="service", value=str(metrics.service or ""))
                metric.add_dimension(name="reason", value=reason)
    return sum(by_reason.values())


def _body_keys(record: Any) -> dict[str, Any]:
    """The correlation ids inside a failed message's body (a poison message's unparsed body has none)."""
    body: Any = getattr(record, "body", None)
    out: dict[str, Any] = {}
    if getattr(body, "article_id", None):
        out["article_id"] = body.article_id
    source: Any = getattr(body, "source", None)
    if getattr(source, "id", None):
        out["source_id"], out["slot"] = source.id, getattr(body, "slot", None)
    elif getattr(body, "source_id", None):
        out["source_id"] = body.source_id
    if callable(getattr(body, "created_keys", None)):
        keys = [key for _bucket, key in body.created_keys()]
        if keys:  # a raw page: named by the hash of its item URL, as scrape logged it
            out["raw_key"] = keys[0]
            out["article_id"] = keys[0].removeprefix("raw/").split(".", 1)[0]
    return out


def _record_keys(record: Any) -> dict[str, Any]:
    """The identifiers of a failed record, whatever shape the batch processor kept it in."""
    message_id = getattr(record, "messageId", None) or getattr(record, "message_id", None)
    if message_id:
        attributes = getattr(record, "attributes", None)
        count = getattr(attributes, "ApproximateReceiveCount", None) or getattr(
            attributes, "approximate_receive_count", None)
        return {"message_id": message_id, "receive_count": int(count) if count else None}
    dynamodb = getattr(record, "dynamodb", None)
    sequence = getattr(dynamodb, "sequence_number", None) if dynamodb is not None else None
    keys = getattr(dynamodb, "keys", None) if dynamodb is not None else None
    out: dict[str, Any] = {"sequence_number": sequence}
    if isinstance(keys, dict) and "story_id" in keys:
        out["story_id"] = keys["story_id"] if isinstance(keys["story_id"], str) else str(keys["story_id"])
    return out
