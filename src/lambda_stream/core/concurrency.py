"""Concurrent steps: ordered bounded map, fair merge, and broadcast fork/observe.

Concurrency is scoped to the node: every task a node starts is cancelled and awaited by its
``aclose()``, which terminals always call (on success, error or early stop).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from ._base import AwaitCheck, Failure, Node
from ._eager import Ready, start


async def _gather_cancelled(tasks: list[asyncio.Future[Any]]) -> None:
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


def _tasks_of(started: Iterable[asyncio.Future[Any] | Ready[Any]]) -> list[asyncio.Future[Any]]:
    """The eager starts that went on as tasks."""
    return [t for t in started if not isinstance(t, Ready)]


class _Done:
    """A window slot whose result is already known (a sync result, or a failure)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class ParallelMapNode:
    """``map(fn, parallel=limit)``: at most ``limit`` calls in flight, results in input order.

    The next input is pulled only when a slot is free. Pulling upstream runs as a task of its own
    while calls are in flight, so finished results are passed on without waiting for a slow source.
    """

    def __init__(self, up: Node, fn: Callable[[Any], Any], limit: int) -> None:
        if limit < 1:
            raise ValueError(f"parallel must be >= 1, got {limit}")
        self.up = up
        self.fn = fn
        self.limit = limit
        self.check = AwaitCheck()
        self.window: deque[Any] = deque()  # _Done or asyncio.Future, in input order
        self.backlog: deque[Any] = deque()  # inputs pulled but not started (an upstream gave extra)
        self.pending: asyncio.Future[list[Any] | None] | None = None
        self.up_done = False
        self.wake: asyncio.Future[None] | None = None

    def _start(self, x: Any) -> None:
        if x.__class__ is Failure:
            self.window.append(_Done(x))
            return
        try:
            r = self.fn(x)
            if self.check.needs_await(r):
                self.window.append(asyncio.ensure_future(r))
            else:
                self.window.append(_Done(r))
        except Exception as e:
            self.window.append(_Done(Failure(e)))

    def _take_upstream(self, items: list[Any] | None) -> None:
        if items is None:
            self.up_done = True
        else:
            self.backlog.extend(items)

    def _wakeup(self, _: object) -> None:
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)

    async def pull(self, n: int) -> list[Any] | None:
        window, backlog, limit = self.window, self.backlog, self.limit
        while True:
            while backlog and len(window) < limit:
                self._start(backlog.popleft())
            free = limit - len(window)
            if free and not self.up_done and self.pending is None:
                if not window:  # nothing in flight: just wait for the source
                    self._take_upstream(await self.up.pull(free))
                    continue
                started = start(self.up.pull(free), asyncio.get_running_loop())
                if isinstance(started, Ready):  # the source answered at once
                    self._take_upstream(started.result())
                    continue
                self.pending = started
            if self.pending is not None and self.pending.done():
                pending, self.pending = self.pending, None
                self._take_upstream(pending.result())
                continue
            if not window:
                if self.pending is None:
                    return None
                pending, self.pending = self.pending, None  # calls all done, source still slow
                self._take_upstream(await pending)
                continue
            head = window[0]
            if head.__class__ is _Done or head.done():
                out: list[Any] = []
                while window and len(out) < n:
                    head = window[0]
                    if head.__class__ is _Done:
                        out.append(head.value)
                    elif head.done():
                        out.append(Failure(head.exception()) if head.exception() else head.result())
                    else:
                        break
                    window.popleft()
                return out
            # wait for the head call or the upstream pull, whichever comes first
            self.wake = wake = asyncio.get_running_loop().create_future()
            head.add_done_callback(self._wakeup)
            if self.pending is not None:
                self.pending.add_done_callback(self._wakeup)
            try:
                await wake
            finally:
                head.remove_done_callback(self._wakeup)
                if self.pending is not None:
                    self.pending.remove_done_callback(self._wakeup)
                self.wake = None

    async def aclose(self) -> None:
        tasks = [t for t in self.window if t.__class__ is not _Done]
        if self.pending is not None:
            tasks.append(self.pending)
        self.window.clear()
        self.backlog.clear()
        self.pending = None
        self.up_done = True
        await _gather_cancelled(tasks)
        await self.up.aclose()


