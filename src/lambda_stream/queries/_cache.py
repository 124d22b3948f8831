"""A per-step-application cache of query results (never module-level: it lives one invocation)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from ..utils.json import dumps


class RequestCache:
    """Coalesces identical requests: the first call runs, concurrent and later ones share its result.

    A failed call is not cached (the next identical request tries again).
    """

    __slots__ = ("_results",)

    def __init__(self) -> None:
        self._results: dict[str, asyncio.Future[Any]] = {}

    async def get(self, request: Any, fetch: Callable[[], Awaitable[Any]]) -> Any:
        key = dumps(request)
        fut = self._results.get(key)
        if fut is None:
            fut = asyncio.ensure_future(fetch())
            self._results[key] = fut
            try:
                return await asyncio.shield(fut)
            except BaseException:
                if fut.done() and (fut.cancelled() or fut.exception() is not None):
                    self._results.pop(key, None)
                raise
        return await asyncio.shield(fut)
