"""Steps that gather elements: batch, batch_with_time_or_count, group, reduce.

Errors are not gathered: they pass through at once, in the position they arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ._base import CHUNK, AwaitCheck, Failure, Node
from ._eager import Ready, start


class BatchNode:
    """Lists of ``size`` elements; the last one may be shorter."""

    def __init__(self, up: Node, size: int) -> None:
        if size < 1:
            raise ValueError(f"batch size must be >= 1, got {size}")
        self.up = up
        self.size = size
        self.buf: list[Any] = []
        self.done = False

    async def pull(self, n: int) -> list[Any] | None:
        size = self.size
        out: list[Any] = []
        while not out:
            if self.done:
                if not self.buf:
                    return None
                out.append(self.buf)
                self.buf = []
                break
            items = await self.up.pull(max(size - len(self.buf), min(n * size, CHUNK)))
            if items is None:
                self.done = True
                continue
            buf = self.buf
            for x in items:
                if x.__class__ is Failure:
                    out.append(x)
                    continue
                buf.append(x)
                if len(buf) == size:
                    out.append(buf)
                    buf = []
            self.buf = buf
        return out

    async def aclose(self) -> None:
        self.done = True
        self.buf = []
        await self.up.aclose()


class TimeOrCountNode:
    """A batch is passed on when it holds ``count`` elements or ``ms`` after its first element came.

    One upstream pull stays pending across timeouts (never cancelled), so a timeout loses nothing.
    """

    def __init__(self, up: Node, ms: float, count: int) -> None:
        if count < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        self.up = up
        self.seconds = ms / 1000
        self.count = count
        self.buf: list[Any] = []
        self.deadline = 0.0
        self.pending: asyncio.Future[list[Any] | None] | Ready[list[Any] | None] | None = None
        self.done = False

    async def pull(self, n: int) -> list[Any] | None:
        loop = asyncio.get_running_loop()
        out: list[Any] = []
        while not out:
            if self.done:
                if not self.buf:
                    return None
                out.append(self.buf)
                self.buf = []
                break
            want = self.count - len(self.buf)
            if not self.buf:  # no batch open: no clock to watch
                if self.pending is None:
                    items = await self.up.pull(want)
                else:
                    pending, self.pending = self.pending, None
                    items = pending.result() if isinstance(pending, Ready) else await pending
            else:
                if self.pending is None:
                    self.pending = start(self.up.pull(want), loop)
                timeout = self.deadline - loop.time()
                if timeout > 0 and not isinstance(self.pending, Ready) and not self.pending.done():
                    await asyncio.wait((self.pending,), timeout=timeout)
                if not self.pending.done():  # time is up: pass the open batch on
                    out.append(self.buf)
                    self.buf = []
                    break
                pending, self.pending = self.pending, None
                items = pending.result()
            if items is None:
                self.done = True
                continue
            for x in items:
                if x.__class__ is Failure:
                    out.append(x)
                    continue
                if not self.buf:
                    self.deadline = loop.time() + self.seconds
                self.buf.append(x)
                if len(self.buf) == self.count:
                    out.append(self.buf)
                    self.buf = []
        return out

    async def aclose(self) -> None:
        self.done = True
        self.buf = []
        pending, self.pending = self.pending, None
        if pending is not None and not isinstance(pending, Ready):
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        await self.up.aclose()


class ReduceNode:
    """One value: ``fn(acc, x)`` folded over the elements from ``init``."""

    def __init__(self, up: Node, fn: Callable[[Any, Any], Any], init: Any) -> None:
        self.up = up
        self.fn = fn
        self.init = init
        self.check = AwaitCheck()
        self.done = False

    async def pull(self, n: int) -> list[Any] | None:
        if self.done:
            return None
        acc = self.init
        out: list[Any] = []
        while (items := await self.up.pull(CHUNK)) is not None:
            for x in items:
                if x.__class__ is not Failure:
                    try:
                        r = self.fn(acc, x)
                        if self.check.needs_await(r):
                            r = await r
                        acc = r
                        continue
                    except Exception as e:
                        x = Failure(e)
                out.append(x)
        self.done = True
        out.append(acc)
        return out

    async def aclose(self) -> None:
        self.done = True
        await self.up.aclose()


class GroupNode(ReduceNode):
    """One dict ``{key: [elements...]}`` (Highland's group); ``key`` is a function or a field name."""

    def __init__(self, up: Node, key: Callable[[Any], Any] | str) -> None:
        key_of: Callable[[Any], Any] = (lambda x: x[key]) if isinstance(key, str) else key
        check = AwaitCheck()

        async def add(groups: dict[Any, list[Any]], x: Any) -> dict[Any, list[Any]]:
            k = key_of(x)
            if check.needs_await(k):
                k = await k
            groups.setdefault(k, []).append(x)
            return groups

        super().__init__(up, add, {})


class RateLimitNode:
    """At most ``num`` elements per ``ms`` milliseconds (Highland's ratelimit).

    A window opens when its first element is passed on (not when it was asked for, which could be
    long before a slow source delivers), so no ``ms`` span ever sees more than ``num`` elements.
    """

    def __init__(self, up: Node, num: int, ms: float) -> None:
        if num < 1 or ms <= 0:
            raise ValueError(f"rate_limit needs num >= 1 and ms > 0, got {num}, {ms}")
        self.up = up
        self.num = num
        self.seconds = ms / 1000
        self.window_start = 0.0
        self.sent = 0
        self.backlog: list[Any] = []

    async def pull(self, n: int) -> list[Any] | None:
        loop = asyncio.get_running_loop()
        if self.sent >= self.num:
            wait = self.window_start + self.seconds - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.sent = 0
        if not self.backlog:
            items = await self.up.pull(min(n, self.num - self.sent))
            if items is None:
                return None
            self.backlog = items
        now = loop.time()
        if self.sent and now - self.window_start >= self.seconds:
            self.sent = 0  # the window ran out while the source was slow
        if self.sent == 0:
            self.window_start = now
        allowance = self.num - self.sent
        items, self.backlog = self.backlog[:allowance], self.backlog[allowance:]
        self.sent += len(items)
        return items

    async def aclose(self) -> None:
        await self.up.aclose()
