from __future__ import annotations

import json

import pytest

from lambda_stream.errors import DecodeError
from lambda_stream.sources import from_cron, from_event_bridge
from lambda_stream.testing import to_event_bridge_record

from .helpers import collect, load_event


def test_sample_event() -> None:
    record = load_event("event-bridge.json")
    [uow], errors = collect(from_event_bridge(record))
    assert errors == []
    assert uow["record"] == record
    assert uow["event"] == record["detail"]  # detail.id wins over the EventBridge id
    assert uow["event"]["id"] == "b6a4b5a0-6d2e-11ee-b962-0242ac120002"


def test_id_falls_back_to_the_eventbridge_id() -> None:
    record = load_event("event-bridge.json")
    del record["detail"]["id"]
    [uow], _ = collect(from_event_bridge(record))
    assert uow["event"]["id"] == "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
    assert uow["event"]["type"] == "thing-created"


def test_detail_as_a_json_string() -> None:
    record = load_event("event-bridge.json")
    record["detail"] = json.dumps(record["detail"])
    [uow], _ = collect(from_event_bridge(record))
    assert uow["event"]["type"] == "thing-created"


def test_round_trip_through_the_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    event = {"id": "1", "type": "thing-created", "timestamp": 1548967022000, "thing": {"name": "x"}}
    record = to_event_bridge_record(event)
    assert record["detail-type"] == "thing-created"
    assert record["region"] == "eu-west-1"
    assert record["time"] == "2019-01-31T20:37:02Z"
    [uow], _ = collect(from_event_bridge(record))
    assert uow["event"] == event


@pytest.mark.parametrize(
    "detail",
    [{}, {"id": "1", "thing": {}}, "not json", "[1]", None, {"type": ""}],
)
def test_bad_detail_is_a_decode_error(detail: object) -> None:
    record = load_event("event-bridge.json")
    record["detail"] = detail
    uows, errors = collect(from_event_bridge(record))
    assert uows == []
    assert len(errors) == 1 and isinstance(errors[0], DecodeError)
    assert errors[0].uow == {"record": record}


def test_not_an_object_is_a_decode_error() -> None:
    _, errors = collect(from_event_bridge("nope"))  # type: ignore[arg-type]
    assert isinstance(errors[0], DecodeError)
    assert errors[0].uow == {"record": "nope"}


def test_cron_passes_the_scheduled_event_through() -> None:
    record = load_event("scheduled-event.json")
    [uow], errors = collect(from_cron(record))
    assert errors == []
    assert uow == {"record": record, "event": record}
    assert uow["event"]["detail-type"] == "Scheduled Event"
