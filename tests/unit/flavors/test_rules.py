"""initialize_from checks rules when the handler is built; retryable throttles fail the invocation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_stream import (
    Stream,
    cdc,
    collect,
    correlate,
    evaluate,
    expired,
    from_kinesis,
    initialize,
    initialize_from,
    materialize,
)
from lambda_stream.errors import ConfigurationError, ThrottledError
from lambda_stream.flavors import send_messages, update
from lambda_stream.testing import to_kinesis_records

from .fakes import FakeAws, run_rules, split


def req(uow: dict[str, Any]) -> dict[str, Any]:
    return {
        "Key": {"pk": uow["event"]["id"]},
        "UpdateExpression": "SET #a = :a",
        "ExpressionAttributeNames": {"#a": "a"},
        "ExpressionAttributeValues": {":a": 1},
    }


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"flavor": materialize, "event_type": "x", "to_update_request": req},
            "rule #0: missing required field 'id'",
        ),
        ({"id": "m1", "event_type": "x"}, "rule m1: missing required field 'flavor'"),
        (
            {"id": "m1", "flavor": materialize, "to_update_request": req},
            "rule m1: missing required field 'event_type'",
        ),
        (
            {"id": "m1", "flavor": materialize, "event_type": "x"},
            "rule m1: missing required field 'to_update_request'",
        ),
        (
            {"id": "u1", "flavor": update, "event_type": "x"},
            "rule u1: missing required field 'to_update_request'",
        ),
        ({"id": "e1", "flavor": evaluate, "event_type": "x"}, "rule e1: missing required field 'emit'"),
        (
            {"id": "s1", "flavor": send_messages, "event_type": "x"},
            "rule s1: missing required field 'to_message'",
        ),
        ({"id": "c1", "flavor": collect}, "rule c1: missing required field 'event_type'"),
        (
            {"id": "m1", "flavor": materialize, "event_type": "x", "to_update_request": "nope"},
            "rule m1: 'to_update_request' must be a function",
        ),
        (
            {"id": "m1", "flavor": materialize, "event_type": "x", "to_update_requst": req},
            "rule m1: unknown option 'to_update_requst' (did you mean 'to_update_request'?)",
        ),
        (
            {"id": "m1", "flavor": materialize, "eventType": "x", "to_update_request": req},
            "rule m1: unknown option 'eventType' (did you mean 'event_type'?)",
        ),
        (
            {"id": "c1", "flavor": correlate, "event_type": "x", "correlationKey": "a"},
            "rule c1: unknown option 'correlationKey' (did you mean 'correlation_key'?)",
        ),
        (
            {"id": "c1", "flavor": cdc, "event_type": "x", "toEvent": req},
            "rule c1: unknown option 'toEvent' (did you mean 'to_event'?)",
        ),
        (
            {
                "id": "m1",
                "flavor": materialize,
                "event_type": "x",
                "to_update_request": req,
                "rate": {"num": 0, "ms": 1},
            },
            "rule m1: 'rate' must be",
        ),
        ({"id": "m1", "flavor": 3}, "rule m1: 'flavor' must be a pipeline factory"),
    ],
)
def test_a_bad_rule_fails_when_the_handler_is_built(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as e:
        initialize_from([rule])
    assert str(e.value).startswith(message)


def test_expired_needs_no_event_type_and_duplicates_fail() -> None:
    assert list(initialize_from([{"id": "x", "flavor": expired}])) == ["x"]
    with pytest.raises(ConfigurationError, match="rule a: duplicate rule id"):
        initialize_from([{"id": "a", "flavor": expired}, {"id": "a", "flavor": expired}])


def test_a_flavor_built_without_initialize_from_checks_its_required_fields() -> None:
    with pytest.raises(ConfigurationError, match="rule m: missing required field 'to_update_request'"):
        initialize({"m": materialize}, {"event_type": "x"})


def test_the_event_type_matcher_is_compiled_once_per_rule() -> None:
    calls = []

    def event_type(t: str) -> bool:
        calls.append(t)
        return t == "m1"

    rules = [{"id": "m", "flavor": materialize, "event_type": event_type, "to_update_request": req}]
    events = [{"id": str(i), "type": "m1" if i % 2 else "m2"} for i in range(6)]
    out = run_rules(rules, from_kinesis(to_kinesis_records(events)), connector=FakeAws(), table_name="t")
    assert len(out) == 3
    assert len(calls) == 6


def throttled(op: str, params: Any) -> Exception | None:
    return (
        ThrottledError("slow down", code="ProvisionedThroughputExceededException")
        if params["Key"]["pk"] == "2"
        else None
    )


def uows() -> Stream[Any]:
    return Stream([{"record": {}, "event": {"id": str(i), "type": "m1"}} for i in range(4)])


def test_a_throttled_write_is_a_fault_by_default() -> None:
    rules = [{"id": "m", "flavor": materialize, "event_type": "m1", "to_update_request": req}]
    out, faults = split(run_rules(rules, uows(), connector=FakeAws(fail=throttled), table_name="t"))
    assert len(out) == 3
    assert [f["failed"]["event"]["id"] for f in faults] == ["2"]


def test_a_retryable_rule_fails_the_invocation_when_throttled() -> None:
    rules = [
        {"id": "m", "flavor": materialize, "event_type": "m1", "to_update_request": req, "retryable": True}
    ]
    pipes = initialize(initialize_from(rules), {"connector": FakeAws(fail=throttled), "table_name": "t"})
    with pytest.raises(ThrottledError, match="slow down"):
        asyncio.run(pipes.assemble(uows()).to_list())


def test_every_flavor_field_is_a_shared_option() -> None:
    """A rule is spread into the steps its flavor builds: no step may take a flavor's own field for
    a misspelling of one of its options (``to_query_split_request`` vs ``query_split_request_field``)."""
    import lambda_stream.flavors as flavors
    from lambda_stream.config import LIBRARY_OPTIONS, SHARED_OPTIONS
    from lambda_stream.flavors.rule import Flavor

    found = [getattr(flavors, n) for n in flavors.__all__ if isinstance(getattr(flavors, n), Flavor)]
    assert len(found) >= 10
    for f in found:
        assert set(f.rule_fields) <= SHARED_OPTIONS | LIBRARY_OPTIONS, f
