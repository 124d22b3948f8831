"""``Gate``: a step that ends its stream once a deadline has passed, keeping what it withheld.

The Lambda handler puts one right after the source: past the soft deadline no new record is
handed to the pipelines, and ``withheld`` is the first element that was not (a uow, or a
``Failure`` for a record that did not decode), so the handler can report every record from that
one on. The deadline is checked once per pull, i.e. per chunk, before anything is pulled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._base import Node

if TYPE_CHECKING:
    from .stream import Stream

__all__ = ["Gate"]

_NOTHING = object()


class Gate:
    """``stream.through(Gate(deadline))``: pass elements until ``clock() >= deadline``.

    After the stream ran, ``stopped`` says whether the gate closed early and ``withheld`` is the
    first element it did not pass (``None`` when the upstream had nothing left). A gate with no
    deadline passes everything. One gate serves one stream.
    """

    __slots__ = ("clock", "deadline", "stopped", "withheld")

    def __init__(self, deadline: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.deadline = deadline
        self.clock = clock
        self.stopped = False
        self.withheld: Any = None

    def __call__(self, stream: Stream[Any]) -> Stream[Any]:
        if self.deadline is None:
            return stream
        from .stream import Stream

        return Stream._of_node(_GateNode(stream._stream_node(), self))


class _GateNode:
    __slots__ = ("gate", "up")

    def __init__(self, up: Node, gate: Gate) -> None:
        self.up = up
        self.gate = gate

    async def pull(self, n: int) -> list[Any] | None:
        gate = self.gate
        if gate.stopped:
            return None
        if gate.deadline is not None and gate.clock() >= gate.deadline:
            gate.stopped = True
            nxt = await self.up.pull(1)  # the first element not handed out: what to report from
            gate.withheld = nxt[0] if nxt else None
            await self.up.aclose()
            return None
        return await self.up.pull(n)

    async def aclose(self) -> None:
        await self.up.aclose()
