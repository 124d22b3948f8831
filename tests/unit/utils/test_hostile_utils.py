"""The JSON codec and compression on hostile values: strict out, no unbounded recursion, no crash."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from lambda_stream.utils import compress, decompress, dumps
from lambda_stream.utils.compression import COMPRESSION_PREFIX, sizeof, zip_text
from lambda_stream.utils.json import MAX_NESTING, TooDeepError, json_problem, loads, utf8_size


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"a": [value]}
    return value


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), -float("inf"), Decimal("NaN"), Decimal("-Infinity")]
)
def test_dumps_never_writes_nan_or_infinity(value: Any) -> None:
    with pytest.raises(ValueError):
        dumps({"n": value})


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a":-Infinity}'])
def test_loads_rejects_nan_and_infinity(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


def test_dumps_escapes_lone_surrogates_so_the_text_is_utf8() -> None:
    text = dumps({"a": "é\ud800", "\udc00": "ok"})
    assert text.isascii() and json.loads(text) == {"a": "é\ud800", "\udc00": "ok"}
    assert dumps({"a": "é"}) == '{"a":"é"}'  # non-ASCII stays as is otherwise
    assert utf8_size("é\ud800") == 5


def test_dumps_refuses_a_value_too_deep_to_write_with_a_value_error() -> None:
    with pytest.raises(TooDeepError):
        dumps(deep(100_000))
    with pytest.raises(TooDeepError):
        loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="overflows"):
        loads(b'{"a":[1E+999]}')


def test_sizeof_is_iterative() -> None:
    assert sizeof(deep(50_000)) == 50_000 * 2 + 2
    assert sizeof({"ab": 1, "c": True}) == 4 + 8 + 2 + 4


def test_compress_and_decompress_refuse_deep_values_with_a_value_error() -> None:
    with pytest.raises(ValueError, match="deeper"):
        compress({"big": "y" * 20_000, "deep": deep(MAX_NESTING + 5)}, threshold=100_000_000 // 10_000)
    with pytest.raises(ValueError, match="deeper"):
        decompress(deep(5_000))
    nested = {"c": COMPRESSION_PREFIX + zip_text(json.dumps(deep(MAX_NESTING)))}
    with pytest.raises(ValueError, match="deeper"):
        decompress(nested)


def test_json_problem_names_what_is_wrong() -> None:
    assert json_problem({"a": [1, "b", {"c": None}]}) is None
    assert "deeper" in str(json_problem(deep(MAX_NESTING)))
    assert "surrogate" in str(json_problem({"a": ["\ud800"]}))
    assert "surrogate" in str(json_problem({"\ud800": 1}))
    assert "not JSON" in str(json_problem([1.5, float("nan")]))
    assert json_problem(deep(MAX_NESTING // 2 - 1)) is None


def test_cycles_end() -> None:
    a: dict[str, Any] = {"x": "y" * 100}
    a["self"] = a
    a["again"] = a
    assert sizeof(a) == 2 * len("x") + 200 + 2 * len("self") + 2 * len("again")
    with pytest.raises(ValueError):
        compress(a, threshold=150)
    shared = {"v": "z" * 100}
    assert sizeof({"a": shared, "b": shared}) == 2 + 2 + 2 + 200  # counted once, as object-sizeof
    assert json_problem(a) is None
