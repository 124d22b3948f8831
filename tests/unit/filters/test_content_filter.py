from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from lambda_stream import Stream
from lambda_stream.errors import ConfigurationError
from lambda_stream.filters import filter_on_content


def uow(n: int) -> dict[str, Any]:
    return {"event": {"type": "t", "n": n}}


def test_without_filters_everything_passes() -> None:
    assert filter_on_content({"id": "r"})(uow(1)) is True
    assert filter_on_content({"id": "r", "filters": []})(uow(1)) is True


def test_all_filters_must_pass_and_get_uow_and_rule() -> None:
    seen: list[Any] = []

    def positive(u: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
        seen.append(rule["id"])
        return bool(u["event"]["n"] > 0)

    def even(u: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
        return bool(u["event"]["n"] % 2 == 0)

    pred = filter_on_content({"id": "r", "filters": [positive, even]})
    assert [n for n in (-2, 1, 2, 4) if pred(uow(n))] == [2, 4]
    assert seen == ["r"] * 4


def test_stops_at_the_first_failing_filter() -> None:
    calls: list[str] = []

    def no(u: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
        calls.append("no")
        return False

    def later(u: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
        calls.append("later")
        return True

    assert filter_on_content({"filters": [no, later]})(uow(1)) is False
    assert calls == ["no"]


def test_error_filter_is_called_on_rejection() -> None:
    rejected: list[Any] = []
    rule = {"filters": [lambda u, r: u["event"]["n"] > 1], "error_filter": rejected.append}
    pred = filter_on_content(rule)
    assert pred(uow(1)) is False
    assert pred(uow(2)) is True
    assert rejected == [uow(1)]


def test_async_filters_work_in_a_stream() -> None:
    async def slow_positive(u: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
        await asyncio.sleep(0)
        return bool(u["event"]["n"] > 0)

    def small(u: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
        return bool(u["event"]["n"] < 3)

    rejected: list[Any] = []
    rule = {"filters": [small, slow_positive, small], "error_filter": rejected.append}

    async def run() -> list[Any]:
        return await Stream([uow(n) for n in (-1, 1, 2, 5)]).filter(filter_on_content(rule)).to_list()

    assert [u["event"]["n"] for u in asyncio.run(run())] == [1, 2]
    assert [u["event"]["n"] for u in rejected] == [-1, 5]


def test_a_filter_that_is_not_callable_fails_when_the_rule_is_built() -> None:
    with pytest.raises(ConfigurationError, match="Rule: r9"):
        filter_on_content({"id": "r9", "filters": ["nope"]})
