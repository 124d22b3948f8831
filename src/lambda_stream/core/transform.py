"""Element-wise steps (map, filter, reject, tap, flat_map, errors, splice), fused into one node.

A node runs its steps over a chunk of elements at a time. Every run of consecutive map / filter /
reject / tap steps (a single one too) is compiled into one loop (``Chain``, the one implementation
of those four): each element goes through the whole run
before the next one starts, at the cost of one call and one type test per step, instead of one
coroutine hop per step and element. Each step may be sync or async: an awaitable result is awaited.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ._base import AwaitCheck, Failure, Node, drain_node


class Step:
    """One element-wise step; ``apply`` maps a chunk to the next chunk."""

    __slots__ = ("check", "fn")

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.check = AwaitCheck()

    async def apply(self, items: list[Any]) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError


class MapStep(Step):
    """``fn(x)`` in place of ``x``. Runs as a ``Chain`` (one compiled loop), alone or in a run."""


class FilterStep(Step):
    """``x`` when ``pred(x)`` is truthy (its ``__bool__`` raising is ``x``'s error). As a ``Chain``."""


class RejectStep(Step):
    """``x`` when ``pred(x)`` is falsy. As a ``Chain``."""


class TapStep(Step):
    """``fn(x)`` for its effect, ``x`` passed on. As a ``Chain``."""


class FlatMapStep(Step):
    """``fn`` returns an iterable or a Stream; its elements (and errors) are spliced in."""

    async def apply(self, items: list[Any]) -> list[Any]:
        fn, plain, check = self.fn, self.check.plain, self.check.needs_await
        out: list[Any] = []
        for x in items:
            if x.__class__ is Failure:
                out.append(x)
                continue
            try:
                r = fn(x)
                if r.__class__ not in plain and check(r):
                    r = await r
                node = getattr(r, "_stream_node", None)
                if node is not None:
                    out.extend(await drain_node(node()))
                else:
                    out.extend(r)
            except Exception as e:
                out.append(Failure(e))
        return out


class SpliceStep(Step):
    """Internal: each element is a list of items (failures included) to splice in."""

    async def apply(self, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for x in items:
            if x.__class__ is Failure:
                out.append(x)
            else:
                out.extend(x)
        return out


class ErrorsStep(Step):
    """``handler(err, push)``: push a replacement, return to drop the error, raise to re-raise."""

    async def apply(self, items: list[Any]) -> list[Any]:
        handler = self.fn
        out: list[Any] = []
        for x in items:
            if x.__class__ is not Failure:
                out.append(x)
                continue
            try:
                r = handler(x.error, out.append)
                if self.check.needs_await(r):
                    await r
            except Exception as e:
                out.append(x if e is x.error else Failure(e))
        return out


class SerialNode:
    """One step whose callable is a coroutine function: one element at a time, pulled on demand.

    An ``async def`` step does I/O; running it over a whole chunk would read the source ahead of
    a slow consumer and start calls an early stop then throws away. Sync steps stay fused.
    """

    __slots__ = ("step", "up")

    def __init__(self, up: Node, step: Step) -> None:
        self.up = up
        self.step = Chain([step]) if type(step) in _CHAINABLE else step

    async def pull(self, n: int) -> list[Any] | None:
        while True:
            items = await self.up.pull(1)
            if items is None:
                return None
            out = await self.step.apply(items)
            if out:
                return out

    async def aclose(self) -> None:
        await self.up.aclose()


@functools.lru_cache(maxsize=128)  # a memo of a pure function: the code for one shape of run
def _compile_chain(kinds: tuple[str, ...]) -> Callable[..., Any]:
    """The source of one loop running the steps ``kinds`` over a chunk, compiled once per shape.

    Step i's callable is ``f{i}``, its known plain result types ``p{i}``, its awaitable test
    ``c{i}``. An element's error skips its remaining steps and takes its place in the output.
    """
    n = len(kinds)
    args = ", ".join(f"f{i}, p{i}, c{i}" for i in range(n))
    body = [
        f"async def chain(items, Failure, {args}):",
        "    out = []",
        "    append = out.append",
        "    for x in items:",
        "        if x.__class__ is Failure:",
        "            append(x)",
        "            continue",
        "        try:",
    ]
    for i, kind in enumerate(kinds):
        body.append(f"            r = f{i}(x)")
        body.append(f"            if r.__class__ not in p{i} and c{i}(r):")
        body.append("                r = await r")
        if kind == "map":
            body.append("            x = r")
        elif kind == "filter":
            body.append("            if not r:")
            body.append("                continue")
        elif kind == "reject":
            body.append("            if r:")
            body.append("                continue")
        # tap: the result is dropped, x goes on
    body += [
        "        except Exception as e:",
        "            append(Failure(e))",
        "            continue",
        "        append(x)",
        "    return out",
    ]
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(body), f"<lambda_stream chain {'-'.join(kinds)}>", "exec"), namespace)
    chain: Callable[..., Any] = namespace["chain"]
    return chain


class Chain(Step):
    """Consecutive map / filter / reject / tap steps as one compiled loop."""

    __slots__ = ("args", "run")

    def __init__(self, steps: list[Step]) -> None:
        super().__init__(_identity)
        self.run = _compile_chain(tuple(_CHAINABLE[type(s)] for s in steps))
        self.args: list[Any] = []
        for s in steps:
            self.args += [s.fn, s.check.plain, s.check.needs_await]

    async def apply(self, items: list[Any]) -> list[Any]:
        out: list[Any] = await self.run(items, Failure, *self.args)
        return out


def _identity(x: Any) -> Any:
    return x


def _fuse(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """Replace each run of chainable steps (one or more) by one ``Chain``: a single compiled loop
    is the one implementation of map / filter / reject / tap, alone or fused."""
    out: list[Step] = []
    run: list[Step] = []
    for step in (*steps, None):
        if step is not None and type(step) in _CHAINABLE:
            run.append(step)
            continue
        if run:
            out.append(Chain(run))
        run = []
        if step is not None:
            out.append(step)
    return tuple(out)


class FusedNode:
    """Runs a run of element-wise steps over each chunk its upstream gives."""

    __slots__ = ("steps", "up")

    def __init__(self, up: Node, steps: tuple[Step, ...]) -> None:
        self.up = up
        self.steps = _fuse(steps)

    async def pull(self, n: int) -> list[Any] | None:
        while True:
            items = await self.up.pull(n)
            if items is None:
                return None
            for step in self.steps:
                items = await step.apply(items)
                if not items:
                    break
            if items:
                return items

    async def aclose(self) -> None:
        await self.up.aclose()


# The steps a Chain can hold (a constant: read-only, defined once the classes exist).
_CHAINABLE: Mapping[type[Step], str] = MappingProxyType(
    {MapStep: "map", FilterStep: "filter", RejectStep: "reject", TapStep: "tap"}
)
