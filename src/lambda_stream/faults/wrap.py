"""Attach a unit of work to an error, so that ``faults`` can set it aside as a fault event."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

R = TypeVar("R")


def attach_uow(err: BaseException, uow: Any) -> BaseException:
    """Set ``err.uow`` unless the error already carries one (the innermost uow is the precise one)."""
    if getattr(err, "uow", None) is None:
        with contextlib.suppress(AttributeError):  # exceptions with __slots__ cannot carry it
            err.uow = uow  # type: ignore[attr-defined]
    return err


def throw_fault(uow: Any, ignore: bool = False) -> Callable[[BaseException], None]:
    """``except Exception as e: throw_fault(uow)(e)`` raises ``e`` carrying ``uow``.

    With ``ignore=True`` the error is swallowed (JS ``throwFault(uow, ignore)``).
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

    @functools.wraps(fn)
    def step(uow: Any) -> R:
        try:
            return fn(uow)
        except Exception as e:
            _raise_with(e, uow)

    return step


def faulty_async(fn: Callable[[Any], Awaitable[R]]) -> Callable[[Any], Awaitable[R]]:
    """Wrap an async step ``fn(uow)`` so that an error it raises carries that uow."""

    @functools.wraps(fn)
    async def step(uow: Any) -> R:
        try:
            return await fn(uow)
        except Exception as e:
            _raise_with(e, uow)

    return step


def _raise_with(err: BaseException, uow: Any) -> NoReturn:
    raise attach_uow(err, uow)
