"""The builders produce records shaped like the ones Lambda delivers (checked against the samples)."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from lambda_stream.testing import (
    to_dynamodb_records,
    to_event_bridge_record,
    to_firehose_records,
    to_kinesis_records,
    to_s3_records,
    to_sns_records,
    to_sqs_event_records,
    to_sqs_records,
    to_sqs_sns_s3_records,
)

from .helpers import load_event


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")


def assert_same_fields(built: dict[str, Any], sample: dict[str, Any]) -> None:
    assert sorted(built) == sorted(sample)
    for k, v in sample.items():
        if isinstance(v, dict) and k not in (
            "detail",
            "messageAttributes",
            "MessageAttributes",
            "NewImage",
            "OldImage",
            "Keys",
        ):
            assert_same_fields(built[k], v)


def test_kinesis_conventions() -> None:
    events = [
        {"type": "a", "x": [1, 2], "n": Decimal("1.5")},
        {"type": "b", "partitionKey": "pk-b", "timestamp": 1500},
    ]
    records = to_kinesis_records(events)["Records"]
    assert [r["eventID"] for r in records] == ["shardId-000000000000:0", "shardId-000000000000:1"]
    assert [r["kinesis"]["sequenceNumber"] for r in records] == ["0", "1"]
    assert base64.b64decode(records[0]["kinesis"]["data"]) == b'{"type":"a","x":[1,2],"n":1.5}'
    assert records[1]["kinesis"]["partitionKey"] == "pk-b"
    assert records[1]["kinesis"]["approximateArrivalTimestamp"] == 1.5
    assert to_kinesis_records(events, 7.0)["Records"][0]["kinesis"]["approximateArrivalTimestamp"] == 7.0
    assert records[0]["eventSource"] == "aws:kinesis"
    assert records[0]["awsRegion"] == "us-west-2"
    assert_same_fields(records[0], load_event("kinesis.json")["Records"][0])


def test_dynamodb_conventions() -> None:
    keys = {"pk": "1", "sk": "thing"}
    records = to_dynamodb_records(
        [
            {
                "timestamp": 1,
                "keys": keys,
                "newImage": {**keys, "n": None, "tags": {"b", "a"}, "nums": {2, 1}},
            },
            {"timestamp": 2, "keys": keys, "newImage": {**keys, "awsregion": "eu-west-1"}, "oldImage": keys},
            {"timestamp": 3, "keys": keys, "oldImage": keys},
        ]
    )["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert [r["eventID"] for r in records] == ["0", "1", "2"]
    assert [r["dynamodb"]["SequenceNumber"] for r in records] == ["0", "1", "2"]
    assert [r["dynamodb"]["ApproximateCreationDateTime"] for r in records] == [1, 2, 3]
    assert [r["awsRegion"] for r in records] == ["us-west-2", "eu-west-1", "us-west-2"]
    assert records[0]["eventSource"] == "aws:dynamodb"
    assert records[0]["dynamodb"]["Keys"] == {"pk": {"S": "1"}, "sk": {"S": "thing"}}
    new = records[0]["dynamodb"]["NewImage"]
    assert new["n"] == {"NULL": True}
    assert new["tags"] == {"SS": ["a", "b"]}
    assert new["nums"] == {"NS": ["1", "2"]}
    assert "OldImage" not in records[0]["dynamodb"] and "NewImage" not in records[2]["dynamodb"]
    assert_same_fields(records[1], load_event("dynamodb-modify.json")["Records"][0])


def test_event_bridge_shape() -> None:
    record = to_event_bridge_record({"type": "a", "timestamp": 0})
    assert_same_fields(record, load_event("event-bridge.json"))
    assert record["detail"] == {"type": "a", "timestamp": 0}


def test_sqs_shapes() -> None:
    sample = load_event("sqs.json")["Records"][0]
    [record] = to_sqs_records([{"body": "hello", "timestamp": 123}])["Records"]
    assert_same_fields(record, sample)
    assert record["eventSource"] == "aws:sqs"
    assert record["attributes"]["SentTimestamp"] == "123"
    assert record["messageId"] == "00000000-0000-0000-0000-000000000000"
    [record] = to_sqs_event_records([{"type": "a"}])["Records"]
    assert record["body"] == '{"type":"a"}'
    [record] = to_sqs_sns_s3_records([{"bucket": {"name": "b"}, "object": {"key": "k"}}])["Records"]
    assert_same_fields(record, sample)


def test_message_ids_stay_unique_past_ten() -> None:
    ids = [r["messageId"] for r in to_sqs_records([{"body": str(i)} for i in range(12)])["Records"]]
    assert len(set(ids)) == 12
    ids = [r["Sns"]["MessageId"] for r in to_sns_records([{"msg": str(i)} for i in range(12)])["Records"]]
    assert len(set(ids)) == 12


def test_sns_shape() -> None:
    [record] = to_sns_records([{"msg": "m"}])["Records"]
    assert_same_fields(record, load_event("sns.json")["Records"][0])
    assert record["Sns"]["Subject"] == "TestSubject"


def test_s3_shape() -> None:
    [record] = to_s3_records([{"bucket": {"name": "b"}, "object": {"key": "k"}}])["Records"]
    assert_same_fields(record, load_event("s3.json")["Records"][0])
    assert record["responseElements"]["x-amz-request-id"] == "0000000000000000"


def test_firehose_shape() -> None:
    event = to_firehose_records([{"type": "a"}], 5)
    assert_same_fields(event, load_event("firehose.json"))
    assert_same_fields(event["records"][0], load_event("firehose.json")["records"][0])
    assert event["records"][0]["approximateArrivalTimestamp"] == 5
    assert base64.b64decode(event["records"][0]["data"]) == b'{"type":"a"}'
