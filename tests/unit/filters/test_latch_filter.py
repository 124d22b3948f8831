from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_stream.filters import out_latched
from lambda_stream.sources import from_dynamodb
from lambda_stream.testing import to_dynamodb_records


def raw(new: Any, old: Any) -> dict[str, Any]:
    return {"event": {"type": "thing-updated", "raw": {"new": new, "old": old}}}


@pytest.mark.parametrize(
    ("uow", "kept"),
    [
        (raw({"latched": True}, None), False),
        (raw({"latched": None}, {"latched": True}), True),  # a command clears the latch
        (raw({}, None), True),
        (raw({"latched": False}, None), True),
        (raw(None, {"latched": True}), False),  # delete latch
        (raw(None, {"latched": None}), True),
        (raw(None, {}), True),
        (raw(None, None), False),  # as JS: neither image
        ({"event": {"type": "x"}}, False),
    ],
)
def test_out_latched(uow: dict[str, Any], kept: bool) -> None:
    assert out_latched(uow) is kept


def test_with_from_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records(
        [
            {"timestamp": 1, "keys": keys, "newImage": {**keys, "latched": True}},
            {
                "timestamp": 1,
                "keys": keys,
                "newImage": {**keys, "latched": None},
                "oldImage": {**keys, "latched": True},
            },
            {"timestamp": 1, "keys": keys, "oldImage": {**keys, "latched": True}},
        ]
    )

    async def run() -> list[Any]:
        return await from_dynamodb(event).filter(out_latched).to_list()

    assert [u["event"]["id"] for u in asyncio.run(run())] == ["1"]
