"""Which failures a retry can fix (newsdive.model.errors.is_transient), and holding a FIFO batch
(newsdive.runtime.fifo)."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from newsdive.model.errors import (
    FetchTimeoutError,
    HttpStatusError,
    InvalidMessageError,
    NoArticleError,
    StorageError,
    StorageRejectedError,
    VersionConflictError,
    is_permanent,
    is_transient,
)
from newsdive.runtime.fifo import FifoBatch, OrderHeldError


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "PutItem")


def _raised_from(outer: type[BaseException], inner: BaseException, *args: object) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer(*args) from exc
    except BaseException as wrapped:  # noqa: BLE001
        return wrapped


TRANSIENT = [
    _client_error("ProvisionedThroughputExceededException", 400),
    _client_error("ThrottlingException", 400),
    _client_error("SlowDown", 503),
    _client_error("InternalServerError", 500),
    _client_error("RequestTimeout", 400),
    _client_error("SomethingUnmodelled", 429),
    _raised_from(StorageError, _client_error("ProvisionedThroughputExceededException", 400), "stories: throttled"),
    StorageError("stories: batch_get left keys unprocessed"),  # our own retries ran out
    _raised_from(IdempotencyPersistenceLayerError, _client_error("ThrottlingException", 400), "save failed"),
    IdempotencyAlreadyInProgressError("in progress"),
    VersionConflictError("lost the race"),
    FetchTimeoutError("read timed out"),
    HttpStatusError("https://x.example/", 503),
    HttpStatusError("https://x.example/", 429),
    TimeoutError("timed out"),
    ConnectionResetError("reset"),
    ReadTimeoutError(endpoint_url="https://dynamodb"),
    EndpointConnectionError(endpoint_url="https://dynamodb"),
    ProtocolError("Connection aborted."),
    MaxRetryError(None, "/", reason=NewConnectionError(None, "refused")),  # type: ignore[arg-type]
]
PERMANENT = [
    ModuleNotFoundError("No module named 'MeCab'"),
    ImportError("cannot import name"),
    KeyError("paragraphs"),
    ValueError("bad"),
    TypeError("bad"),
    ZeroDivisionError("bug"),
    RecursionError("deep"),
    NoArticleError("a gallery"),
    InvalidMessageError("not an ArticleStored"),
    HttpStatusError("https://x.example/", 404),
    _client_error("ValidationException", 400),
    _client_error("AccessDenied", 403),
    _raised_from(StorageError, _client_error("ValidationException", 400), "item too large"),
    _raised_from(StorageError, ValueError("bad"), "wrapped bug"),
    _raised_from(IdempotencyPersistenceLayerError, _client_error("AccessDeniedException", 400), "save failed"),
    StorageRejectedError("sqs: InvalidParameterValue"),
    MaxRetryError(None, "/", reason=None),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: f"{type(e).__name__}:{str(e)[:40]}")
def test_conditions_a_retry_can_fix_are_transient(exc: BaseException) -> None:
    assert is_transient(exc) and not is_permanent(exc)


@pytest.mark.parametrize("exc", PERMANENT, ids=lambda e: f"{type(e).__name__}:{str(e)[:40]}")
def test_everything_else_is_permanent(exc: BaseException) -> None:
    assert is_permanent(exc) and not is_transient(exc)


def test_a_permanent_failure_holds_nothing() -> None:
    batch = FifoBatch(max_receive_count=3)
    batch.failed("a", ModuleNotFoundError("No module named 'jieba'"))
    batch.admit("b", 1)  # not held
    assert batch.held_behind is None and batch.held == []


def test_a_transient_failure_holds_the_rest_until_their_last_delivery() -> None:
    batch = FifoBatch(max_receive_count=3)
    batch.failed("a", VersionConflictError("race"))
    with pytest.raises(OrderHeldError):
        batch.admit("b", 1)
    with pytest.raises(OrderHeldError):
        batch.admit("c", 2)
    batch.admit("d", 3)  # its last delivery: processed now, out of order, rather than dead-lettered
    assert batch.held == ["b", "c"] and batch.overtaking == ["d"] and batch.held_behind == "a"
    assert is_transient(OrderHeldError("held"))


def test_a_held_record_failing_does_not_move_the_hold() -> None:
    batch = FifoBatch(max_receive_count=3)
    batch.failed("a", TimeoutError())
    batch.failed("b", OrderHeldError("held"))
    assert batch.held_behind == "a"


def test_without_the_queues_limit_nothing_is_held() -> None:
    batch = FifoBatch(max_receive_count=None)
    batch.failed("a", TimeoutError())
    batch.admit("b", 1)
    assert batch.overtaking == ["b"]
