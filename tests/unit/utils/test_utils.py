from __future__ import annotations

import asyncio
import base64
import gzip
import json
from decimal import Decimal
from typing import Any

import pytest

from lambda_stream.core import Stream
from lambda_stream.utils import (
    adorn_standard_tags,
    compact,
    compress,
    decompress,
    dumps,
    now,
    to_batch_uow,
    to_group_uows,
    ttl,
    ttl_rule,
    un_batch_uow,
)
from lambda_stream.utils.compression import sizeof


def test_batch_uows() -> None:
    batch = [{"a": 1}, {"a": 2, "x": 0}]
    assert to_batch_uow(batch) == {"batch": batch}
    assert un_batch_uow({"batch": batch, "x": 9, "r": "s"}) == [
        {"a": 1, "x": 9, "r": "s"},
        {"a": 2, "x": 9, "r": "s"},
    ]
    assert to_group_uows({"k1": [{"a": 1}], "k2": [{"a": 2}]}) == [
        {"batch": [{"a": 1}]},
        {"batch": [{"a": 2}]},
    ]


def ev(pk: str, ts: int) -> dict[str, Any]:
    return {"event": {"partitionKey": pk, "timestamp": ts}}


def test_compact_keeps_the_latest_per_key() -> None:
    items = [ev("a", 3), ev("b", 1), ev("a", 1), ev("a", 2)]
    out = asyncio.run(Stream(items).through(compact({"compact": True})).to_list())
    assert [u["event"] for u in out] == [
        {"partitionKey": "a", "timestamp": 3},
        {"partitionKey": "b", "timestamp": 1},
    ]
    assert [u["event"]["timestamp"] for u in out[0]["batch"]] == [1, 2, 3]


def test_compact_off_is_identity() -> None:
    s: Stream[Any] = Stream([1])
    assert compact({})(s) is s


def test_time() -> None:
    import time

    assert abs(now() - time.time() * 1000) < 1000
    assert ttl(1_600_000_000_123, 1) == 1_600_000_000 + 86_400
    uow = {"event": {"timestamp": 1_000_000}}
    assert ttl_rule({"ttl": 2}, uow) == 1000 + 2 * 86_400
    assert ttl_rule({"ttl": lambda rule, u: 7}, uow) == 7


def test_ttl_rule_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    uow = {"event": {"timestamp": 0}}
    monkeypatch.delenv("TTL", raising=False)
    assert ttl_rule({}, uow) == 33 * 86_400
    monkeypatch.setenv("TTL", "5")
    assert ttl_rule({}, uow) == 5 * 86_400
    assert ttl_rule({"default_ttl": 3}, uow) == 3 * 86_400


def test_dumps() -> None:
    assert (
        dumps({"a": Decimal("2"), "b": Decimal("1.5"), "s": {"y", "x"}, "t": "é"})
        == '{"a":2,"b":1.5,"s":["x","y"],"t":"é"}'
    )
    assert dumps({"b": b"\x00"}) == '{"b":"AA=="}'


def test_compress_round_trip_and_format() -> None:
    big = {"text": "x" * 6000}
    event = {"id": "1", "small": "s", "big": big, "list": [{"y": "y" * 6000}], "3d": "z" * 6000}
    out = compress(event, threshold=10_000)
    assert out["small"] == "s" and out["id"] == "1"
    assert out["big"].startswith("COMPRESSED")
    assert json.loads(gzip.decompress(base64.b64decode(out["big"][10:]))) == big
    assert out["list"].startswith("COMPRESSED")  # top-down: the largest field over the threshold goes
    walked = compress({"list": ["y" * 6000]}, threshold=10_000, ignore=("list",))
    assert walked["list"][0] == "y" * 6000  # a list element itself is never compressed ...
    deeper = compress({"list": [{"y": {"z": "y" * 6000}}]}, threshold=10_000, ignore=("list",))
    assert deeper["list"][0]["y"].startswith("COMPRESSED")  # ... but its fields are
    assert out["3d"] == "z" * 6000  # JS treats numeric-looking keys as array indexes
    assert decompress(out) == event
    ignored = compress(event, threshold=10_000, ignore=("big",))["big"]
    assert ignored["text"].startswith("COMPRESSED")  # the ignored field stays, its fields are walked


def test_top_level_and_small_values_are_not_compressed() -> None:
    assert compress({"a": "bb"}, threshold=1)["a"].startswith("COMPRESSED")
    assert compress("x" * 100_000, threshold=10) == "x" * 100_000
    small = {"a": 1}
    assert compress(small) is small


def test_decompress_is_the_js_reviver() -> None:
    """As JS ``JSON.parse(text, decompress)``: a compressed string inside a compressed string is
    restored (compound compression); a restored object is not searched further."""
    from lambda_stream.utils.compression import COMPRESSION_PREFIX, zip_text

    twice = COMPRESSION_PREFIX + zip_text(json.dumps(COMPRESSION_PREFIX + zip_text(json.dumps({"w": 1}))))
    assert decompress({"a": twice, "l": [twice]}) == {"a": {"w": 1}, "l": [{"w": 1}]}
    inner = compress({"v": {"w": "q" * 10_000}}, threshold=100)
    outer = compress({"o": inner}, threshold=100)
    assert decompress(outer) == {"o": inner}  # inner's own field stays compressed, as in JS
    plain = {"a": [1, {"b": "c"}]}
    assert decompress(plain) is plain  # nothing to restore: the value itself, not a copy


def test_decompress_never_changes_its_argument() -> None:
    value = {"a": compress({"x": {"y": "z" * 1000}}, threshold=100)["x"], "b": [1]}
    before = json.dumps(value)
    assert decompress(value)["a"] == {"y": "z" * 1000}
    assert json.dumps(value) == before


def test_sizeof_like_object_sizeof() -> None:
    assert sizeof("ab") == 4
    assert sizeof({"ab": 1, "c": True}) == 4 + 8 + 2 + 4
    assert sizeof([1, None]) == 8


def test_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {
        "ACCOUNT_NAME": "acct",
        "AWS_REGION": "us-east-1",
        "STAGE": "prd",
        "SERVERLESS_PROJECT": "svc",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("SERVICE", raising=False)
    monkeypatch.delenv("PROJECT", raising=False)
    monkeypatch.delenv("NODE_ENV", raising=False)
    event = {"id": "1", "tags": {"stage": "mine"}}
    out = adorn_standard_tags(event, "p1")
    assert out["tags"] == {
        "account": "acct",
        "region": "us-east-1",
        "stage": "mine",
        "source": "svc",
        "functionname": "fn",
        "pipeline": "p1",
    }
    assert event == {"id": "1", "tags": {"stage": "mine"}}
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # read at call time
    assert adorn_standard_tags({})["tags"]["region"] == "eu-west-1"
    assert adorn_standard_tags({})["tags"]["pipeline"] == "undefined"
    monkeypatch.setenv("NODE_ENV", "test")
    assert adorn_standard_tags({})["tags"]["skip"] is True
