"""Instruments for exact concurrency tests: no sleeps-and-hope."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any


class Gauge:
    """Counts calls in flight and their peak; each call yields to the loop ``hops(x)`` times."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.started: list[Any] = []
        self.finished: list[Any] = []
        self.cancelled = 0

    async def work(self, x: Any, hops: int = 3) -> Any:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.started.append(x)
        try:
            for _ in range(hops):
                await asyncio.sleep(0)
            self.finished.append(x)
            return x
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1


class CountingSource:
    """A one-shot sync source that counts how many items were pulled from it."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pulled = 0

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            self.pulled += 1
            yield i


class AsyncCountingSource:
    def __init__(self, n: int) -> None:
        self.n = n
        self.pulled = 0

    def __aiter__(self) -> AsyncIterator[int]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[int]:
        for i in range(self.n):
            await asyncio.sleep(0)
            self.pulled += 1
            yield i


def other_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
