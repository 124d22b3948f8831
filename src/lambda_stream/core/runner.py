"""The one synchronous bridge: run a coroutine from a sync Lambda handler on a per-container loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class LoopBridge:
    """Owns one ``asyncio.Runner`` for the life of the container (created on first use).

    Lambda reuses a warm container for many invocations; one loop for all of them keeps clients
    and their connection pools valid, where ``asyncio.run`` per call would tear them down.
    """

    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None

    def run(self, awaitable: Awaitable[R]) -> R:
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(_as_coroutine(awaitable))

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None


async def _as_coroutine(awaitable: Awaitable[R]) -> R:
    return await awaitable


def sync_handler(fn: Callable[P, Awaitable[R]]) -> Callable[P, R]:
    """Turn ``async def handler(event, context)`` into the sync function Lambda calls.

    The bridge (and so the event loop) lives on the returned function: one per handler, reused
    across the container's invocations, no module-level state.
    """
    bridge = LoopBridge()

    @functools.wraps(fn)
    def handler(*args: P.args, **kwargs: P.kwargs) -> R:
        return bridge.run(fn(*args, **kwargs))

    handler.bridge = bridge  # type: ignore[attr-defined]
    return handler
