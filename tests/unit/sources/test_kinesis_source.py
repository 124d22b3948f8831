from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest

from lambda_stream.errors import DecodeError
from lambda_stream.sources import from_kinesis
from lambda_stream.testing import to_kinesis_records

from .helpers import collect, load_event


def test_sample_event() -> None:
    event = load_event("kinesis.json")
    uows, errors = collect(from_kinesis(event))
    assert errors == []
    assert [u["record"] for u in uows] == event["Records"]  # the raw record, untouched
    first, second = uows[0]["event"], uows[1]["event"]
    assert first["id"] == "b6a4b5a0-6d2e-11ee-b962-0242ac120002"  # an id in the payload wins
    assert first["type"] == "thing-created"
    assert first["thing"]["name"] == "Thing One"
    assert second["id"] == event["Records"][1]["eventID"]  # else the record's eventID
    assert second["type"] == "thing-updated"


def test_round_trip_through_the_builder() -> None:
    events: list[dict[str, Any]] = [
        {"type": "thing-created", "timestamp": 1548967022000, "thing": {"id": "1", "price": 1.5}},
        {"id": "given", "type": "thing-deleted", "partitionKey": "p1", "tags": {"skip": False}},
    ]
    uows, errors = collect(from_kinesis(to_kinesis_records(events)))
    assert errors == []
    assert [u["event"] for u in uows] == [
        {"id": "shardId-000000000000:0", **events[0]},
        events[1],
    ]


def test_events_tagged_skip_are_dropped() -> None:
    events: list[dict[str, Any]] = [
        {"type": "a"},
        {"type": "b", "tags": {"skip": True}},
        {"type": "c", "tags": {"skip": None}},
    ]
    uows, errors = collect(from_kinesis(to_kinesis_records(events)))
    assert errors == []
    assert [u["event"]["type"] for u in uows] == ["a", "c"]


def test_claim_check_stubs_pass_through_unredeemed() -> None:
    stub = {"id": "1", "type": "thing-created", "s3": {"bucket": "b", "key": "k"}}
    uows, _ = collect(from_kinesis(to_kinesis_records([stub])))
    assert uows[0]["event"] == stub


def _set_data(event: dict[str, object], i: int, data: object) -> dict[str, object]:
    event["Records"][i]["kinesis"]["data"] = data  # type: ignore[index]
    return event


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _assert_one_decode_error(event: dict[str, object], bad: int, good_types: list[str]) -> DecodeError:
    uows, errors = collect(from_kinesis(event))
    assert [u["event"]["type"] for u in uows] == good_types  # the rest of the batch keeps flowing
    assert len(errors) == 1
    err = errors[0]
    assert isinstance(err, DecodeError)
    assert err.uow == {"record": event["Records"][bad]}  # type: ignore[index]
    return err


def test_bad_base64_is_a_decode_error_for_that_record_only() -> None:
    event = _set_data(
        to_kinesis_records([{"type": "a"}, {"type": "b"}, {"type": "c"}]), 1, "%%% not base64 %%%"
    )
    err = _assert_one_decode_error(event, 1, ["a", "c"])
    assert "base64" in str(err)


def test_bad_json_is_a_decode_error() -> None:
    # the AWS docs' own sample record carries plain text, not an event
    event = _set_data(to_kinesis_records([{"type": "a"}, {"type": "b"}]), 0, _b64("Hello, this is a test."))
    err = _assert_one_decode_error(event, 0, ["b"])
    assert "JSON" in str(err)


def test_non_utf8_data_is_a_decode_error() -> None:
    event = _set_data(to_kinesis_records([{"type": "a"}]), 0, base64.b64encode(b"\xff\xfe").decode())
    _assert_one_decode_error(event, 0, [])


def test_missing_type_is_a_decode_error() -> None:
    event = to_kinesis_records([{"type": "a"}, {"id": "x", "thing": {}}])
    err = _assert_one_decode_error(event, 1, ["a"])
    assert "type" in str(err)


def test_payload_that_is_not_an_object_is_a_decode_error() -> None:
    event = _set_data(to_kinesis_records([{"type": "a"}]), 0, _b64(json.dumps([1, 2])))
    _assert_one_decode_error(event, 0, [])


def test_unexpected_record_shape_is_a_decode_error() -> None:
    event = to_kinesis_records([{"type": "a"}, {"type": "b"}])
    del event["Records"][0]["kinesis"]
    event["Records"].append("not a record")
    uows, errors = collect(from_kinesis(event))
    assert [u["event"]["type"] for u in uows] == ["b"]
    assert [type(e) for e in errors] == [DecodeError, DecodeError]
    assert [e.uow["record"] for e in errors] == [event["Records"][0], "not a record"]  # type: ignore[attr-defined]


def test_an_unhandled_decode_error_fails_the_terminal() -> None:
    event = _set_data(to_kinesis_records([{"type": "a"}]), 0, "!!")
    with pytest.raises(DecodeError):
        asyncio.run(from_kinesis(event).to_list())


def test_source_is_lazy() -> None:
    event = _set_data(to_kinesis_records([{"type": "a"}]), 0, "!!")
    stream = from_kinesis(event)  # building decodes nothing: no error yet
    uows, errors = collect(stream)  # the error comes when a terminal pulls
    assert uows == [] and len(errors) == 1


def test_a_miswired_event_fails_at_once() -> None:
    with pytest.raises(DecodeError, match="Records"):
        from_kinesis({"records": []})
