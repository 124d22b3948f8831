"""``Stream``: a lazy, pull-based stream over asyncio with Highland's semantics.

Nothing runs until a terminal (``to_list``, ``drain``) pulls. Element-wise steps are fused into one
node per run of steps; every other step is a node of its own (see ``_base`` for the protocol).
An exception raised for one element travels as a value in its place: the steps after it are
skipped for that element only, ``errors(handler)`` can recover it, and a terminal raises the
original exception (after cancelling and awaiting the work still in flight).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from inspect import CO_COROUTINE
from types import BuiltinFunctionType, FunctionType
from typing import Any, Generic, TypeAlias, TypeVar, overload

from ._base import CHUNK, Failure, Node, drain_node, has_failures, resolve
from .aggregate import BatchNode, GroupNode, RateLimitNode, ReduceNode, TimeOrCountNode
from .concurrency import Hub, MergeNode, ParallelMapNode
from .source import AsyncIterableNode, ConcatNode, EmptyNode, IterableNode, SequenceNode
from .transform import (
    ErrorsStep,
    FilterStep,
    FlatMapStep,
    FusedNode,
    MapStep,
    RejectStep,
    SerialNode,
    SpliceStep,
    Step,
    TapStep,
)

T = TypeVar("T")
U = TypeVar("U")
A = TypeVar("A")

MaybeAwaitable: TypeAlias = U | Awaitable[U]
Push = Callable[[Any], None]
ErrorHandler = Callable[[BaseException, Push], Any]

# A fork's default buffer: how far the fastest branch may run ahead of the slowest.
FORK_BUFFER = 1024


def _is_async_callable(fn: Any) -> bool:
    """An ``async def`` function, a partial of one, or an object whose ``__call__`` is one."""
    cls = fn.__class__
    if cls is FunctionType:  # the common case, without inspect's layers: one flag test
        return bool(fn.__code__.co_flags & CO_COROUTINE)
    if cls is BuiltinFunctionType:
        return False
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    if inspect.isfunction(fn) or inspect.ismethod(fn) or inspect.isbuiltin(fn):
        return False
    call = next((k.__dict__["__call__"] for k in type(fn).__mro__ if "__call__" in k.__dict__), None)
    return inspect.iscoroutinefunction(call)


def _count(value: Any, step: str, arg: str, example: str) -> int:
    """``value`` checked to be an int >= 1, when the step is built: a message naming the fix."""
    if type(value) is bool or not isinstance(value, int):
        hint = f"{arg}={int(value)}" if isinstance(value, str) and value.strip().isdigit() else example
        raise TypeError(
            f"Stream.{step}: {arg} must be an int >= 1, got {value!r} ({type(value).__name__}); "
            f"pass e.g. {hint}"
        )
    if value < 1:
        raise ValueError(f"Stream.{step}: {arg} must be >= 1, got {value}; pass e.g. {example}")
    return value


def _millis(value: Any, step: str, arg: str, example: str) -> float:
    """``value`` checked to be a number of milliseconds > 0."""
    if type(value) is bool or not isinstance(value, int | float):
        raise TypeError(
            f"Stream.{step}: {arg} must be a number of milliseconds > 0, got {value!r} "
            f"({type(value).__name__}); pass e.g. {example}"
        )
    if not value > 0:
        raise ValueError(f"Stream.{step}: {arg} must be > 0 milliseconds, got {value}; pass e.g. {example}")
    return value


def _callable(fn: Any, step: str) -> None:
    if not callable(fn):
        raise TypeError(f"Stream.{step}: expected a function, got {fn!r} ({type(fn).__name__})")


def _node_of(source: Any) -> Node:
    if isinstance(source, Stream):
        return source._stream_node()
    if type(source) in (list, tuple):  # a subclass may define its own iteration
        return SequenceNode(source)
    if isinstance(source, AsyncIterable):
        return AsyncIterableNode(source)
    if isinstance(source, Iterable):
        return IterableNode(source)
    raise TypeError(f"Stream() takes an iterable or an async iterable, not {type(source).__name__}")


class Stream(Generic[T]):
    """A lazy stream of elements; build it with steps, run it with a terminal.

    A stream is consumed once: build a new one (or ``fork``) to read the elements twice.
    """

    __slots__ = ("_consumed", "_hub", "_node", "_source", "_steps")

    def __init__(self, source: Iterable[T] | AsyncIterable[T] | None = None) -> None:
        self._source: Any = source
        self._node: Node | None = None
        self._steps: tuple[Step, ...] = ()
        self._hub: Hub | None = None
        self._consumed = False

    # -- plumbing ------------------------------------------------------------------------------
    @classmethod
    def _of_node(cls, node: Node) -> Stream[Any]:
        s: Stream[Any] = cls(None)
        s._node = node
        return s

    def _stream_node(self) -> Node:
        if self._hub is not None:
            raise RuntimeError("this stream was forked; add steps to its forks")
        if self._consumed:
            raise RuntimeError("this stream was already consumed; fork() it to read it twice")
        self._consumed = True
        if self._node is not None:
            node = self._node
        elif self._source is None:
            node = EmptyNode()
        else:
            node = _node_of(self._source)
        return FusedNode(node, self._steps) if self._steps else node

    def _with_step(self, step: Step) -> Stream[Any]:
        if self._hub is not None:
            raise RuntimeError("this stream was forked; add steps to its forks")
        if self._consumed:
            raise RuntimeError("this stream was already consumed; fork() it to read it twice")
        if _is_async_callable(step.fn):
            return self._then(lambda up: SerialNode(up, step))
        s: Stream[Any] = Stream(None)
        s._source = self._source
        s._node = self._node
        s._steps = (*self._steps, step)
        self._consumed = True  # the new stream owns the source now
        return s

    def _then(self, make: Callable[[Node], Node]) -> Stream[Any]:
        return Stream._of_node(make(self._stream_node()))

    # -- element-wise steps (fused) --------------------------------------------------------------
    @overload
    def map(self, fn: Callable[[T], Awaitable[U]], parallel: int = 1) -> Stream[U]: ...
    @overload
    def map(self, fn: Callable[[T], U], parallel: int = 1) -> Stream[U]: ...
    def map(self, fn: Callable[[T], Any], parallel: int = 1) -> Stream[Any]:
        """``fn`` over each element; with ``parallel=n`` up to n calls in flight, order kept.

        Sync steps are fused and run over chunks of elements; an ``async def`` step runs one
        element at a time, pulled on demand (a sync function returning an awaitable is awaited
        in place, as part of its chunk).
        """
        _callable(fn, "map")
        limit = _count(parallel, "map", "parallel", "map(fn, parallel=4)")
        if limit == 1:
            return self._with_step(MapStep(fn))
        return self._then(lambda up: ParallelMapNode(up, fn, limit))

    def filter(self, pred: Callable[[T], MaybeAwaitable[object]]) -> Stream[T]:
        _callable(pred, "filter")
        return self._with_step(FilterStep(pred))

    def reject(self, pred: Callable[[T], MaybeAwaitable[object]]) -> Stream[T]:
        _callable(pred, "reject")
        return self._with_step(RejectStep(pred))

    def tap(self, fn: Callable[[T], object]) -> Stream[T]:
        """Call ``fn`` for its side effect; the element passes on unchanged."""
        _callable(fn, "tap")
        return self._with_step(TapStep(fn))

    def flat_map(self, fn: Callable[[T], Any]) -> Stream[Any]:
        """``fn`` returns an iterable or a Stream (or an awaitable of one); its elements are spliced in."""
        _callable(fn, "flat_map")
        return self._with_step(FlatMapStep(fn))

    def errors(self, handler: ErrorHandler) -> Stream[T]:
        """``handler(err, push)``: ``push(x)`` replaces the error, returning drops it, raising re-raises."""
        return self._with_step(ErrorsStep(handler))

    # -- other steps -----------------------------------------------------------------------------
    def batch(self, n: int) -> Stream[list[T]]:
        size = _count(n, "batch", "n", "batch(10)")
        return self._then(lambda up: BatchNode(up, size))

    def batch_with_time_or_count(self, ms: float, n: int) -> Stream[list[T]]:
        example = "batch_with_time_or_count(100, 10)"
        wait = _millis(ms, "batch_with_time_or_count", "ms", example)
        count = _count(n, "batch_with_time_or_count", "n", example)
        return self._then(lambda up: TimeOrCountNode(up, wait, count))

    def group(self, key: Callable[[T], Any] | str) -> Stream[dict[Any, list[T]]]:
        return self._then(lambda up: GroupNode(up, key))

    def reduce(self, fn: Callable[[A, T], MaybeAwaitable[A]], init: A) -> Stream[A]:
        return self._then(lambda up: ReduceNode(up, fn, init))

    def rate_limit(self, num: int, ms: float) -> Stream[T]:
        count = _count(num, "rate_limit", "num", "rate_limit(10, 1000)")
        window = _millis(ms, "rate_limit", "ms", "rate_limit(10, 1000)")
        return self._then(lambda up: RateLimitNode(up, count, window))

    def parallel(self, n: int) -> Stream[Any]:
        """For a stream of streams or awaitables: run up to ``n`` at once, output in order."""
        limit = _count(n, "parallel", "n", "parallel(4)")
        return self.map(_settle, parallel=limit)._with_step(SpliceStep(_identity))

    def through(self, step: Callable[[Stream[T]], Stream[U]]) -> Stream[U]:
        """Apply a curried step: ``s.through(update_dynamodb(...))``."""
        return step(self)

    def fork(self, buffer: int = FORK_BUFFER) -> Stream[T]:
        """A branch that sees every element; the slowest fork sets the pace (bounded buffer)."""
        return self._branch(bounded=True, buffer=_count(buffer, "fork", "buffer", "fork(buffer=1024)"))

    def observe(self) -> Stream[T]:
        """A branch that sees every element and never holds the others back (unbounded buffer)."""
        return self._branch(bounded=False, buffer=FORK_BUFFER)

    def _branch(self, bounded: bool, buffer: int) -> Stream[T]:
        if self._hub is None:
            node = self._stream_node()
            self._hub = Hub(node, buffer)
        return Stream._of_node(self._hub.branch(bounded))

    def concat(self, then: Stream[U] | Callable[[], Stream[U]]) -> Stream[T | U]:
        """This stream's elements, then ``then``'s; a callable is called only when this one has ended."""

        def make() -> Node:
            nxt = then() if callable(then) and not isinstance(then, Stream) else then
            return nxt._stream_node()

        return self._then(lambda up: ConcatNode(up, make))

    @staticmethod
    def merge(streams: Iterable[Stream[Any]]) -> Stream[Any]:
        """Interleave the streams fairly; ends when all have ended."""
        return Stream._of_node(MergeNode([s._stream_node() for s in streams]))

    # -- terminals -------------------------------------------------------------------------------
    async def to_list(self) -> list[T]:
        """Run the stream and return its elements; an unhandled error is raised here."""
        out: list[Any] = []
        await self._run(out.extend)
        return out

    async def drain(self) -> None:
        """Run the stream for its side effects; an unhandled error is raised here."""
        await self._run(None)

    async def _run(self, sink: Callable[[list[Any]], None] | None) -> None:
        node = self._stream_node()
        try:
            while (items := await node.pull(CHUNK)) is not None:
                if has_failures(items):
                    raise next(x for x in items if x.__class__ is Failure).error
                if sink is not None:
                    sink(items)
        finally:
            await node.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[T]:
        node = self._stream_node()
        try:
            while (items := await node.pull(CHUNK)) is not None:
                for x in items:
                    if x.__class__ is Failure:
                        raise x.error
                    yield x
        finally:
            await node.aclose()


async def _settle(x: Any) -> list[Any]:
    if isinstance(x, Stream):
        return await drain_node(x._stream_node())
    return [await resolve(x)]


def _identity(x: Any) -> Any:
    return x
