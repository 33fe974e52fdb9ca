"""Fault injection (newsdive_tools.local.chaos): seeded decisions, harm budget, and the error answers botocore sees.

No sockets: every HTTP attempt is answered inside botocore's `before-send` event, by the chaos handler (errors)
or by this file's canned answer (success), so the SDK's real retry logic runs in between.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from newsdive_tools.local.chaos import SDK_MAX_ATTEMPTS, SDK_RETRIES, Chaos, ChaosCrash, Instrumentation, Plan


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_kw: object) -> Iterator[bytes]:
        yield self.data


def _ok(request: object, **_kw: object) -> AWSResponse:
    """The success answer for any attempt chaos lets through."""
    url = getattr(request, "url", "http://local/")
    if "dynamodb" in str(getattr(request, "headers", {}).get("X-Amz-Target", b"")):
        return AWSResponse(url, 200, {"Content-Type": "application/x-amz-json-1.0"}, _Body(b"{}"))
    return AWSResponse(url, 200, {"ETag": '"abc"'}, _Body(b""))


def _client(service: str):
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y",  # noqa: S106
                                    region_name="us-east-1")
    client = session.client(service, endpoint_url="http://127.0.0.1:9",
                            # the retry settings of storage/clients.py
                            config=Config(retries={"mode": "standard", "max_attempts": SDK_RETRIES}))
    client.meta.events.register_last("before-send", _ok)
    return client


def _put(client) -> None:
    client.put_item(TableName="stories", Item={"pk": {"S": "x"}})


def test_the_same_seed_makes_the_same_decisions() -> None:
    def decisions(chaos: Chaos) -> list[object]:
        out: list[object] = []
        for i in range(200):
            out.append(chaos.chance("reorder"))
            out.append(chaos.randint(1, 9))
            out.append(chaos.plan([f"m{i}"], first_delivery=True))
        out.append(chaos.shuffled(list(range(20))))
        return out

    assert decisions(Chaos(7)) == decisions(Chaos(7))
    assert decisions(Chaos(7)) != decisions(Chaos(8))


def test_a_delivery_is_harmed_at_most_once_and_only_on_its_first_receive() -> None:
    chaos = Chaos(3, rate=1.0, weights={"crash": 1.0})
    assert chaos.plan(["a"], first_delivery=False) == Plan()
    plan = chaos.plan(["a", "b"], first_delivery=True)
    assert plan.crash_after_write is not None
    chaos.harm(["a", "b"])
    assert chaos.plan(["b", "c"], first_delivery=True) == Plan()  # b was harmed already
    assert chaos.plan(["c"], first_delivery=True).crash_after_write is not None


def test_rate_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Chaos(1, rate=1.5)


def test_throttling_answers_are_retried_away_by_the_sdk() -> None:
    chaos = Chaos(5, rate=1.0, weights={"throttle": 1.0})
    with Instrumentation(chaos) as instrumentation:
        client = _client("dynamodb")
        with instrumentation.invocation("aggregate"):
            for _ in range(10):
                _put(client)  # every call gets an error answer first, and still succeeds
    calls = sum(instrumentation.requests.calls.values())
    attempts = sum(instrumentation.requests.attempts.values())
    injected = chaos.injected["throttle"] + chaos.injected["server-error"]
    assert calls == 10
    assert injected == 10
    assert attempts == calls + injected
    assert instrumentation.requests.retries() == injected
    assert instrumentation.requests.by_service_operation() == {"dynamodb.PutItem": 10}


def test_a_burst_longer_than_the_retries_fails_the_call_with_a_throttling_code() -> None:
    chaos = Chaos(5, rate=0.0)
    with Instrumentation(chaos) as instrumentation:
        client = _client("dynamodb")
        with instrumentation.invocation("aggregate", Plan(exhaust_call=1)), pytest.raises(ClientError) as caught:
            _put(client)
    assert caught.value.response["Error"]["Code"] in {"ProvisionedThroughputExceededException", "ThrottlingException"}
    assert sum(instrumentation.requests.attempts.values()) == SDK_MAX_ATTEMPTS
    assert chaos.injected == {"exhausted": 1}


def test_s3_answers_slowdown_as_aws_does() -> None:
    chaos = Chaos(5, rate=0.0)
    with Instrumentation(chaos) as instrumentation:
        s3 = _client("s3")
        with instrumentation.invocation("parse", Plan(exhaust_call=1)), pytest.raises(ClientError) as caught:
            s3.put_object(Bucket="raw", Key="k", Body=b"x")
    assert caught.value.response["Error"]["Code"] == "SlowDown"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_the_process_dies_right_after_the_chosen_write() -> None:
    chaos = Chaos(5, rate=0.0)
    with Instrumentation(chaos) as instrumentation:
        client = _client("dynamodb")
        with instrumentation.invocation("aggregate", Plan(crash_after_write=2)):
            _put(client)
            client.get_item(TableName="stories", Key={"pk": {"S": "x"}})  # a read does not count
            with pytest.raises(ChaosCrash):
                _put(client)
    assert sum(instrumentation.requests.attempts.values()) == 3  # the fatal write reached the server
    assert chaos.injected == {"crash": 1}
    assert not isinstance(ChaosCrash("x"), Exception)  # nothing in the handler may catch it


def test_the_idempotency_table_is_never_made_to_fail_for_good() -> None:
    chaos = Chaos(5, rate=0.0, protected_tables=["stories"])
    with Instrumentation(chaos) as instrumentation:
        client = _client("dynamodb")
        with instrumentation.invocation("aggregate", Plan(exhaust_call=1)):
            _put(client)  # the protected table's calls are not eligible
    assert chaos.injected == {}


def test_calls_outside_a_handler_invocation_are_neither_touched_nor_counted() -> None:
    chaos = Chaos(5, rate=1.0, weights={"throttle": 1.0})
    with Instrumentation(chaos) as instrumentation:
        client = _client("dynamodb")
        _put(client)  # the pump's own calls, say
    assert sum(instrumentation.requests.calls.values()) == 0
    assert chaos.injected == {}


def test_uninstall_leaves_new_clients_alone() -> None:
    chaos = Chaos(5, rate=1.0, weights={"throttle": 1.0})
    instrumentation = Instrumentation(chaos)
    with instrumentation:
        pass
    client = _client("dynamodb")
    with instrumentation.invocation("aggregate"):
        _put(client)
    assert chaos.injected == {}
