"""Eager starts: run a coroutine's first step now, and make a Task only if it really suspends.

A coroutine that never waits for a pending future (all its steps are sync) finishes in its first
``send(None)``: scheduling it as a Task would cost a loop iteration per await for nothing.
``start(coro)`` runs that first step in place, with what a Task would give it: a copied context,
a running loop, and a current task (``_Pending``), so ``asyncio.timeout``, ``TaskGroup`` and
``get_running_loop()`` behave as they do in a Task. When the step yields, the *same* coroutine is
handed to a real Task through ``_Resumed``, which re-yields the future the coroutine is waiting on
and forwards every later send/throw; the ``_Pending`` stand-in then forwards to that Task (its
cancel requests included), so nothing that captured it during the first step notices the switch.
(Python 3.12's eager task factory does the same inside asyncio; Lambda still runs 3.11.)

``deadline_at(when)`` is ``asyncio.timeout_at(when)`` armed only once the coroutine runs on the
loop: a run that never suspends cannot be interrupted by a timeout anyway, and arming one would
leave a timer behind that only a loop iteration removes.
"""

from __future__ import annotations

import asyncio
import contextvars
from asyncio import tasks as _tasks
from collections.abc import Callable, Coroutine, Generator
from types import TracebackType
from typing import Any, Generic, TypeVar

R = TypeVar("R")

# asyncio's own bookkeeping of the current task (the functions Task.__step calls); they store any
# object, so the stand-in can be the current task during an eager first step
_enter_task: Callable[[asyncio.AbstractEventLoop, Any], None] = _tasks._enter_task
_leave_task: Callable[[asyncio.AbstractEventLoop, Any], None] = _tasks._leave_task
_current_task = _tasks.current_task
_NOTHING: Any = object()


class Ready(Generic[R]):
    """The outcome of a coroutine that finished in its first step (a Future-like, already done)."""

    __slots__ = ("error", "value")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return isinstance(self.error, asyncio.CancelledError)

    def cancel(self, msg: Any = None) -> bool:
        return False

    def exception(self) -> BaseException | None:
        return self.error

    def result(self) -> R:
        if self.error is not None:
            raise self.error
        value: R = self.value
        return value


class _Pending:
    """The current task during an eager first step; forwards to the real Task once there is one."""

    __slots__ = ("armed", "cancel_msgs", "cancels", "loop", "real")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.real: asyncio.Task[Any] | None = None
        self.cancels = 0  # cancel requests minus uncancels, while there is no real task
        self.cancel_msgs: list[Any] = []
        self.armed: list[Callable[[], None]] = []  # deadlines to arm once the run is on the loop

    def bind(self, task: asyncio.Task[Any]) -> None:
        self.real = task
        if self.cancels > 0:  # requests not withdrawn (uncancel) during the first step
            for msg in self.cancel_msgs[-self.cancels :]:
                task.cancel(msg)
        self.cancel_msgs = []
        armed, self.armed = self.armed, []
        for arm in armed:
            arm()

    # the part of the Task API that asyncio.timeout, TaskGroup and user code use
    def cancel(self, msg: Any = None) -> bool:
        if self.real is not None:
            return self.real.cancel(msg)
        self.cancels += 1
        self.cancel_msgs.append(msg)
        return True

    def cancelling(self) -> int:
        return self.real.cancelling() if self.real is not None else self.cancels

    def uncancel(self) -> int:
        if self.real is not None:
            return self.real.uncancel()
        if self.cancels > 0:
            self.cancels -= 1
        return self.cancels

    def done(self) -> bool:
        return self.real.done() if self.real is not None else False

    def cancelled(self) -> bool:
        return self.real.cancelled() if self.real is not None else False

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self.loop

    def __getattr__(self, name: str) -> Any:
        real = object.__getattribute__(self, "real")
        if real is None:
            raise AttributeError(f"{name!r} is not available before the task first suspends")
        return getattr(real, name)

    def __repr__(self) -> str:
        return f"<eager task {self.real!r}>"


