"""A per-step-application cache of query results (never module-level: it lives one invocation).

The cache owns the fetches it starts: ``bound(stream)`` ties them to the stream the query step
returns, so when that stream is closed (an early stop, an error elsewhere, the deadline) the
fetches still running are cancelled and awaited before ``aclose`` returns; none finishes after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..errors import LambdaStreamError
from ..utils.json import dumps

if TYPE_CHECKING:
    from ..core import Stream


class RequestCache:
    """Coalesces identical requests: the first call runs, concurrent and later ones share its result.

    A failed call is not cached (the next identical request tries again). Every caller of a failed
    call gets an exception of its own (see ``own_error``), so the uow each one attaches stays its
    own: one error per uow, each naming its uow.
    """

    __slots__ = ("_results",)

    def __init__(self) -> None:
        self._results: dict[str, asyncio.Future[Any]] = {}

    def bound(self, s: Stream[Any]) -> Stream[Any]:
        """``s``, whose closing also cancels and awaits this cache's fetches still running."""
        from ..core import Stream

        out: Stream[Any] = Stream._of_node(_ClosingNode(s._stream_node(), self))
        return out

    async def aclose(self) -> None:
        """Cancel the fetches still running and wait until each has finished."""
        running = [f for f in self._results.values() if not f.done()]
        for f in running:
            f.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)

    async def get(self, request: Any, fetch: Callable[[], Awaitable[Any]]) -> Any:
        key = dumps(request)
        fut = self._results.get(key)
        if fut is None:
            fut = asyncio.ensure_future(fetch())
            self._results[key] = fut
            try:
                return await asyncio.shield(fut)
            except Exception as e:
                if fut.done() and (fut.cancelled() or fut.exception() is not None):
                    self._results.pop(key, None)
                own = own_error(e)
                raise own from own.__cause__
            except BaseException:
                if fut.done() and fut.cancelled():
                    self._results.pop(key, None)
                raise
        try:
            return await asyncio.shield(fut)
        except Exception as e:
            own = own_error(e)
            raise own from own.__cause__


def own_error(error: Exception) -> Exception:
    """A copy of a shared ``error`` for one caller: same class, message, ``code`` and cause, no ``uow``.

    An exception whose class cannot be copied is wrapped in a ``LambdaStreamError`` instead.
    """
    try:
        import copy  # here, not at import: keeps cold start small

        own = copy.copy(error)
    except Exception:
        own = None
    if own is None or own is error or type(own) is not type(error):
        wrapped = LambdaStreamError(f"{type(error).__name__}: {error}")
        wrapped.__cause__ = error
        return wrapped
    own.__dict__.pop("uow", None)
    own.__cause__ = error.__cause__
    own.__traceback__ = error.__traceback__
    return own


class _ClosingNode:
    """A stream node that closes ``cache`` after its upstream (see ``RequestCache.bound``)."""

    __slots__ = ("cache", "up")

    def __init__(self, up: Any, cache: RequestCache) -> None:
        self.up = up
        self.cache = cache

    async def pull(self, n: int) -> list[Any] | None:
        items: list[Any] | None = await self.up.pull(n)
        return items

    async def aclose(self) -> None:
        try:
            await self.up.aclose()
        finally:
            await self.cache.aclose()
