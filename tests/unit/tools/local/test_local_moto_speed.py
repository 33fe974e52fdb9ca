"""The local run's moto speed-ups (newsdive_tools.local.moto_speed.speed_up_moto) keep moto's answers: queue counts,
visibility, delays, FIFO deduplication, and DynamoDB items of every type round-trip unchanged."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from newsdive_tools.local.moto_speed import speed_up_moto


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    assert speed_up_moto()
    with mock_aws():
        yield


def _counts(sqs, url: str) -> tuple[int, int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            int(attributes["ApproximateNumberOfMessagesDelayed"]))


def test_queue_counts_visibility_and_delays_behave_as_in_moto(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="work")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)])
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    assert _counts(sqs, url) == (5, 0, 1)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=30)["Messages"]
    assert len(received) == 3 and _counts(sqs, url) == (2, 3, 1)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"], VisibilityTimeout=0)
    assert _counts(sqs, url) == (3, 2, 1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[1]["ReceiptHandle"])
    assert _counts(sqs, url) == (3, 1, 1)
    bodies = {m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]}
    assert "later" not in bodies and len(bodies) == 3


def test_fifo_queue_drops_a_duplicate_of_a_waiting_message_and_keeps_its_group_order(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="stories.fifo", Attributes={"FifoQueue": "true",
                                                                  "ContentBasedDeduplication": "true"})["QueueUrl"]
    for body in ["a", "b", "a", "c"]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="stories")
    sqs.send_message(QueueUrl=url, MessageBody="b", MessageGroupId="stories", MessageDeduplicationId="other")
    assert _counts(sqs, url)[0] == 4
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert [m["Body"] for m in first] == ["a", "b"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)  # the group is in flight
    sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                    for i, m in enumerate(first)])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["c", "b"]


def test_dynamodb_items_of_every_attribute_type_round_trip(aws):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    plain = {"pk": {"S": "p"}, "sk": {"S": "1"}, "n": {"N": "1.5"}, "ss": {"SS": ["x", "y"]}, "ok": {"BOOL": True},
             "doc": {"S": 'say "hi" \u00e9'}, "m": {"M": {"l": {"L": [{"S": "a"}, {"N": "2"}]}}}}
    odd = {"pk": {"S": "p"}, "sk": {"S": "2"}, "b": {"B": b"\x00\xff"}, "nothing": {"NULL": True}, "t": {"S": "null"}}
    for item in (plain, odd):
        ddb.put_item(TableName="t", Item=item)
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": "1"}})["Item"] == plain
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": "2"}})["Item"] == odd
    queried = ddb.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                        ScanIndexForward=False)
    assert queried["Items"] == [odd, plain] and queried["Count"] == 2
    batch = ddb.batch_get_item(RequestItems={"t": {"Keys": [{"pk": {"S": "p"}, "sk": {"S": "1"}}]}})
    assert batch["Responses"]["t"] == [plain]
    updated = ddb.update_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": "1"}}, UpdateExpression="SET n = :n",
                              ExpressionAttributeValues={":n": {"N": "2"}}, ReturnValues="UPDATED_NEW")
    assert updated["Attributes"] == {"n": {"N": "2"}}
