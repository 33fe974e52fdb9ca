"""One boto3 session per process (newsdive.storage.clients): every client, the idempotency layer's included, is made
from it; a second session would load and decode botocore's service models again on a cold start."""

from __future__ import annotations

import boto3

from newsdive.runtime.idempotency import idempotency
from newsdive.storage import clients


def test_every_client_and_the_idempotency_layer_share_one_session(monkeypatch):
    made = []
    real = boto3.session.Session

    def counted(*args, **kwargs):  # noqa: ANN202
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(boto3.session, "Session", counted)
    s3, sqs, dynamodb = clients.client("s3"), clients.client("sqs"), clients.client("dynamodb")
    _, once = idempotency("[id]", table="idempotency", hours=1, argument="message")
    persistence = once.keywords["persistence_store"]
    assert len(made) == 1 and clients.session() is made[0]
    assert persistence.client is dynamodb  # the functions' own DynamoDB client, not one of its own
    assert {s3.meta.service_model.service_name, sqs.meta.service_model.service_name} == {"s3", "sqs"}
    clients.reset_clients()
    assert clients.session() is not made[0]  # tests that switch endpoints get a fresh session
