"""Nodes that read a Stream's source: a sync iterable (in chunks) or an async iterable."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from ._base import Failure, Node


class SequenceNode:
    """A list or tuple: sliced in chunks, never copied whole."""

    __slots__ = ("pos", "seq")

    def __init__(self, seq: list[Any] | tuple[Any, ...]) -> None:
        self.seq = seq
        self.pos = 0

    async def pull(self, n: int) -> list[Any] | None:
        pos = self.pos
        if pos >= len(self.seq):
            return None
        part = self.seq[pos : pos + n]
        chunk = part if type(part) is list else list(part)
        self.pos = pos + len(chunk)
        return chunk

    async def aclose(self) -> None:
        self.pos = len(self.seq)


class IterableNode:
    """Any other sync iterable, read lazily: at most ``n`` items per pull."""

    __slots__ = ("it", "source")

    def __init__(self, source: Iterable[Any]) -> None:
        self.source: Iterable[Any] | None = source
        self.it: Iterator[Any] | None = None

    async def pull(self, n: int) -> list[Any] | None:
        if self.it is None:
            if self.source is None:
                return None
            self.it, self.source = iter(self.source), None
        chunk: list[Any] = []
        try:
            chunk.extend(islice(self.it, n))  # keeps what came before a failure
        except Exception as e:  # the iterator itself failed: pass the error on, then end
            self.it = iter(())
            chunk.append(Failure(e))
        return chunk or None

    async def aclose(self) -> None:
        it, self.it, self.source = self.it, iter(()), None
        close = getattr(it, "close", None)
        if close is not None:
            close()


class AsyncIterableNode:
    """An async iterable, one item per pull: its items may be slow to come."""

    __slots__ = ("ait", "done", "source")

    def __init__(self, source: AsyncIterable[Any]) -> None:
        self.source = source
        self.ait: AsyncIterator[Any] | None = None
        self.done = False

    async def pull(self, n: int) -> list[Any] | None:
        if self.done:
            return None
        if self.ait is None:
            self.ait = aiter(self.source)
        try:
            return [await anext(self.ait)]
        except StopAsyncIteration:
            self.done = True
            return None
        except Exception as e:
            self.done = True
            return [Failure(e)]

    async def aclose(self) -> None:
        self.done = True
        ait, self.ait = self.ait, None
        aclose = getattr(ait, "aclose", None)
        if aclose is not None:
            await aclose()


class EmptyNode:
    async def pull(self, n: int) -> list[Any] | None:
        return None

    async def aclose(self) -> None:
        return None


class ConcatNode:
    """The first node's elements, then those of a node made only once the first has ended."""

    __slots__ = ("first", "make", "second")

    def __init__(self, first: Node, make: Callable[[], Node]) -> None:
        self.first: Node | None = first
        self.make: Callable[[], Node] | None = make
        self.second: Node | None = None

    async def pull(self, n: int) -> list[Any] | None:
        if self.first is not None:
            items = await self.first.pull(n)
            if items is not None:
                return items
            first, self.first = self.first, None
            await first.aclose()
        if self.second is None:
            if self.make is None:
                return None
            make, self.make = self.make, None
            self.second = make()
        return await self.second.pull(n)

    async def aclose(self) -> None:
        self.make = None
        for node in (self.first, self.second):
            if node is not None:
                await node.aclose()
        self.first = self.second = None
