from __future__ import annotations

import json

import pytest

from lambda_stream.errors import DecodeError
from lambda_stream.sources import from_s3, from_sqs_sns_s3
from lambda_stream.testing import to_s3_records, to_sqs_sns_s3_records

from .helpers import collect, load_event


def test_from_s3_sample_event() -> None:
    event = load_event("s3.json")
    uows, errors = collect(from_s3(event))
    assert errors == []
    assert uows == [{"record": event["Records"][0]}]


def test_from_s3_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    event = to_s3_records([{"bucket": {"name": "b1"}, "object": {"key": "k1", "size": 3}}])
    record = event["Records"][0]
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"] == {
        "name": "b1",
        "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
        "arn": "arn:aws:s3:::b1",
    }
    assert record["s3"]["object"]["key"] == "k1" and record["s3"]["object"]["size"] == 3
    uows, _ = collect(from_s3(event))
    assert uows == [{"record": record}]


def test_from_s3_bad_shape_is_a_decode_error() -> None:
    event = to_s3_records(
        [{"bucket": {"name": "b"}, "object": {"key": "1"}}, {"bucket": {"name": "b"}, "object": {"key": "2"}}]
    )
    del event["Records"][0]["s3"]["object"]
    uows, errors = collect(from_s3(event))
    assert [u["record"]["s3"]["object"]["key"] for u in uows] == ["2"]
    assert isinstance(errors[0], DecodeError) and errors[0].uow == {"record": event["Records"][0]}


def test_from_sqs_sns_s3_sample_event() -> None:
    event = load_event("sqs-sns-s3.json")
    uows, errors = collect(from_sqs_sns_s3(event))
    assert errors == []  # the second message is an s3:TestEvent: nothing to process
    sqs = event["Records"][0]
    sns = json.loads(sqs["body"])
    s3 = json.loads(sns["Message"])["Records"]
    assert uows == [{"record": {"sqs": sqs, "sns": sns, "s3": r}} for r in s3]
    assert [u["record"]["s3"]["s3"]["object"]["key"] for u in uows] == [
        "b21b84d653bb07b05b1e6b33684dc11b",
        "things/00000000-0000-0000-0000-000000000002.json",
    ]


def test_from_sqs_sns_s3_round_trip() -> None:
    notifications = [
        {"bucket": {"name": "b"}, "object": {"key": "k1"}},
        {"bucket": {"name": "b"}, "object": {"key": "k2"}},
    ]
    event = to_sqs_sns_s3_records(notifications)
    [sqs] = event["Records"]
    assert sqs["eventSource"] == "aws:sqs"
    sns = json.loads(sqs["body"])
    assert sns["Type"] == "Notification" and sns["Subject"] == "Amazon S3 Notification"
    uows, errors = collect(from_sqs_sns_s3(event))
    assert errors == []
    assert [u["record"]["s3"]["s3"]["object"]["key"] for u in uows] == ["k1", "k2"]
    assert all(u["record"]["sqs"] is sqs for u in uows)
    assert [u["record"]["s3"] for u in uows] == to_s3_records(notifications)["Records"]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"Type": "Notification"}),  # no Message
        json.dumps({"Message": "not json"}),
        json.dumps({"Message": json.dumps({"Records": {}})}),
        json.dumps({"Message": json.dumps({"Records": [{"s3": {}}]})}),
    ],
)
def test_from_sqs_sns_s3_bad_messages_are_decode_errors(body: str) -> None:
    event = load_event("sqs-sns-s3.json")
    event["Records"][1]["body"] = body
    uows, errors = collect(from_sqs_sns_s3(event))
    assert len(uows) == 2  # the good message still yields its two S3 records
    assert len(errors) == 1 and isinstance(errors[0], DecodeError)
    assert errors[0].uow == {"record": event["Records"][1]}
