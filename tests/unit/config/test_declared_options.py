"""Declared options: near misses fail when the step is built; options of others ride along."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_stream.config import check_options, declared_options, declares_options, positive_int, suggest
from lambda_stream.errors import ConfigurationError


@declares_options
def a_sink(*, table_name: str | None = None, parallel: int = 4, **shared: Any) -> dict[str, Any]:
    return {"table_name": table_name, "parallel": parallel}


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("paralel", "parallel"),
        ("Parallel", "parallel"),
        ("PARALLEL", "parallel"),
        ("tableName", "table_name"),
        ("TableName", "table_name"),
        ("tabel_name", "table_name"),
        ("batchSize", "batch_size"),  # the JS name of another step's option
        ("busName", "bus_name"),
        ("eventField", "event_field"),
    ],
)
def test_a_near_miss_fails_naming_the_fix(key: str, hint: str) -> None:
    with pytest.raises(
        ConfigurationError, match=rf"a_sink: unknown option '{key}' \(did you mean '{hint}'\?\)"
    ):
        a_sink(**{key: 1})


def test_declared_and_shared_options_pass() -> None:
    opt = {
        "id": "p1",
        "logger": None,
        "bus_name": "b",
        "batch_size": 5,
        "my_own_thing": 1,
        "connectors": None,
    }
    assert a_sink(table_name="t", parallel=2, **opt) == {"table_name": "t", "parallel": 2}


def test_declared_options_are_read_from_the_signature() -> None:
    assert declared_options(a_sink) == {"table_name", "parallel"}


def test_suggest_and_check_directly() -> None:
    assert suggest("conector", {"connector", "parallel"}) == "connector"
    assert suggest("zzz", {"connector"}) is None
    check_options("s", {"unrelated": 1}, {"parallel"})
    with pytest.raises(ConfigurationError, match="option names are strings"):
        check_options("s", {1: 1}, {"parallel"})  # type: ignore[dict-item]


def test_positive_int() -> None:
    assert positive_int("s", "parallel", 3) == 3
    for bad in ("4", 0, -1, True, 2.0, None):
        with pytest.raises(ConfigurationError, match=r"s: parallel must be a positive integer"):
            positive_int("s", "parallel", bad)