class MergeNode:
    """Interleaves branches fairly: one pull in flight per live branch, results in branch order.

    Each branch pull starts eagerly (``_eager.start``): one that can answer at once (its steps
    are sync) costs no task and no loop iteration; one that waits goes on as a task.
    """

    def __init__(self, nodes: list[Node]) -> None:
        self.live: list[Node] = list(nodes)
        self.pending: dict[int, asyncio.Future[list[Any] | None] | Ready[list[Any] | None]] = {}

    async def pull(self, n: int) -> list[Any] | None:
        loop = asyncio.get_running_loop()
        pending = self.pending
        while self.live:
            for node in self.live:
                if id(node) not in pending:
                    pending[id(node)] = start(node.pull(n), loop)
            if not any(t.done() for t in pending.values()):
                await asyncio.wait(_tasks_of(pending.values()), return_when=asyncio.FIRST_COMPLETED)
            out: list[Any] = []
            for node in list(self.live):
                task = pending.get(id(node))
                if task is not None and task.done():
                    del pending[id(node)]
                    items = task.result()
                    if items is None:
                        self.live.remove(node)
                    else:
                        out.extend(items)
            if out:
                return out
        return None

    async def aclose(self) -> None:
        tasks = _tasks_of(self.pending.values())
        self.pending.clear()
        live, self.live = self.live, []
        await _gather_cancelled(tasks)
        for node in live:
            await node.aclose()


class Hub:
    """Shares one upstream among branches; each branch sees every element, errors included
    (a plain broadcast: ``assemble`` turns a record's decode error into one fault before its fork).

    A bounded branch (``fork``) holds the source back until it has caught up to within ``limit``
    elements, so the buffer never holds more than ``limit`` plus one pull, whatever the branches'
    filters pass; an unbounded one (``observe``) never holds the others back, its buffer grows instead.
    """

    def __init__(self, up: Node, limit: int) -> None:
        self.up = up
        self.limit = limit
        self.buf: deque[Any] = deque()
        self.base = 0  # stream index of buf[0]
        self.branches: list[BranchNode] = []
        self.done = False
        self.pulling = False
        self.waiters: list[asyncio.Future[None]] = []

    def branch(self, bounded: bool) -> BranchNode:
        b = BranchNode(self, bounded, self.base)
        self.branches.append(b)
        return b

    def _notify(self) -> None:
        waiters, self.waiters = self.waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    async def _wait(self) -> None:
        w = asyncio.get_running_loop().create_future()
        self.waiters.append(w)
        await w

    def _trim(self) -> None:
        if not self.branches:
            return
        low = min(b.pos for b in self.branches)
        while self.base < low and self.buf:
            self.buf.popleft()
            self.base += 1

    async def read(self, branch: BranchNode, n: int) -> list[Any] | None:
        while True:
            end = self.base + len(self.buf)
            if branch.pos < end:
                start = branch.pos - self.base
                stop = min(start + n, len(self.buf))
                items = [self.buf[i] for i in range(start, stop)]
                branch.pos += len(items)
                self._trim()
                self._notify()
                return items
            if self.done:
                return None
            if self.pulling:
                await self._wait()
                continue
            room = n
            bounded = [b.pos for b in self.branches if b.bounded]
            if bounded:
                room = self.limit - (end - min(bounded))
                if room <= 0:
                    await self._wait()
                    continue
            self.pulling = True
            try:
                pulled = await self.up.pull(max(1, min(n, room)))
            finally:
                self.pulling = False
                self._notify()
            if pulled is None:
                self.done = True
            else:
                self.buf.extend(pulled)

    async def detach(self, branch: BranchNode) -> None:
        if branch in self.branches:
            self.branches.remove(branch)
            self._trim()
            self._notify()
            if not self.branches:
                self.done = True
                self.buf.clear()
                await self.up.aclose()


class BranchNode:
    __slots__ = ("bounded", "hub", "pos")

    def __init__(self, hub: Hub, bounded: bool, pos: int) -> None:
        self.hub = hub
        self.bounded = bounded
        self.pos = pos

    async def pull(self, n: int) -> list[Any] | None:
        return await self.hub.read(self, n)

    async def aclose(self) -> None:
        await self.hub.detach(self)
