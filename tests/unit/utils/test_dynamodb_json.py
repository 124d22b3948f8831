from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_stream.utils.dynamodb_json import marshall, marshall_image, unmarshall, unmarshall_image


def test_marshall_scalars() -> None:
    assert marshall(None) == {"NULL": True}
    assert marshall(True) == {"BOOL": True}
    assert marshall(False) == {"BOOL": False}
    assert marshall("x") == {"S": "x"}
    assert marshall(42) == {"N": "42"}
    assert marshall(-7) == {"N": "-7"}
    assert marshall(Decimal("12.50")) == {"N": "12.50"}
    assert marshall(b"hello") == {"B": base64.b64encode(b"hello").decode()}


def test_marshall_float_goes_through_str_to_avoid_binary_noise() -> None:
    assert marshall(0.1) == {"N": "0.1"}
    assert marshall(1.1 + 2.2) == {"N": "3.3000000000000003"}
    assert unmarshall(marshall(0.1)) == Decimal("0.1")
    assert unmarshall(marshall(2.0)) == 2
    assert type(unmarshall(marshall(2.0))) is int


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_marshall_rejects_non_finite_numbers(bad: object) -> None:
    with pytest.raises(ValueError):
        marshall(bad)


def test_marshall_sets_are_typed_and_sorted() -> None:
    assert marshall({"b", "a"}) == {"SS": ["a", "b"]}
    assert marshall({3, Decimal("1.5"), 2}) == {"NS": ["1.5", "2", "3"]}
    assert marshall(frozenset({b"\x01", b"\x00"})) == {"BS": ["AA==", "AQ=="]}
    with pytest.raises(ValueError):
        marshall(set())
    with pytest.raises(TypeError):
        marshall({"a", 1})
    with pytest.raises(TypeError):
        marshall({True})


def test_marshall_nested_and_unknown() -> None:
    assert marshall({"a": [1, "x", None], "b": {"c": False}}) == {
        "M": {
            "a": {"L": [{"N": "1"}, {"S": "x"}, {"NULL": True}]},
            "b": {"M": {"c": {"BOOL": False}}},
        }
    }
    assert marshall((1, 2)) == {"L": [{"N": "1"}, {"N": "2"}]}
    with pytest.raises(TypeError):
        marshall(object())
    with pytest.raises(TypeError):
        marshall_image({1: "x"})  # type: ignore[dict-item]


def test_unmarshall_numbers_are_int_when_integral_else_decimal_never_float() -> None:
    assert unmarshall({"N": "3"}) == 3 and type(unmarshall({"N": "3"})) is int
    assert type(unmarshall({"N": "3.0"})) is int
    assert unmarshall({"N": "1E+2"}) == 100
    assert unmarshall({"N": "12.50"}) == Decimal("12.50")
    assert type(unmarshall({"N": "12.50"})) is Decimal
    assert unmarshall({"NS": ["1", "0.5"]}) == {1, Decimal("0.5")}


def test_unmarshall_binary_accepts_base64_text_and_raw_bytes() -> None:
    assert unmarshall({"B": "aGVsbG8="}) == b"hello"
    assert unmarshall({"B": b"hello"}) == b"hello"
    assert unmarshall({"BS": ["AA==", b"\x01"]}) == {b"\x00", b"\x01"}


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"S": "a", "N": "1"},
        {"N": "abc"},
        {"N": "NaN"},
        {"N": 1},
        {"S": 1},
        {"BOOL": "true"},
        {"NULL": False},
        {"B": "not base64!"},
        {"L": {}},
        {"M": []},
        {"X": "1"},
        "S",
    ],
)
def test_unmarshall_rejects_malformed_attribute_values(bad: object) -> None:
    with pytest.raises(ValueError):
        unmarshall(bad)  # type: ignore[arg-type]


def test_unmarshall_image() -> None:
    image = {
        "pk": {"S": "1"},
        "price": {"N": "12.50"},
        "tags": {"SS": ["blue", "red"]},
        "dims": {"M": {"h": {"N": "10"}}},
        "parts": {"L": [{"S": "a"}, {"BOOL": True}, {"NULL": True}]},
    }
    assert unmarshall_image(image) == {
        "pk": "1",
        "price": Decimal("12.50"),
        "tags": {"blue", "red"},
        "dims": {"h": 10},
        "parts": ["a", True, None],
    }
    assert marshall_image(unmarshall_image(image)) == {**image, "price": {"N": "12.50"}}
    with pytest.raises(ValueError):
        unmarshall_image([])  # type: ignore[arg-type]


# DynamoDB numbers: up to 38 significant digits, exponent within +-125 (keep it well inside).
numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: len(d.as_tuple().digits) <= 38 and -100 < d.adjusted() < 100
    ),
)
scalars = st.one_of(st.none(), st.booleans(), st.text(), numbers, st.binary())
sets = st.one_of(
    st.frozensets(st.text(), min_size=1),
    st.frozensets(st.integers(min_value=-(10**20), max_value=10**20), min_size=1),
    st.frozensets(st.binary(), min_size=1),
)
values = st.recursive(
    st.one_of(scalars, sets),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_marshall_unmarshall_round_trip(value: object) -> None:
    wire = marshall(value)
    back = unmarshall(wire)
    assert back == value
    assert unmarshall(marshall(back)) == back  # stable after one trip (Decimal("1.0") comes back as 1)


@given(st.dictionaries(st.text(), values, max_size=6))
def test_image_round_trip(item: dict[str, object]) -> None:
    assert unmarshall_image(marshall_image(item)) == item


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_marshalls_to_its_shortest_repr(f: float) -> None:
    assert unmarshall(marshall(f)) == Decimal(str(f))
