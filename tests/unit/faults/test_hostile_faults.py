"""Faults from hostile uows: shared exceptions, oversize, redaction, deep values, surrogates, NaN.

Whatever the failed uow holds, ``to_fault_event`` returns strict JSON that encodes to UTF-8 within
``max_size``, and every failure names the uow that actually failed.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
from typing import Any

import pytest

from lambda_stream import Stream, faults, faulty, faulty_async, throw_fault
from lambda_stream.errors import ConnectorError, FaultError
from lambda_stream.faults import FaultUow, attach_uow, to_fault_event
from lambda_stream.faults.events import REDACTED, TOO_DEEP, wire_size
from lambda_stream.testing import to_kinesis_records, to_sqs_event_records
from lambda_stream.utils.json import dumps

ERR = ValueError("a module-level error, raised for every uow")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def uows(n: int) -> list[dict[str, Any]]:
    return [{"record": {"n": i}, "event": {"id": f"e{i}", "type": "t"}} for i in range(n)]


def failed_ids(out: list[Any]) -> list[str]:
    return sorted(f["failed"]["event"]["id"] for f in out if isinstance(f, FaultUow))


def fault_of(uow: Any, err: BaseException | None = None) -> dict[str, Any]:
    e = err or ValueError("boom")
    e.uow = uow  # type: ignore[attr-defined]
    return to_fault_event(e)


def assert_deliverable(event: dict[str, Any], max_size: int = 256 * 1024) -> None:
    text = dumps(event)
    assert len(text.encode("utf-8")) <= max_size  # strict UTF-8: no lone surrogate survives
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in a fault"))


# -- item 2: one exception object raised for several uows ----------------------------------------
def test_a_shared_exception_faults_every_uow_that_raised_it() -> None:
    def step(uow: Any) -> Any:
        raise ERR

    out = run(Stream(uows(3)).map(faulty(step)).errors(faults).to_list())
    assert failed_ids(out) == ["e0", "e1", "e2"]
    assert ERR.uow["event"]["id"] == "e0"  # type: ignore[attr-defined]  # its first owner keeps it


def test_a_shared_exception_in_parallel_async_steps_names_each_uow() -> None:
    async def step(uow: Any) -> Any:
        for _ in range(int(uow["event"]["id"][1:]) % 3):
            await asyncio.sleep(0)
        raise ERR

    out = run(Stream(uows(6)).map(faulty_async(step), parallel=6).errors(faults).to_list())
    assert failed_ids(out) == [f"e{i}" for i in range(6)]


def test_a_shared_exception_of_an_earlier_invocation_is_not_reused() -> None:
    shared = KeyError("k")

    def step(uow: Any) -> Any:
        raise shared

    for i in range(3):  # three invocations, one uow each
        out = run(Stream(uows(3)[i : i + 1]).map(faulty(step)).errors(faults).to_list())
        assert failed_ids(out) == [f"e{i}"]


def test_the_copy_keeps_type_args_attributes_traceback_and_chain() -> None:
    try:
        try:
            raise OSError("cause")
        except OSError as cause:
            raise ConnectorError("throttled", code="Throttling") from cause
    except ConnectorError as e:
        original = e
    a, b = {"n": "a"}, {"n": "b"}
    assert attach_uow(original, a) is original
    twin = attach_uow(original, b)
    assert twin is not original and type(twin) is ConnectorError
    assert twin.args == ("throttled",) and twin.code == "Throttling"  # type: ignore[attr-defined]
    assert twin.uow is b and original.uow is a  # type: ignore[attr-defined]
    assert twin.__traceback__ is original.__traceback__ and twin.__cause__ is original.__cause__


def test_an_exception_that_cannot_be_copied_travels_on_a_fault_error() -> None:
    class Strict(Exception):
        def __init__(self, a: int, b: int) -> None:  # copy.copy calls Strict(*args): fails
            super().__init__(f"{a}-{b}")

    e = Strict(1, 2)
    attach_uow(e, {"n": 1})
    twin = attach_uow(e, {"n": 2})
    assert isinstance(twin, FaultError) and twin.uow == {"n": 2} and twin.__cause__ is e


def test_nested_wrappers_keep_the_innermost_uow_and_a_sink_style_raise_works() -> None:
    inner = {"event": {"id": "inner"}}

    def step(uow: Any) -> Any:
        throw_fault(inner)(ERR)  # ERR may carry a uow of another test: a copy carries inner

    out = run(Stream(uows(2)).map(faulty(faulty(step))).errors(faults).to_list())
    assert [f["failed"] for f in out] == [inner, inner]
    with pytest.raises(ValueError) as info:
        try:
            raise ERR
        except ValueError as e:
            raise attach_uow(e, {"sink": 1}) from None
    assert info.value.uow == {"sink": 1}  # type: ignore[attr-defined]


# -- item 6: a fault too big to publish ----------------------------------------------------------
def big_kinesis_uow(size: int) -> dict[str, Any]:
    event = {"type": "t", "blob": base64.b64encode(os.urandom(size)).decode()}
    record = to_kinesis_records([event])["Records"][0]
    return {"record": record, "event": {"id": record["eventID"], **event}, "pipeline": "p1"}


@pytest.mark.parametrize("max_size", [4_000, 64 * 1024, 256 * 1024])
def test_an_oversized_fault_becomes_a_pointer_within_the_limit(max_size: int) -> None:
    uow = big_kinesis_uow(320 * 1024)
    err = ValueError("x" * 100_000)  # the message is big too
    err.uow = uow  # type: ignore[attr-defined]
    event = to_fault_event(err, max_size=max_size)
    assert_deliverable(event, max_size)
    record = uow["record"]
    assert event["uow"] == {
        "pointer": {
            "eventSource": "aws:kinesis",
            "eventSourceARN": record["eventSourceARN"],
            "awsRegion": record["awsRegion"],
            "eventID": record["eventID"],
            "sequenceNumber": record["kinesis"]["sequenceNumber"],
            "partitionKey": record["kinesis"]["partitionKey"],
        }
    }
    assert event["err"]["name"] == "ValueError" and event["err"]["message"].startswith("xxx")
    assert event["type"] == "fault" and event["tags"]["pipeline"] == "p1"


def test_a_fault_that_fits_once_trimmed_to_the_record_keeps_the_record() -> None:
    uow = big_kinesis_uow(10_000)
    uow["event"]["huge"] = "y" * 300_000
    event = fault_of(uow)
    assert event["uow"] == {"record": uow["record"]}
    assert_deliverable(event)


def test_a_batch_fault_too_big_for_its_records_points_at_each() -> None:
    records = to_sqs_event_records([{"type": "t", "blob": "z" * 200_000} for _ in range(3)])["Records"]
    batch = [{"record": r, "event": {"id": r["messageId"]}} for r in records]
    event = fault_of({"batch": batch})
    assert [m["pointer"]["messageId"] for m in event["uow"]["batch"]] == [r["messageId"] for r in records]
    assert_deliverable(event)


def test_the_size_is_measured_as_sent_compressed_or_not() -> None:
    uow = {"record": {"r": 1}, "event": {"id": "e", "blob": base64.b64encode(os.urandom(60_000)).decode()}}
    err = ValueError("x")
    err.uow = uow  # type: ignore[attr-defined]
    event = to_fault_event(err, max_size=81_000)
    size = wire_size(event)
    assert size is not None and size <= 81_000


def test_a_huge_message_does_not_cost_the_uow() -> None:
    uow = {"record": {"r": 1}, "event": {"id": "e", "type": "t", "small": True}}
    event = fault_of(uow, ValueError("m" * 1_000_000))
    assert event["uow"]["event"] == uow["event"] and len(event["err"]["message"]) < 10_000
    assert_deliverable(event)


def test_a_tiny_limit_still_gives_a_fault_within_it() -> None:
    err = ValueError("m" * 10_000)
    err.uow = big_kinesis_uow(1000)  # type: ignore[attr-defined]
    event = to_fault_event(err, max_size=600)
    assert_deliverable(event, 600)
    assert event["err"]["name"] == "ValueError"


# -- item 7: redaction everywhere but the raw record ---------------------------------------------
def test_eem_fields_are_redacted_everywhere_but_the_raw_record() -> None:
    event = {"id": "e", "type": "t", "ssn": "111", "thing": {"ssn": "111"}, "eem": {"fields": ["ssn", "a-b"]}}
    uow = {
        "record": {"body": json.dumps(event)},
        "event": event,
        "put_request": {"Item": {"pk": "1", "ssn": "111", "nested": [{"ssn": "111"}]}},
        "update_request": {
            "ExpressionAttributeNames": {"#ssn": "ssn", "#a_x2d_b": "a-b", "#name": "name"},
            "ExpressionAttributeValues": {
                ":ssn": "111",
                ":a_x2d_b": "222",
                ":name": "n",
                ":ssn_delete": {"x"},
            },
            "UpdateExpression": "SET #ssn = :ssn",
        },
        "batch": [{"record": {"ssn": "raw"}, "event": event, "get_response": {"Item": {"ssn": "111"}}}],
    }
    out = fault_of(uow)["uow"]
    text = dumps({k: v for k, v in out.items() if k != "record"})
    assert "111" not in text and "222" not in text
    assert out["record"] == uow["record"]  # what the source delivered, for resubmission
    assert out["batch"][0]["record"] == {"ssn": "raw"}
    assert out["put_request"]["Item"] == {"pk": "1", "ssn": REDACTED, "nested": [{"ssn": REDACTED}]}
    values = out["update_request"]["ExpressionAttributeValues"]
    assert values == {":ssn": REDACTED, ":a_x2d_b": REDACTED, ":name": "n", ":ssn_delete": REDACTED}
    assert uow["put_request"]["Item"]["ssn"] == "111"  # the uow itself is untouched


# -- items 3-5 and the id: hostile content never makes fault building raise ----------------------
def deep(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"a": [value]}
    return value


HOSTILE_UOWS: dict[str, Any] = {
    "deep event": {"record": {"r": 1}, "event": {"id": "e", "deep": deep(3000)}},
    "deep record": {"record": deep(3000), "event": {"id": "e"}},
    "deep record, no event": {"record": deep(3000)},
    "surrogate id": {"record": {"r": "\ud800"}, "event": {"id": "e\udfff", "name": "\ud800"}},
    "surrogate record, no event": {"record": {"body": "\udc00"}},
    "surrogate key": {"record": {"r": 1}, "event": {"id": "e", "\ud800": 1}},
    "NaN in the event": {"record": {"r": 1}, "event": {"id": "e", "n": float("nan"), "i": float("inf")}},
    "NaN in the record": {"record": {"n": float("nan")}},
    "not JSON": {"record": {"r": 1}, "event": {"id": "e", "o": object(), "k": {(1, 2): 3}}},
    "a set of mixed things": {"record": {"r": 1}, "event": {"id": "e", "s": {1, "a"}}},
    "not a mapping": ["a", "list"],
    "batch of hostile": {
        "batch": [{"record": deep(3000)}, {"record": {"x": "\ud800"}, "event": {"id": "\ud800"}}]
    },
}


@pytest.mark.parametrize("name", sorted(HOSTILE_UOWS))
def test_a_fault_of_a_hostile_uow_is_always_deliverable(name: str) -> None:
    uow = HOSTILE_UOWS[name]
    err = ValueError(f"failed on {name}\ud800")
    event = fault_of(uow, err)
    assert_deliverable(event)
    again = fault_of(uow, ValueError("again"))
    assert again["id"] == event["id"]  # deterministic, whatever the content


def test_a_deep_event_is_cut_with_a_marker_not_dropped() -> None:
    event = fault_of(HOSTILE_UOWS["deep event"])
    assert TOO_DEEP in dumps(event["uow"]["event"])


def test_a_hostile_str_does_not_break_the_fault() -> None:
    class Nasty(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    event = fault_of({"record": {"r": 1}}, Nasty())
    assert event["err"]["name"] == "Nasty"
    assert_deliverable(event)


def test_copies_of_a_uow_give_the_same_fault_id() -> None:
    uow = uows(1)[0]
    assert fault_of(copy.deepcopy(uow))["id"] == fault_of(uow)["id"]


def test_a_uow_that_contains_itself_still_faults() -> None:
    uow: dict[str, Any] = {"record": {"r": 1}, "event": {"id": "e"}}
    uow["event"]["me"] = uow
    uow["event"]["me2"] = uow["event"]
    event = fault_of(uow)
    assert event["uow"] == {"record": {"r": 1}}
    assert_deliverable(event)


def test_an_exception_that_refuses_attributes_travels_on_a_fault_error() -> None:
    class Frozen(Exception):
        def __setattr__(self, name: str, value: Any) -> None:
            raise TypeError("frozen")

        def __str__(self) -> str:
            raise RuntimeError("no str either")

    def step(uow: Any) -> Any:
        raise Frozen()

    out = run(Stream(uows(2)).map(faulty(step)).errors(faults).to_list())
    assert failed_ids(out) == ["e0", "e1"]
    assert all(f["event"]["err"]["name"] == "FaultError" for f in out)


def test_a_pointer_names_the_s3_object() -> None:
    record = {
        "eventSource": "aws:s3",
        "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "sequencer": "0A"}},
    }
    err = ValueError("x")
    err.uow = {"record": {**record, "blob": "x" * 10_000}}  # type: ignore[attr-defined]
    assert to_fault_event(err, max_size=4_000)["uow"] == {
        "pointer": {"eventSource": "aws:s3", "bucket": "b", "key": "k", "sequencer": "0A"}
    }
