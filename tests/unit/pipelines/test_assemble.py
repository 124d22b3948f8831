"""initialize / assemble / initialize_from / default_options / pipeline loggers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from lambda_stream import (
    Stream,
    default_options,
    faulty,
    from_kinesis,
    initialize,
    initialize_from,
    on_event_type,
    print_start_pipeline,
)
from lambda_stream.errors import ConfigurationError
from lambda_stream.faults import FaultUow
from lambda_stream.testing import to_kinesis_records


def run(coro: Any) -> Any:
    return asyncio.run(coro)


EVENTS = [{"id": f"e{i}", "type": "thing-created" if i % 2 else "thing-updated", "n": i} for i in range(10)]


def mapper(tag: str) -> Any:
    def pipeline(opt: dict[str, Any]) -> Any:
        def step(s: Stream[Any]) -> Stream[Any]:
            return s.filter(on_event_type({"event_type": "thing-created"})).map(lambda u: {**u, "by": tag})

        return step

    return pipeline


def failing(opt: dict[str, Any]) -> Any:
    def boom(uow: dict[str, Any]) -> dict[str, Any]:
        if uow["event"]["n"] in (2, 7):
            raise ValueError(f"cannot {uow['event']['id']}")
        return {**uow, "by": "p3"}

    return lambda s: s.map(faulty(boom))


def test_three_pipelines_and_a_failing_one() -> None:
    pipes = initialize({"p1": mapper("p1"), "p2": mapper("p2"), "p3": failing}, {})
    out = run(pipes.assemble(from_kinesis(to_kinesis_records(EVENTS))).to_list())
    good = [u for u in out if not isinstance(u, FaultUow)]
    fault_uows = [u for u in out if isinstance(u, FaultUow)]
    created = sorted(e["id"] for e in EVENTS if e["type"] == "thing-created")
    assert sorted(u["event"]["id"] for u in good if u["by"] == "p1") == created
    assert sorted(u["event"]["id"] for u in good if u["by"] == "p2") == created
    assert sorted(u["event"]["id"] for u in good if u["by"] == "p3") == sorted(
        e["id"] for e in EVENTS if e["n"] not in (2, 7)
    )
    assert all(u["pipeline"] == u["by"] for u in good)
    assert sorted(f["event"]["uow"]["event"]["id"] for f in fault_uows) == ["e2", "e7"]
    assert {f["event"]["tags"]["pipeline"] for f in fault_uows} == {"p3"}


def test_a_record_that_fails_to_decode_is_one_fault_not_one_per_pipeline() -> None:
    batch = to_kinesis_records(EVENTS[:3])
    batch["Records"][0]["kinesis"]["data"] = "not base64!"
    pipes = initialize({"p1": mapper("p1"), "p2": mapper("p2"), "p3": mapper("p3")}, {})
    out = run(pipes.assemble(from_kinesis(batch)).to_list())
    faults_out = [u for u in out if isinstance(u, FaultUow)]
    assert sorted(u["event"]["id"] for u in out if not isinstance(u, FaultUow)) == ["e1", "e1", "e1"]
    assert len(faults_out) == 1
    assert faults_out[0]["event"]["uow"]["record"] == batch["Records"][0]
    assert faults_out[0]["event"]["err"]["name"] == "DecodeError"


def test_the_fork_buffer_stays_bounded_whatever_the_filters_pass() -> None:
    """A pipeline that passes nothing must not make the head buffer the batch for the others:
    a counting source is never read more than a couple of pull chunks ahead of the slowest."""
    from lambda_stream.core._base import CHUNK

    n = 5000
    events = [{"id": str(i), "type": "t"} for i in range(n)]
    records = to_kinesis_records(events)["Records"]
    pulled = 0
    ahead = 0
    done_slow = 0

    def counting() -> Any:
        nonlocal pulled
        for r in records:
            pulled += 1
            yield r

    def slow(opt: dict[str, Any]) -> Any:
        async def wait(uow: dict[str, Any]) -> dict[str, Any]:
            nonlocal done_slow, ahead
            await asyncio.sleep(0)
            done_slow += 1
            ahead = max(ahead, pulled - done_slow)
            return uow

        return lambda s: s.map(wait)

    nothing = lambda opt: lambda s: s.filter(lambda u: False)  # noqa: E731
    pipes = initialize({"slow": slow, "nothing": nothing, "all": lambda opt: lambda s: s}, {})
    head = Stream(counting()).map(lambda r: {"record": r, "event": {"id": r["eventID"], "type": "t"}})
    out = run(pipes.assemble(head).to_list())
    assert len(out) == 2 * n and done_slow == n
    assert ahead <= 3 * CHUNK, ahead


def test_enabled_and_disabled_pipelines() -> None:
    opt = default_options(env={"ENABLED_PIPELINES": "p1,p2", "DISABLED_PIPELINES": "p2"})
    pipes = initialize({"p1": mapper("p1"), "p2": mapper("p2"), "p3": failing}, opt)
    assert pipes.ids == ["p1"]


def test_pipelines_get_their_options_and_id() -> None:
    seen: dict[str, Any] = {}

    def p(opt: dict[str, Any]) -> Any:
        seen.update(opt)
        return lambda s: s

    initialize({"mine": p}, {"table_name": "T"})
    assert seen["id"] == "mine" and seen["table_name"] == "T"
    assert seen["logger"].name == "pl.mine"


def test_debug_pl_star_turns_on_pipeline_logs(caplog: pytest.LogCaptureFixture) -> None:
    pipes = initialize({"dbg": lambda opt: lambda s: s.tap(print_start_pipeline)}, {"debug": "pl:*"})
    run(pipes.assemble(from_kinesis(to_kinesis_records(EVENTS[:2]))).drain())
    msgs = [r.getMessage() for r in caplog.records if r.name == "pl.dbg"]
    assert msgs == [
        "start type: thing-updated, eid: e0, pipeline: dbg",
        "start type: thing-created, eid: e1, pipeline: dbg",
    ]
    assert not logging.getLogger("pl.quiet-one").isEnabledFor(logging.DEBUG)


def test_initialize_from_rules() -> None:
    def flavor(rule: dict[str, Any]) -> Any:
        return lambda s: s.filter(on_event_type(rule)).map(lambda u: {**u, "rule": rule["id"]})

    rules = [
        {"id": "r1", "flavor": flavor, "event_type": "thing-created"},
        {"id": "r2", "flavor": flavor, "event_type": ["thing-updated"]},
    ]
    out = run(
        initialize(initialize_from(rules), {}).assemble(from_kinesis(to_kinesis_records(EVENTS))).to_list()
    )
    assert sorted((u["rule"], u["event"]["n"]) for u in out) == sorted(
        ("r1" if e["type"] == "thing-created" else "r2", e["n"]) for e in EVENTS
    )


def test_initialize_from_names_the_rule_and_the_missing_field() -> None:
    def flavor(rule: dict[str, Any]) -> Any:
        return lambda s: s

    flavor.required_fields = ("event_type", "table_name")  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match=r"rule r1: missing required field 'flavor'"):
        initialize_from([{"id": "r1", "event_type": "x"}])
    with pytest.raises(ConfigurationError, match=r"rule r2: missing required field 'table_name'"):
        initialize_from([{"id": "r2", "flavor": flavor, "event_type": "x"}])
    with pytest.raises(ConfigurationError, match=r"rule #0: missing required field 'id'"):
        initialize_from([{"flavor": flavor}])
    with pytest.raises(ConfigurationError, match="duplicate"):
        initialize_from([{"id": "a", "flavor": lambda r: r}, {"id": "a", "flavor": lambda r: r}])


def test_default_options_reads_the_environment_given() -> None:
    opt = default_options(env={"BUS_NAME": "bus1", "DEBUG": "pl:x"})
    assert opt["bus_name"] == "bus1" and callable(opt["publish"]) and opt["debug"] == "pl:x"
    assert "publish" not in default_options(env={})
