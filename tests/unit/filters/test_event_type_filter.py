from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from lambda_stream import Stream
from lambda_stream.errors import ConfigurationError
from lambda_stream.filters import filter_on_event_type, on_event_type, prefilter_on_event_types


def uow(t: Any) -> dict[str, Any]:
    return {"event": {"type": t}}


TYPES = ["thing-created", "thing-updated", "thing-deleted", "other-created"]


def matching(rule: dict[str, Any]) -> list[str]:
    pred = on_event_type(rule)
    return [t for t in TYPES if pred(uow(t))]


def test_string_is_an_exact_match() -> None:
    assert matching({"id": "r", "event_type": "thing-created"}) == ["thing-created"]
    assert matching({"id": "r", "event_type": "thing"}) == []


def test_regex_is_searched_like_js_test() -> None:
    assert matching({"id": "r", "event_type": re.compile(r"thing-(created|updated)")}) == [
        "thing-created",
        "thing-updated",
    ]
    assert matching({"id": "r", "event_type": re.compile(r"created$")}) == ["thing-created", "other-created"]


def test_list_is_exact_membership() -> None:
    # not a substring of the joined list (an old JS version's bug)
    assert matching({"id": "r", "event_type": ["thing-created", "other-created"]}) == [
        "thing-created",
        "other-created",
    ]
    assert matching({"id": "r", "event_type": ["thing-created,other"]}) == []
    assert matching({"id": "r", "event_type": ("thing-deleted",)}) == ["thing-deleted"]


def test_function_of_the_type() -> None:
    assert matching({"id": "r", "event_type": lambda t: t.endswith("-deleted")}) == ["thing-deleted"]


def test_matcher_is_built_once_per_rule() -> None:
    calls: list[str] = []

    class Spec(list[str]):
        def __iter__(self) -> Any:
            calls.append("iter")
            return super().__iter__()

    pred = on_event_type({"id": "r", "event_type": Spec(["thing-created"])})
    n = len(calls)
    assert [pred(uow(t)) for t in TYPES] == [True, False, False, False]
    assert len(calls) == n  # matching does not walk the rule again


def test_uow_without_a_type_matches_nothing() -> None:
    pred = on_event_type({"id": "r", "event_type": lambda t: True})
    assert pred({}) is False
    assert pred({"event": {}}) is False
    assert pred({"event": {"type": None}}) is False
    assert pred({"record": {}, "event": None}) is False


def test_a_uow_from_a_message_source_is_a_wiring_mistake() -> None:
    """from_sqs / from_sns / from_s3 uows carry no event: by type they would all be dropped."""
    for spec in ("a", ["a"], lambda t: True):
        with pytest.raises(ConfigurationError, match="use from_sqs_event"):
            on_event_type({"id": "r", "event_type": spec})({"record": {}, "message": {"type": "a"}})


@pytest.mark.parametrize("spec", [None, 42, ["a", 1], {"a": 1}])
def test_bad_configuration_fails_when_the_rule_is_built(spec: Any) -> None:
    with pytest.raises(ConfigurationError, match="Rule: r1"):
        on_event_type({"id": "r1", "event_type": spec})


def test_alias_and_prefilter() -> None:
    assert filter_on_event_type is on_event_type
    pred = prefilter_on_event_types(
        [{"id": "a", "event_type": "thing-created"}, {"id": "b", "event_type": ["other-created"]}]
    )
    assert [t for t in TYPES if pred(uow(t))] == ["thing-created", "other-created"]
    assert prefilter_on_event_types([])(uow("x")) is False


def test_as_a_stream_filter() -> None:
    async def run() -> list[Any]:
        s = Stream([uow(t) for t in TYPES]).filter(
            on_event_type({"id": "r", "event_type": re.compile("^thing")})
        )
        return await s.to_list()

    assert [u["event"]["type"] for u in asyncio.run(run())] == TYPES[:3]
