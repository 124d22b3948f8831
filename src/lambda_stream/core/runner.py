"""The one synchronous bridge: run a coroutine from a sync Lambda handler on a per-container loop."""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from ._eager import Ready, start

P = ParamSpec("P")
R = TypeVar("R")


class LoopBridge:
    """Owns one ``asyncio.Runner`` for the life of the container (created on first use).

    Lambda reuses a warm container for many invocations; one loop for all of them keeps clients
    and their connection pools valid, where ``asyncio.run`` per call would tear them down.

    ``run`` starts the coroutine eagerly (see ``_eager``): a run whose steps are all sync finishes
    without a loop iteration (a bare ``Runner.run`` costs ~40-65 us, this ~2 us); the first time it
    waits for a pending future it goes on, the same coroutine, as a Task on the runner's loop.
    ``loop_runs`` counts the runs that needed the loop (for tests and benchmarks).
    """

    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None
        self.loop_runs = 0

    def run(self, awaitable: Awaitable[R]) -> R:
        if self._runner is None:
            self._runner = asyncio.Runner()
        loop = self._runner.get_loop()
        if asyncio._get_running_loop() is not None:
            raise RuntimeError("LoopBridge.run() cannot be called from a running event loop")
        coro: Coroutine[Any, Any, R] = (
            awaitable if isinstance(awaitable, Coroutine) else _as_coroutine(awaitable)
        )
        hooks = sys.get_asyncgen_hooks()
        # what run_forever sets: async generators made in the first step are finalized on the loop
        sys.set_asyncgen_hooks(
            getattr(loop, "_asyncgen_firstiter_hook", None), getattr(loop, "_asyncgen_finalizer_hook", None)
        )
        asyncio._set_running_loop(loop)
        try:
            outcome = start(coro, loop)
        finally:
            asyncio._set_running_loop(None)
            sys.set_asyncgen_hooks(*hooks)
        if not isinstance(outcome, Ready):
            self.loop_runs += 1
            result: R = loop.run_until_complete(outcome)
            return result
        if _has_work(loop):  # callbacks or tasks the run scheduled: give them their loop pass
            self.loop_runs += 1
            loop.run_until_complete(_nothing())
        value: R = outcome.result()
        return value

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None


def _has_work(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether anything waits on the loop (a loop that does not show it always counts as busy)."""
    ready = getattr(loop, "_ready", None)
    scheduled = getattr(loop, "_scheduled", None)
    if ready is None or scheduled is None:
        return True
    return bool(ready) or bool(scheduled)


async def _nothing() -> None:
    return None


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
