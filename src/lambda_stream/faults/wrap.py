"""Attach a unit of work to an error, so that ``faults`` can set it aside as a fault event.

Every failure must name the uow that actually failed, even when one exception object is raised
for several uows (a module-level ``ERR = ValueError(...)``, a cached or re-raised error). So an
exception is given a uow only while it carries none; one that already carries another uow is
never changed (that uow owns it): the uow travels on a copy instead, with the same type, args,
attributes, traceback and chain (or, when the type cannot be copied, on a ``FaultError`` chained
from it). ``raise attach_uow(e, uow)`` raises whichever is right.

Nested wrappers (``faulty(step)`` around a step that calls ``throw_fault(inner)``) keep the
innermost uow, the precise one. A wrapper knows when its call started (``since``); the error
records when, and under which frames, its uow was attached. An attachment made after the call
started, by code running under the wrapper's frame, is the inner one; any other (a concurrent or
an earlier call that raised the same object) is stale, and the wrapper's own uow goes on a copy.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, NoReturn, TypeVar

from ..errors import FaultError

R = TypeVar("R")

# Where an error records its attachment: (perf_counter_ns, ids of the frames under way then).
_STAMP = "_lambda_stream_attached"


def attach_uow(err: BaseException, uow: Any, since: int | None = None) -> BaseException:
    """The exception to raise for ``err`` failing ``uow``: ``err`` itself when it carries no uow
    (it gets this one) or already carries this one, or an inner one attached during the call
    that started at ``since`` (``time.perf_counter_ns()``); otherwise a copy carrying ``uow``."""
    try:
        current = getattr(err, "uow", None)
    except Exception:  # a property that raises: treat the error as carrying none
        current = None
    if current is None:
        try:
            setattr(err, _STAMP, _stamp(sys._getframe(1)))
            err.uow = uow  # type: ignore[attr-defined]
        except Exception:  # __slots__, or a __setattr__ that refuses: a copy (or FaultError) carries it
            return _copy_with(err, uow)
        return err
    if current is uow or (since is not None and _attached_within(err, since, sys._getframe(1))):
        return err
    return _copy_with(err, uow)


def _stamp(frame: FrameType | None) -> tuple[int, frozenset[int]]:
    ids = []
    while frame is not None:
        ids.append(id(frame))
        frame = frame.f_back
    return time.perf_counter_ns(), frozenset(ids)


def _attached_within(err: BaseException, since: int, caller: FrameType) -> bool:
    """Was ``err``'s uow attached after ``since`` under ``caller``'s frame (by the call it wraps)?

    A frame id is unique among live frames and ``caller`` has lived since ``since``, so an id
    recorded after ``since`` is ``caller`` itself.
    """
    stamp = getattr(err, _STAMP, None)
    if stamp is None:  # the uow came with the error (``DecodeError(uow=...)``): its creator's
        return True
    try:
        at, frames = stamp
        return bool(at >= since and id(caller) in frames)
    except Exception:  # not our stamp: trust nothing, the caller's uow goes on a copy
        return False


def _copy_with(err: BaseException, uow: Any) -> BaseException:
    try:
        import copy  # here, not at import: keeps cold start small

        twin = copy.copy(err)
        if type(twin) is not type(err) or twin is err:
            raise TypeError("not a copy")
        twin.__dict__.update({k: list(v) for k, v in vars(err).items() if k == "__notes__"})
        twin.uow = uow  # type: ignore[attr-defined]
        setattr(twin, _STAMP, _stamp(sys._getframe(2)))
    except Exception:  # an exception type that cannot be rebuilt from its args
        try:
            text = str(err)
        except Exception:  # a hostile __str__
            text = ""
        twin = FaultError(f"{type(err).__name__}: {text}", uow=uow)
        setattr(twin, _STAMP, _stamp(sys._getframe(2)))
        twin.__cause__ = err
        return twin
    twin.__traceback__ = err.__traceback__
    twin.__cause__ = err.__cause__
    twin.__context__ = err.__context__
    twin.__suppress_context__ = err.__suppress_context__
    return twin


def throw_fault(uow: Any, ignore: bool = False) -> Callable[[BaseException], None]:
    """``except Exception as e: throw_fault(uow)(e)`` raises ``e`` carrying ``uow``.

    With ``ignore=True`` the error is swallowed (JS ``throwFault(uow, ignore)``). When ``e``
    already carries another uow, a copy of it carrying ``uow`` is raised (see the module docstring).
    """

    def throw(err: BaseException) -> None:
        if ignore:
            return
        raise attach_uow(err, uow)

    return throw


def reject_with_fault(uow: Any, ignore: bool = False) -> Callable[[BaseException], Awaitable[None]]:
    """The async twin of ``throw_fault``: an awaitable that raises ``err`` carrying ``uow``."""

    async def reject(err: BaseException) -> None:
        throw_fault(uow, ignore)(err)

    return reject


def faulty(fn: Callable[[Any], R]) -> Callable[[Any], R]:
    """Wrap a sync step ``fn(uow)`` so that an error it raises carries that uow."""
    _callable("faulty", fn)

    @functools.wraps(fn)
    def step(uow: Any) -> R:
        since = time.perf_counter_ns()
        try:
            return fn(uow)
        except Exception as e:
            err = attach_uow(e, uow, since)
            if err is e:
                raise
        _raise(err)  # outside the except block: a copy keeps the original's context

    return step


def faulty_async(fn: Callable[[Any], Awaitable[R]]) -> Callable[[Any], Awaitable[R]]:
    """Wrap an async step ``fn(uow)`` so that an error it raises carries that uow."""
    _callable("faulty_async", fn)

    @functools.wraps(fn)
    async def step(uow: Any) -> R:
        since = time.perf_counter_ns()
        try:
            return await fn(uow)
        except Exception as e:
            err = attach_uow(e, uow, since)
            if err is e:
                raise
        _raise(err)

    return step


def _raise(err: BaseException) -> NoReturn:
    raise err


def _callable(name: str, fn: Any) -> None:
    if not callable(fn):
        raise TypeError(f"{name} wraps a step function uow -> uow, got {type(fn).__name__} {fn!r:.60}")
