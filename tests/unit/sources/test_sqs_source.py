from __future__ import annotations

import hashlib
import json
from typing import Any

from lambda_stream.errors import DecodeError
from lambda_stream.sources import from_sqs, from_sqs_event
from lambda_stream.testing import to_sqs_event_records, to_sqs_records

from .helpers import collect, load_event


def test_from_sqs_sample_event() -> None:
    event = load_event("sqs.json")
    uows, errors = collect(from_sqs(event))
    assert errors == []
    assert uows == [
        {"record": event["Records"][0]},  # plain text: no parsed message
        {
            "record": event["Records"][1],
            "message": {"command": "reprocess", "thingId": "00000000-0000-0000-0000-000000000001"},
        },
    ]


def test_from_sqs_only_parses_json_objects_and_arrays() -> None:
    event = to_sqs_records([{"body": "42"}, {"body": "[1, 2]"}, {"body": "{broken"}, {"body": ""}])
    uows, errors = collect(from_sqs(event))
    assert errors == []
    assert [u.get("message") for u in uows] == [None, [1, 2], None, None]


def test_from_sqs_record_without_body_is_a_decode_error() -> None:
    event = to_sqs_records([{"body": "a"}, {"body": "b"}])
    del event["Records"][0]["body"]
    uows, errors = collect(from_sqs(event))
    assert [u["record"]["body"] for u in uows] == ["b"]
    assert isinstance(errors[0], DecodeError) and errors[0].uow == {"record": event["Records"][0]}


def test_from_sqs_event_sample() -> None:
    event = load_event("sqs-event.json")
    [uow], errors = collect(from_sqs_event(event))
    assert errors == []
    assert uow["record"] == event["Records"][0]
    assert uow["event"] == json.loads(event["Records"][0]["body"])  # the payload's id wins


def test_from_sqs_event_round_trip() -> None:
    events: list[dict[str, Any]] = [
        {"type": "thing-created", "timestamp": 1548967022000, "tags": {"region": "eu-west-1"}},
        {"id": "e2", "type": "thing-updated"},
    ]
    event = to_sqs_event_records(events)
    r0 = event["Records"][0]
    assert r0["attributes"]["SentTimestamp"] == "1548967022000"
    assert r0["awsRegion"] == "eu-west-1"
    assert r0["md5OfBody"] == hashlib.md5(r0["body"].encode()).hexdigest()
    uows, errors = collect(from_sqs_event(event))
    assert errors == []
    assert [u["event"] for u in uows] == [{"id": r0["messageId"], **events[0]}, events[1]]


def test_from_sqs_event_bad_bodies_are_decode_errors() -> None:
    event = to_sqs_records(
        [{"body": "not json"}, {"body": {"thing": 1}}, {"body": "[]"}, {"body": {"type": "ok"}}]
    )
    uows, errors = collect(from_sqs_event(event))
    assert [u["event"]["type"] for u in uows] == ["ok"]
    assert [type(e) for e in errors] == [DecodeError] * 3
    assert [e.uow["record"] for e in errors] == event["Records"][:3]  # type: ignore[attr-defined]
