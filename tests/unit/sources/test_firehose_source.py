from __future__ import annotations

from typing import Any

from lambda_stream.errors import DecodeError
from lambda_stream.sources import from_firehose
from lambda_stream.testing import to_firehose_records

from .helpers import collect, load_event


def test_sample_event() -> None:
    event = load_event("firehose.json")
    uows, errors = collect(from_firehose(event))
    assert errors == []
    [uow] = uows  # the second record is tagged skip
    record = event["records"][0]
    assert uow["record"] == record
    assert uow["record_id"] == record["recordId"]
    assert uow["result"] == "Dropped"
    assert uow["event"]["type"] == "thing-created"
    assert uow["event"]["id"] == "b6a4b5a0-6d2e-11ee-b962-0242ac120002"


def test_round_trip_through_the_builder() -> None:
    events: list[dict[str, Any]] = [
        {"id": "1", "type": "a", "timestamp": 1495072949453},
        {"id": "2", "type": "b"},
    ]
    event = to_firehose_records(events)
    assert [r["recordId"] for r in event["records"]] == ["0", "1"]
    assert event["records"][0]["approximateArrivalTimestamp"] == 1495072949453
    uows, _ = collect(from_firehose(event))
    assert [u["event"] for u in uows] == events


def test_bad_records_are_decode_errors() -> None:
    event = to_firehose_records([{"type": "a"}, {"type": "b"}, {"type": "c"}])
    event["records"][0]["data"] = "@@"
    del event["records"][1]["recordId"]
    uows, errors = collect(from_firehose(event))
    assert [u["event"]["type"] for u in uows] == ["c"]
    assert [e.uow["record"] for e in errors] == event["records"][:2]  # type: ignore[attr-defined]
    assert all(isinstance(e, DecodeError) for e in errors)
