"""Hostile records: every one becomes exactly one DecodeError carrying its record, never a crash.

Deep nesting, lone surrogates, NaN / Infinity, JSON of the wrong shape: each is rejected at decode
(see docs/faults-and-batch-failures.md, "Hostile input") while the rest of the batch flows on.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream.errors import DecodeError
from lambda_stream.sources import (
    from_cron,
    from_dynamodb,
    from_event_bridge,
    from_firehose,
    from_kinesis,
    from_sns,
    from_sqs,
    from_sqs_event,
    from_sqs_sns_s3,
)
from lambda_stream.testing import (
    to_dynamodb_records,
    to_event_bridge_record,
    to_firehose_records,
    to_kinesis_records,
    to_sqs_event_records,
    to_sqs_records,
)
from lambda_stream.utils.compression import COMPRESSION_PREFIX, zip_text
from lambda_stream.utils.json import MAX_NESTING

from .helpers import collect


def deep_text(levels: int) -> str:
    """An event whose ``thing`` nests ``levels`` objects (about 10 KB at 1,000 levels)."""
    return '{"type":"t","thing":' + '{"a":' * levels + "1" + "}" * levels + "}"


HOSTILE_TEXTS = {
    "nested 1000 levels": deep_text(1000),
    "nested 600 levels": deep_text(600),
    "nested just over the limit": deep_text(MAX_NESTING),
    "deep array": '{"type":"t","a":' + "[" * 5000 + "]" * 5000 + "}",
    "lone high surrogate": '{"type":"t","name":"\\ud800"}',
    "lone low surrogate in a key": '{"type":"t","\\udc00":1}',
    "lone surrogate in the id": '{"type":"t","id":"x\\udbff"}',
    "NaN": '{"type":"t","n":NaN}',
    "Infinity": '{"type":"t","n":[1,Infinity]}',
    "-Infinity": '{"type":"t","n":-Infinity}',
    "a number that overflows to Infinity": '{"type":"t","n":1e400}',
    "digits that overflow to Infinity": '{"type":"t","n":' + "9" * 400 + ".5}",
    "deep compressed field": '{"type":"t","c":"' + COMPRESSION_PREFIX + zip_text(deep_text(400)) + '"}',
    "NaN in a compressed field": '{"type":"t","c":"' + COMPRESSION_PREFIX + zip_text('{"n":NaN}') + '"}',
}


def kinesis_with(text: str) -> dict[str, Any]:
    event = to_kinesis_records([{"type": "ok"}, {"type": "ok"}, {"type": "ok"}])
    event["Records"][1]["kinesis"]["data"] = base64.b64encode(text.encode()).decode()
    return event


def sqs_with(text: str) -> dict[str, Any]:
    event = to_sqs_event_records([{"type": "ok"}, {"type": "ok"}, {"type": "ok"}])
    event["Records"][1]["body"] = text
    return event


def firehose_with(text: str) -> dict[str, Any]:
    event = to_firehose_records([{"type": "ok"}, {"type": "ok"}, {"type": "ok"}])
    event["records"][1]["data"] = base64.b64encode(text.encode()).decode()
    return event


SOURCES: list[tuple[str, Callable[[Any], Any], Callable[[str], dict[str, Any]], str]] = [
    ("kinesis", from_kinesis, kinesis_with, "Records"),
    ("sqs", from_sqs_event, sqs_with, "Records"),
    ("firehose", from_firehose, firehose_with, "records"),
]


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
@pytest.mark.parametrize(("source", "fn", "build", "key"), SOURCES, ids=[s[0] for s in SOURCES])
def test_a_hostile_payload_is_one_decode_error_and_the_batch_flows_on(
    name: str, source: str, fn: Callable[[Any], Any], build: Callable[[str], dict[str, Any]], key: str
) -> None:
    event = build(HOSTILE_TEXTS[name])
    uows, errors = collect(fn(event))
    assert [u["event"]["type"] for u in uows] == ["ok", "ok"]
    [err] = errors
    assert isinstance(err, DecodeError)
    assert err.uow == {"record": event[key][1]}


def test_the_limit_is_well_above_dynamodbs_32_levels() -> None:
    uows, errors = collect(from_kinesis(kinesis_with(deep_text(MAX_NESTING - 2))))
    assert errors == [] and len(uows) == 3


def test_a_surrogate_pair_is_fine() -> None:
    uows, errors = collect(from_sqs_event(sqs_with('{"type":"t","e":"\\ud83d\\ude00"}')))
    assert errors == [] and uows[1]["event"]["e"] == "\U0001f600"


@pytest.mark.parametrize("field", ["messageId", "body"])
def test_a_lone_surrogate_in_an_sqs_record_field_is_a_decode_error(field: str) -> None:
    event = to_sqs_event_records([{"type": "ok"}, {"type": "ok"}])
    record = event["Records"][1]
    record[field] = record[field][:-2] + "\ud800" + record[field][-1:]  # as the runtime parses "\ud800"
    uows, errors = collect(from_sqs_event(event))
    assert len(uows) == 1 and [e.uow for e in errors] == [{"record": record}]


def test_a_lone_surrogate_in_a_kinesis_event_id_is_a_decode_error() -> None:
    event = to_kinesis_records([{"type": "ok"}])
    event["Records"][0]["eventID"] += "\udfff"
    _, [err] = collect(from_kinesis(event))
    assert isinstance(err, DecodeError) and "surrogate" in str(err)


def nested_image(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(levels):
        value = {"M": {"a": value}}
    return {"pk": {"S": "1"}, "sk": {"S": "thing"}, "deep": value}


@pytest.mark.parametrize(
    "image",
    [
        nested_image(2000),
        {"pk": {"S": "1"}, "sk": {"S": "thing"}, "name": {"S": "\ud800"}},
        {"pk": {"S": "1"}, "sk": {"S": "thing"}, "\udc00": {"N": "1"}},
    ],
    ids=["nested 2000 levels", "lone surrogate", "lone surrogate in a name"],
)
def test_a_hostile_dynamodb_image_is_one_decode_error(image: dict[str, Any]) -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records([{"timestamp": 1, "keys": keys, "newImage": keys}] * 2)
    event["Records"][1]["dynamodb"]["NewImage"] = image
    uows, errors = collect(from_dynamodb(event))
    assert len(uows) == 1 and [e.uow for e in errors] == [{"record": event["Records"][1]}]


def test_a_lone_surrogate_in_a_dynamodb_region_or_event_id_is_a_decode_error() -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records([{"timestamp": 1, "keys": keys, "newImage": keys}] * 3)
    event["Records"][1]["awsRegion"] = "us-east-1\ud800"
    event["Records"][2]["eventID"] = "\udc00"
    uows, errors = collect(from_dynamodb(event))
    assert len(uows) == 1 and [e.uow for e in errors] == [{"record": r} for r in event["Records"][1:]]


def deep_dict(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "detail",
    [
        {"type": "t", "thing": deep_dict(5000)},
        {"type": "t", "name": "\ud800"},
        {"type": "t", "n": float("nan")},  # the Python runtime's json.loads accepts NaN
    ],
    ids=["nested 5000 levels", "lone surrogate", "NaN"],
)
def test_a_hostile_event_bridge_detail_is_a_decode_error(detail: dict[str, Any]) -> None:
    record = to_event_bridge_record({"type": "t"})
    record["detail"] = detail
    uows, [err] = collect(from_event_bridge(record))
    assert uows == [] and isinstance(err, DecodeError) and err.uow == {"record": record}
    _, [err] = collect(from_cron(record))
    assert isinstance(err, DecodeError) and err.uow == {"record": record}


def test_from_sqs_and_from_sns_reject_deep_or_surrogate_json_but_keep_plain_text() -> None:
    event = to_sqs_records([{"body": deep_text(1000)}, {"body": '{"a":"\\ud800"}'}, {"body": "NaN, plain"}])
    uows, errors = collect(from_sqs(event))
    assert [u["record"]["body"] for u in uows] == ["NaN, plain"]
    assert [e.uow["record"] for e in errors] == event["Records"][:2]  # type: ignore[attr-defined]
    sns = {"Records": [{"Sns": {"Message": deep_text(1000)}}, {"Sns": {"Message": '{"n": NaN}'}}]}
    uows, errors = collect(from_sns(sns))
    assert [("message" in u) for u in uows] == [False]  # NaN is not JSON: the message is plain text
    assert [e.uow["record"] for e in errors] == sns["Records"][:1]  # type: ignore[attr-defined]


def test_a_number_near_the_limit_of_a_double_is_fine() -> None:
    uows, errors = collect(from_sqs_event(sqs_with('{"type":"t","n":1.5e308,"m":1e-400}')))
    assert errors == [] and uows[1]["event"]["n"] == 1.5e308 and uows[1]["event"]["m"] == 0.0


@pytest.mark.parametrize("approx", [float("inf"), float("nan"), "x", None])
def test_any_failure_decoding_one_record_is_its_decode_error(approx: Any) -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records([{"timestamp": 1, "keys": keys, "newImage": keys}] * 2)
    event["Records"][1]["dynamodb"]["ApproximateCreationDateTime"] = approx  # inf: OverflowError
    uows, errors = collect(from_dynamodb(event))
    assert len(uows) == 1 and [e.uow for e in errors] == [{"record": event["Records"][1]}]


# -- from_sqs_sns_s3: JSON that is not an S3 notification is never dropped silently (issue 7 #1) --
def sqs_sns(message: Any) -> dict[str, Any]:
    body = {"Type": "Notification", "MessageId": "m", "Message": json.dumps(message)}
    return to_sqs_records([{"body": body}])


@pytest.mark.parametrize(
    "message",
    [{"message": "hello"}, {"Records": []}, {"Records": "x"}, {"Event": "s3:Other"}, [1, 2]],
    ids=["other json", "no records", "records not a list", "another event", "an array"],
)
def test_an_sns_message_that_is_not_an_s3_notification_is_a_decode_error(message: Any) -> None:
    event = sqs_sns(message)
    uows, [err] = collect(from_sqs_sns_s3(event))
    assert uows == [] and isinstance(err, DecodeError)
    assert err.uow == {"record": event["Records"][0]}


def test_only_the_s3_test_event_yields_nothing() -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2019-01-01T00:00:00.000Z"}
    assert collect(from_sqs_sns_s3(sqs_sns(test_event))) == ([], [])


def test_raw_message_delivery_reads_the_s3_notification_from_the_body() -> None:
    s3 = {"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}}]}
    event = to_sqs_records([{"body": s3}])
    [uow], errors = collect(from_sqs_sns_s3(event))
    assert errors == [] and uow["record"]["sns"] is None and uow["record"]["s3"]["s3"]["object"]["key"] == "k"


# -- JS 1.2 gaps (issue 10) ----------------------------------------------------------------------
def test_from_sqs_event_drops_skip_tagged_events() -> None:
    event = to_sqs_event_records([{"type": "a", "tags": {"skip": True}}, {"type": "b"}])
    uows, errors = collect(from_sqs_event(event))
    assert errors == [] and [u["event"]["type"] for u in uows] == ["b"]