class _Resumed(Coroutine[Any, Any, Any]):
    """The rest of a coroutine that suspended in its eager first step, as a coroutine for a Task."""

    __slots__ = ("coro", "first", "pending")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any, pending: _Pending) -> None:
        self.coro = coro
        self.first = first  # what the coroutine yielded (the future it waits on), not yet re-yielded
        self.pending = pending

    def _start(self) -> Any:
        first, self.first = self.first, _NOTHING
        if self.pending.real is None:
            task = _current_task()
            if task is not None:
                self.pending.bind(task)
        return first

    def send(self, value: Any) -> Any:
        if self.first is not _NOTHING:
            return self._start()  # the Task's first step: wait on what the coroutine waits on
        return self.coro.send(value)

    def throw(self, typ: Any, val: Any = None, tb: TracebackType | None = None) -> Any:
        if self.first is not _NOTHING:  # cancelled before its first step
            first = self._start()
            if isinstance(typ, asyncio.CancelledError) or typ is asyncio.CancelledError:
                cancel = getattr(first, "cancel", None)
                if cancel is not None:
                    cancel()  # as Task.cancel() cancels the future its coroutine waits on
        if val is None and tb is None:
            return self.coro.throw(typ)
        return self.coro.throw(typ, val, tb)

    def close(self) -> None:
        self.coro.close()

    def __await__(self) -> Generator[Any, None, Any]:  # pragma: no cover - a Task drives it
        raise TypeError("_Resumed is driven by a Task")


def start(coro: Coroutine[Any, Any, R], loop: asyncio.AbstractEventLoop) -> Ready[R] | asyncio.Task[R]:
    """Run ``coro``'s first step now; a ``Ready`` when it finished, else the Task that goes on.

    ``loop`` must be the running loop (the bridge sets it for its fast path). KeyboardInterrupt
    and SystemExit propagate, as they do out of a Task.
    """
    pending = _Pending(loop)
    context = contextvars.copy_context()
    parent = _current_task(loop)
    if parent is not None:
        _leave_task(loop, parent)
    _enter_task(loop, pending)
    try:
        first = context.run(coro.send, None)
    except StopIteration as stop:
        if pending.cancels:  # cancelled itself and finished without awaiting: a Task ends cancelled
            msg = pending.cancel_msgs[-1]
            return Ready(error=asyncio.CancelledError() if msg is None else asyncio.CancelledError(msg))
        return Ready(stop.value)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        return Ready(error=e)
    finally:
        _leave_task(loop, pending)
        if parent is not None:
            _enter_task(loop, parent)
    # bound to ``pending`` in its first step, where it is the current task (deadlines arm there)
    task: asyncio.Task[R] = loop.create_task(_Resumed(coro, first, pending), context=context)
    return task


class deadline_at:
    """``async with deadline_at(when)``: ``asyncio.timeout_at(when)``, armed only on the loop.

    In a Task it is ``asyncio.timeout_at``. In an eager first step (``start``, ``LoopBridge.run``)
    nothing is scheduled; if the step suspends, the timeout is entered in the Task that goes on,
    so it fires exactly as if it had been there from the start. ``expired()`` as asyncio's.
    """

    __slots__ = ("inner", "pending", "when")

    def __init__(self, when: float | None) -> None:
        self.when = when
        self.inner: asyncio.Timeout | None = None
        self.pending: _Pending | None = None

    def expired(self) -> bool:
        return self.inner is not None and self.inner.expired()

    async def __aenter__(self) -> deadline_at:
        if self.when is None:
            return self
        task = _current_task()
        if isinstance(task, _Pending) and task.real is None:
            self.pending = task
            task.armed.append(self._arm)
            return self
        self.inner = asyncio.timeout_at(self.when)
        await self.inner.__aenter__()
        return self

    def _arm(self) -> None:
        self.pending = None
        self.inner = asyncio.timeout_at(self.when)
        enter = self.inner.__aenter__()
        try:
            enter.send(None)
        except StopIteration:
            return
        raise RuntimeError("asyncio.Timeout.__aenter__ suspended")  # pragma: no cover

    async def __aexit__(
        self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        if self.inner is None:
            if self.pending is not None and self._arm in self.pending.armed:
                self.pending.armed.remove(self._arm)  # left before the run went to the loop
            return None
        await self.inner.__aexit__(typ, exc, tb)  # raises TimeoutError when it expired
        return None
