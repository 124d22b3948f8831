"""faulty / throw_fault / reject_with_fault / faults / flush_faults: errors with a uow become faults."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from lambda_stream import (
    FAULT_EVENT_TYPE,
    Stream,
    faults,
    faulty,
    faulty_async,
    flush_faults,
    reject_with_fault,
    throw_fault,
)
from lambda_stream.faults import FaultUow, to_fault_event


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def uows(n: int) -> list[dict[str, Any]]:
    return [{"record": {"n": i}, "event": {"id": f"e{i}", "type": "thing-created"}} for i in range(n)]


def fail_on(k: int) -> Any:
    def step(uow: dict[str, Any]) -> dict[str, Any]:
        if uow["event"]["id"] == f"e{k}":
            raise ValueError(f"bad {k}")
        return uow

    return step


def test_faulty_attaches_the_uow_and_faults_turns_it_into_a_fault_event() -> None:
    out = run(Stream(uows(3)).map(faulty(fail_on(1))).errors(faults).to_list())
    assert [u["event"]["id"] for u in out if not isinstance(u, FaultUow)] == ["e0", "e2"]
    [fault] = [u for u in out if isinstance(u, FaultUow)]
    event = fault["event"]
    assert event["type"] == FAULT_EVENT_TYPE
    assert event["err"]["name"] == "ValueError" and event["err"]["message"] == "bad 1"
    assert "Traceback" in event["err"]["stack"]
    assert event["uow"]["record"] == {"n": 1}
    assert fault["failed"]["record"] == {"n": 1}
    json.dumps(event)  # the fault is wire-ready


def test_faulty_async_and_reject_with_fault() -> None:
    async def step(uow: dict[str, Any]) -> dict[str, Any]:
        if uow["event"]["id"] == "e0":
            raise KeyError("k")
        if uow["event"]["id"] == "e1":
            await reject_with_fault(uow)(RuntimeError("rejected"))
        return uow

    out = run(Stream(uows(3)).map(faulty_async(step)).errors(faults).to_list())
    names = sorted(u["event"]["err"]["name"] for u in out if isinstance(u, FaultUow))
    assert names == ["KeyError", "RuntimeError"]


def test_throw_fault_raises_with_the_uow_unless_ignored() -> None:
    uow = {"event": {"id": "x"}}
    with pytest.raises(ValueError) as info:
        throw_fault(uow)(ValueError("v"))
    assert info.value.uow is uow  # type: ignore[attr-defined]
    throw_fault(uow, ignore=True)(ValueError("v"))  # swallowed


def test_an_error_without_a_uow_is_reraised_and_fails_the_run() -> None:
    def boom(uow: Any) -> Any:
        raise LookupError("no uow here")

    with pytest.raises(LookupError):
        run(Stream(uows(2)).map(boom).errors(faults).to_list())


def test_the_innermost_uow_wins() -> None:
    inner = {"event": {"id": "inner"}}

    def step(uow: Any) -> Any:
        throw_fault(inner)(ValueError("x"))

    out = run(Stream(uows(1)).map(faulty(step)).errors(faults).to_list())
    assert out[0]["failed"] is inner


def test_redaction_of_eem_fields_and_trimming() -> None:
    uow = {
        "record": {"r": 1},
        "event": {"id": "e", "type": "t", "thing": {"ssn": "123", "name": "n"}, "eem": {"fields": ["ssn"]}},
        "logger": object(),
        "fn": lambda: None,
        "_private": 1,
    }
    err = ValueError("x")
    err.uow = uow  # type: ignore[attr-defined]
    event = to_fault_event(err)
    assert event["uow"]["event"]["thing"] == {"ssn": "[REDACTED]", "name": "n"}
    assert set(event["uow"]) == {"record", "event"}
    assert uow["event"]["thing"]["ssn"] == "123"  # the uow itself is untouched


def test_an_oversized_fault_keeps_only_the_record() -> None:
    err = ValueError("x")
    err.uow = {"record": {"r": 1}, "event": {"id": "e", "type": "t", "blob": "x" * 5000}}  # type: ignore[attr-defined]
    event = to_fault_event(err, max_size=2000)
    assert event["uow"] == {"record": {"r": 1}}
    batch_err = ValueError("y")
    batch_err.uow = {"batch": [{"record": {"r": i}, "event": {"blob": "x" * 5000}} for i in range(2)]}  # type: ignore[attr-defined]
    assert to_fault_event(batch_err, max_size=2000)["uow"] == {
        "batch": [{"record": {"r": 0}}, {"record": {"r": 1}}]
    }


def test_fault_ids_are_deterministic_per_pipeline_and_event() -> None:
    def fault_id(pipeline: str, eid: str) -> str:
        err = ValueError("x")
        err.uow = {"pipeline": pipeline, "event": {"id": eid}}  # type: ignore[attr-defined]
        return str(to_fault_event(err)["id"])

    assert fault_id("p1", "e1") == fault_id("p1", "e1")
    assert len({fault_id("p1", "e1"), fault_id("p2", "e1"), fault_id("p1", "e2")}) == 3


def test_flush_faults_holds_faults_until_every_uow_has_flowed_then_publishes() -> None:
    published: list[list[str]] = []
    order: list[str] = []

    def publish(**opt: Any) -> Any:
        assert opt["batch_size"] == 4

        def step(s: Stream[Any]) -> Stream[Any]:
            def send(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
                published.append([u["event"]["uow"]["event"]["id"] for u in batch])
                return [{**u, "publish_response": {"ok": True}} for u in batch]

            return s.batch(opt["batch_size"]).map(send).flat_map(lambda b: b)

        return step

    out = run(
        Stream(uows(10))
        .map(faulty(lambda u: u if int(u["event"]["id"][1:]) % 2 else throw_fault(u)(ValueError("even"))))
        .errors(faults)
        .tap(lambda u: order.append("fault" if isinstance(u, FaultUow) else "uow"))
        .through(flush_faults(publish=publish))
        .to_list()
    )
    assert published == [["e0", "e2", "e4", "e6"], ["e8"]]
    # the good uows came out first, then the published faults
    kinds = ["fault" if isinstance(u, FaultUow) else "uow" for u in out]
    assert kinds == ["uow"] * 5 + ["fault"] * 5
    assert all(f["published"]["publish_response"] == {"ok": True} for f in out[5:])


def test_flush_faults_without_a_publisher_logs_and_passes_faults_on(caplog: pytest.LogCaptureFixture) -> None:
    out = run(Stream(uows(2)).map(faulty(fail_on(0))).errors(faults).through(flush_faults()).to_list())
    assert [type(u).__name__ for u in out] == ["dict", "FaultUow"]
    assert any("fault:" in r.message and '"type":"fault"' in r.message for r in caplog.records)


def test_a_failing_fault_publisher_fails_the_run() -> None:
    def publish(**opt: Any) -> Any:
        def step(s: Stream[Any]) -> Stream[Any]:
            def send(u: Any) -> Any:
                raise ConnectionError("bus down")

            return s.map(send)

        return step

    with pytest.raises(ConnectionError):
        run(
            Stream(uows(2))
            .map(faulty(fail_on(0)))
            .errors(faults)
            .through(flush_faults(publish=publish))
            .drain()
        )


def test_a_batch_faults_pipeline_comes_from_its_uows() -> None:
    err = ValueError("call failed")
    err.uow = {"batch": [{"pipeline": "p9", "record": {"r": 1}}]}  # type: ignore[attr-defined]
    assert to_fault_event(err)["tags"]["pipeline"] == "p9"


def test_faulty_refuses_what_is_not_a_function() -> None:
    from lambda_stream import faulty, faulty_async

    for wrap in (faulty, faulty_async):
        with pytest.raises(TypeError, match="wraps a step function"):
            wrap(3)  # type: ignore[arg-type]
