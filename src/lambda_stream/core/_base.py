"""The pull protocol every stream node speaks, and errors carried as values.

A node answers ``await pull(n)`` with a non-empty list of at most about ``n`` items (``n`` is a
demand hint: a step that expands elements may return more), or ``None`` once it has ended. Items
are values or ``Failure``s: an exception raised while processing one element travels downstream in
its place, so the other elements keep flowing. ``aclose()`` stops the node early: it cancels and
awaits whatever the node has in flight, then closes its upstream. Pulling in chunks is what keeps
the per-element cost of a chain of sync steps close to a plain loop.
"""

from __future__ import annotations

import inspect
import types
from typing import Any, Protocol

# How many elements a terminal asks for at once. Large enough that the per-chunk cost (one await
# per step) vanishes, small enough that a sync source is never read far ahead of a slow step.
CHUNK = 256


class Failure:
    """An exception travelling through a stream in place of the element that raised it."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"Failure({self.error!r})"


def has_failures(items: list[Any]) -> bool:
    """Whether a chunk holds an error: one C-level pass over the element types."""
    return Failure in set(map(type, items))


class Node(Protocol):
    async def pull(self, n: int) -> list[Any] | None: ...

    async def aclose(self) -> None: ...


# Built-in result types that are never awaitable (they cannot grow an ``__await__``).
_NEVER_AWAITABLE = frozenset({bool, dict, list, tuple, str, int, float, bytes, type(None), set, frozenset})


class AwaitCheck:
    """Tells whether a callable's result must be awaited, with one set lookup on the hot path.

    Result types seen to be plain values are remembered per step (not per module: no shared
    mutable state), so a sync function costs one ``in`` test per call and an async one is awaited.
    """

    __slots__ = ("plain",)

    def __init__(self) -> None:
        self.plain: set[type] = set()

    def needs_await(self, result: object) -> bool:
        cls = result.__class__
        if cls in self.plain:
            return False
        if cls in _NEVER_AWAITABLE:
            self.plain.add(cls)
            return False
        if inspect.isawaitable(result):
            return True
        if cls is not types.GeneratorType:  # a @types.coroutine generator is awaitable per object
            self.plain.add(cls)
        return False


async def resolve(result: Any) -> Any:
    """Await ``result`` when it is awaitable (used off the hot path)."""
    if inspect.isawaitable(result):
        return await result
    return result


async def drain_node(node: Node, n: int = CHUNK) -> list[Any]:
    """Pull a node to its end, keeping failures as values."""
    out: list[Any] = []
    try:
        while (items := await node.pull(n)) is not None:
            out.extend(items)
    finally:
        await node.aclose()
    return out
