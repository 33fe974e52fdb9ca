"""Dead letters and their reasons (newsdive_tools.dlq): what the functions log per failed record, and how the DLQ
tooling reads it back for a message id or a stream record's sequence number."""

from __future__ import annotations

import io
import itertools
import json
import logging
import sys

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from newsdive.model.errors import NoArticleError, StorageError
from newsdive.runtime.batch import log_batch_failures
from newsdive_tools.dlq import DeadLetter, failure_reasons

_names = itertools.count()


def _sqs_event(*bodies: str) -> dict:
    return {"Records": [{"messageId": f"m-{i}", "receiptHandle": f"r-{i}", "body": body,
                         "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "0", "SenderId": "x",
                                        "ApproximateFirstReceiveTimestamp": "0"},
                         "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}
                        for i, body in enumerate(bodies)]}


def _run(event: dict, handler, *, event_type: EventType = EventType.SQS) -> tuple[list[dict], list[dict]]:
    """Process a batch, then log its failures; returns (log lines, EMF metric lines)."""
    stream = io.StringIO()
    # a new service name each time: Powertools keeps one handler per logger name
    logger = Logger(service=f"dlq-test-{next(_names)}", logger_handler=logging.StreamHandler(stream))
    metrics = Metrics(namespace="newsdive", service="parse-test")
    processor = BatchProcessor(event_type=event_type, raise_on_entire_batch_failure=False)
    process_partial_response(event=event, record_handler=handler, processor=processor)
    saved, sys.stdout = sys.stdout, io.StringIO()  # single_metric flushes EMF to stdout at once
    try:
        count = log_batch_failures(logger, processor, metrics)
        emf = [json.loads(line) for line in sys.stdout.getvalue().splitlines() if line.strip()]
    finally:
        sys.stdout = saved
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert count == len(lines)
    return lines, emf


def test_each_failed_record_is_logged_with_its_message_id_reason_and_permanence() -> None:
    def handler(record: SQSRecord) -> None:
        if record.body == "gallery":
            raise NoArticleError("only 88 characters of body text")
        if record.body == "throttled":
            raise StorageError("stories: ProvisionedThroughputExceededException")

    lines, emf = _run(_sqs_event("ok", "gallery", "throttled"), handler)
    assert [(line["message_id"], line["error"], line["permanent"], line["receive_count"]) for line in lines] == [
        ("m-1", "NoArticleError", True, 2), ("m-2", "StorageError", False, 2)]
    assert lines[0]["message"] == "record failed" and lines[0]["reason"] == "only 88 characters of body text"
    reasons = {m["reason"]: m["FailuresByReason"] for m in emf}
    assert reasons == {"NoArticleError": [1.0], "StorageError": [1.0]}


def test_a_successful_batch_logs_nothing() -> None:
    lines, emf = _run(_sqs_event("a", "b"), lambda record: None)
    assert lines == [] and emf == []


def test_stream_failures_are_keyed_by_sequence_number_and_story() -> None:
    event = {"Records": [{"eventID": "1", "eventName": "MODIFY", "eventSource": "aws:dynamodb",
                          "dynamodb": {"SequenceNumber": "4200", "Keys": {"story_id": {"S": "s-1"}},
                                       "NewImage": {"story_id": {"S": "s-1"}}}}]}

    def handler(record) -> None:
        raise ValueError("render failed")

    lines, _ = _run(event, handler, event_type=EventType.DynamoDBStreams)
    assert lines[0]["sequence_number"] == "4200" and lines[0]["story_id"] == "s-1"
    assert lines[0]["error"] == "ValueError" and lines[0]["permanent"] is True  # a bug fails the same way again


def test_the_last_logged_failure_is_the_reason_shown() -> None:
    log = [
        json.dumps({"message": "record failed", "message_id": "m-1", "error": "StorageError", "reason": "first"}),
        "not json at all",
        json.dumps({"message": "article parsed", "message_id": "m-1"}),
        json.dumps({"message": "record failed", "message_id": "m-1", "error": "NoArticleError", "reason": "last"}),
        json.dumps({"message": "record failed", "sequence_number": "77", "error": "ValueError", "reason": "s"}),
    ]
    reasons = failure_reasons(log)
    assert reasons["m-1"]["reason"] == "last" and reasons["77"]["error"] == "ValueError"


def test_a_stream_on_failure_message_is_matched_by_its_first_sequence_number() -> None:
    body = json.dumps({"DDBStreamBatchInfo": {"shardId": "s", "startSequenceNumber": "77",
                                              "endSequenceNumber": "77", "batchSize": 1}})
    letter = DeadLetter(message_id="dlq-1", body=body, receive_count=1)
    shown = letter.as_dict({"77": {"error": "ValueError", "reason": "render failed", "permanent": False}})
    assert letter.key == "77"
    assert shown["subject"] == "stream records 77..77" and shown["error"] == "ValueError"


def test_dead_letters_name_what_they_are_about() -> None:
    s3 = json.dumps({"Records": [{"eventName": "ObjectCreated:Put",
                                  "s3": {"bucket": {"name": "raw"}, "object": {"key": "raw%2Fab.html.gz"}}}]})
    assert DeadLetter("1", s3, 3).subject() == "raw page raw/ab.html.gz"
    assert DeadLetter("2", json.dumps({"article_id": "abc"}), 3).subject() == "article abc"
    assert DeadLetter("3", json.dumps({"source": {"id": "x"}, "slot": "t"}), 3).subject() == "scrape x slot t"
    assert DeadLetter("4", "definitely not json", 3).subject().startswith("body ")
    assert DeadLetter("4", "definitely not json", 3).as_dict({})["reason"] is None
