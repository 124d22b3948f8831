"""``filter_on_content``: a rule's content filters, all of which must pass (JS semantics)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ..errors import ConfigurationError

ContentFilter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


def filter_on_content(rule: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool | Awaitable[bool]]:
    """A predicate ``uow -> bool``: every ``rule["filters"]`` entry ``f(uow, rule)`` is truthy.

    Filters run in order and stop at the first falsy one; an async filter makes the predicate
    return an awaitable (``Stream.filter`` awaits it). Without ``filters`` every uow passes. When
    the filters reject a uow, ``rule["error_filter"](uow)`` is called if present (JS ``errorFilter``,
    e.g. to count rejections).
    """
    filters: Sequence[ContentFilter] = tuple(rule.get("filters") or ())
    for f in filters:
        if not callable(f):
            raise ConfigurationError(
                f"Rule: {rule.get('id')}, has a content filter that is not callable: {f!r}"
            )
    on_reject: Callable[[Mapping[str, Any]], Any] | None = rule.get("error_filter")

    def rejected(uow: Mapping[str, Any]) -> bool:
        if on_reject is not None:
            on_reject(uow)
        return False

    async def finish(uow: Mapping[str, Any], pending: Awaitable[Any], start: int) -> bool:
        if not await pending:
            return rejected(uow)
        for f in filters[start:]:
            r = f(uow, rule)
            if inspect.isawaitable(r):
                r = await r
            if not r:
                return rejected(uow)
        return True

    def predicate(uow: Mapping[str, Any]) -> bool | Awaitable[bool]:
        for i, f in enumerate(filters):
            r = f(uow, rule)
            if inspect.isawaitable(r):
                return finish(uow, r, i + 1)
            if not r:
                return rejected(uow)
        return True

    return predicate
