"""The sync bridge: one event loop per container, reused across invocations."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_stream import Stream, sync_handler


def test_sync_handler_reuses_one_loop_across_invocations() -> None:
    loops: list[Any] = []

    @sync_handler
    async def handler(event: dict[str, Any], context: Any) -> list[int]:
        loops.append(asyncio.get_running_loop())
        return list(await Stream(event["xs"]).map(lambda x: x + 1).to_list())

    assert handler({"xs": [1, 2]}, None) == [2, 3]
    assert handler({"xs": [3]}, None) == [4]
    assert len(loops) == 2 and loops[0] is loops[1]
    assert not loops[0].is_closed()
    handler.bridge.close()  # type: ignore[attr-defined]
    assert loops[0].is_closed()


def test_sync_handler_raises_the_original_error() -> None:
    @sync_handler
    async def handler(event: Any, context: Any) -> None:
        await Stream([1]).map(lambda x: {}["nope"]).drain()

    with pytest.raises(KeyError):
        handler({}, None)
    handler.bridge.close()  # type: ignore[attr-defined]
