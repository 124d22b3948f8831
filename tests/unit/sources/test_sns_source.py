from __future__ import annotations

from lambda_stream.errors import DecodeError
from lambda_stream.sources import from_sns
from lambda_stream.testing import to_sns_records

from .helpers import collect, load_event


def test_sample_event() -> None:
    event = load_event("sns.json")
    uows, errors = collect(from_sns(event))
    assert errors == []
    assert uows == [
        {"record": event["Records"][0]},
        {
            "record": event["Records"][1],
            "message": {"command": "notify", "thingId": "00000000-0000-0000-0000-000000000001"},
        },
    ]


def test_round_trip_through_the_builder() -> None:
    event = to_sns_records(
        [
            {"msg": {"a": 1}, "subject": "S", "attributes": {"k": {"Type": "String", "Value": "v"}}},
            {"msg": "plain"},
        ]
    )
    r0 = event["Records"][0]
    assert r0["EventSource"] == "aws:sns"
    assert r0["Sns"]["Message"] == '{"a":1}'
    assert r0["Sns"]["Subject"] == "S"
    assert r0["Sns"]["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
    uows, _ = collect(from_sns(event))
    assert [u.get("message") for u in uows] == [{"a": 1}, None]


def test_bad_records_are_decode_errors() -> None:
    event = to_sns_records([{"msg": "a"}, {"msg": "b"}, {"msg": "c"}])
    del event["Records"][0]["Sns"]
    event["Records"][1]["Sns"]["Message"] = None
    uows, errors = collect(from_sns(event))
    assert [u["record"]["Sns"]["Message"] for u in uows] == ["c"]
    assert [e.uow["record"] for e in errors] == event["Records"][:2]  # type: ignore[attr-defined]
    assert all(isinstance(e, DecodeError) for e in errors)
