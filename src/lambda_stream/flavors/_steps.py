"""Steps the flavors share: routing a uow to a rule, calling rule functions, split, rate, retry.

Everything here is decided when the flavor is built: a step a rule does not ask for is not added
at all, so a rule without ``filters``, ``compact`` or ``split_on`` costs what the same pipeline
written by hand with the core costs.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..core import Stream
from ..errors import ConnectorError, ThrottledError
from ..faults.wrap import attach_uow
from ..filters import filter_on_content, on_event_type
from ..utils.batching import compact
from .rule import arity, bind, is_async

Uow = dict[str, Any]
_PLAIN = frozenset({dict, list, tuple, str, int, float, bool, type(None)})  # results never awaited
Step = Callable[[Stream[Any]], Stream[Any]]
DEFAULT_PARALLEL = 4


def parallel_of(rule: Mapping[str, Any]) -> int:
    """The rule's ``parallel``, else ``PARALLEL``, else 4 (JS: ``rule.parallel || PARALLEL || 4``)."""
    value = rule.get("parallel")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raw = os.environ.get("PARALLEL", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_PARALLEL


def guarded(pred: Callable[[Uow], Any]) -> Callable[[Uow], Any]:
    """A predicate or mapper whose error (raised or from its awaitable) carries the uow."""

    async def later(pending: Awaitable[Any], uow: Uow) -> Any:
        try:
            return await pending
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    def run(uow: Uow) -> Any:
        try:
            r = pred(uow)
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__
        if inspect.isawaitable(r):
            return later(r, uow)
        return r

    return run


def identity(s: Stream[Any]) -> Stream[Any]:
    return s


def chain(*steps: Step) -> Step:
    """The steps applied in order (the identity ones left out): one step, built once."""
    todo = tuple(st for st in steps if st is not identity)

    def step(s: Stream[Any]) -> Stream[Any]:
        for st in todo:
            s = st(s)
        return s

    return step


def keep(pred: Callable[[Uow], Any]) -> Step:
    return lambda s: s.filter(pred)


def mapped(fn: Callable[[Uow], Any]) -> Step:
    return lambda s: s.map(fn)


def select(rule: Mapping[str, Any], *, event_type: bool = True, filters: bool = True) -> Step:
    """Keep the uows the rule is for: its event type, then its content ``filters``; then ``rate``.
    The matcher and the filters are compiled now, once per rule."""
    steps: list[Step] = []
    if event_type and rule.get("event_type") is not None:
        match = on_event_type(rule)
        steps.append(keep(guarded(match) if callable(rule["event_type"]) else match))
    if filters and rule.get("filters"):
        ported = {**rule, "filters": [_with_rule(f) for f in rule["filters"]]}
        steps.append(keep(guarded(filter_on_content(ported))))
    rate = rule.get("rate")
    if rate:
        num, ms = int(rate["num"]), float(rate["ms"])
        steps.append(lambda s: s.rate_limit(num, ms))
    return chain(*steps) if steps else identity


def _with_rule(f: Any) -> Any:
    """A content filter as ``f(uow, rule)``: one ported from JS as ``f(uow)`` ignores the rule."""
    if callable(f) and arity(f) < 2:
        return lambda uow, rule: f(uow)
    return f


def compacted(rule: Mapping[str, Any]) -> Step:
    return compact(rule) if rule.get("compact") else identity


def assign(
    rule: Mapping[str, Any],
    name: str,
    field: str,
    *,
    merge: Callable[[Uow, Any], Any] | None = None,
) -> Step:
    """``{**uow, field: rule[name](uow, rule)}`` for each uow; a rule without ``name`` adds nothing.

    A sync function runs fused with its neighbours (an awaitable it returns is awaited in place);
    an ``async def`` one runs ``parallel`` at a time, order kept. ``merge(uow, result)`` builds the
    value from the result instead (cdc merges the result into the event). An error the function
    raises carries the uow: that uow alone becomes a fault.
    """
    fn = rule.get(name)
    if fn is None:
        return identity
    call = bind(fn, rule)

    def adorn(uow: Uow, r: Any) -> Uow:
        return {**uow, field: r if merge is None else merge(uow, r)}

    if is_async(fn):

        async def run_async(uow: Uow) -> Uow:
            try:
                return adorn(uow, await call(uow))
            except Exception as e:
                raise attach_uow(e, uow) from e.__cause__

        n = parallel_of(rule)
        return lambda s: s.map(run_async, parallel=n)

    async def later(pending: Awaitable[Any], uow: Uow) -> Uow:
        try:
            return adorn(uow, await pending)
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    if merge is None and arity(fn) >= 2:  # the common case, one frame per uow: fn(uow, rule)

        def run_plain(uow: Uow) -> Any:
            try:
                r = fn(uow, rule)
            except Exception as e:
                raise attach_uow(e, uow) from e.__cause__
            if r.__class__ in _PLAIN or not hasattr(r, "__await__"):
                return {**uow, field: r}
            return later(r, uow)

        return mapped(run_plain)

    def run(uow: Uow) -> Any:
        try:
            r = call(uow)
            if r.__class__ not in _PLAIN and hasattr(r, "__await__"):
                return later(r, uow)
            return adorn(uow, r)
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    return mapped(run)


def _get_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, Mapping):
            obj = obj.get(part)
        elif isinstance(obj, list | tuple) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


get_path = _get_path


def split_on(rule: Mapping[str, Any]) -> Step:
    """``split_on``: one uow per element (JS ``splitObject``).

    A dotted path into the uow (``"event.root.things"``) gives ``{**uow, split_target_field: item,
    "split_on_total": n, "split_on_item_number": i}`` (1-based; ``split_on_omit_fields`` are left
    out); a function ``fn(uow, rule)`` returns the uows itself.
    """
    spec = rule.get("split_on")
    if not spec:
        return identity
    if callable(spec):
        fn = guarded(bind(spec, rule))
        return lambda s: s.flat_map(fn)
    path = str(spec)
    target = str(rule.get("split_target_field") or "split")
    omit = frozenset(rule.get("split_on_omit_fields") or ())

    def split(uow: Uow) -> list[Uow]:
        values = _get_path(uow, path)
        if values is None:
            raise TypeError(f"split_on: {path!r} is not set on the uow")
        items = list(values)
        base = {k: v for k, v in uow.items() if k not in omit} if omit else uow
        n = len(items)
        return [
            {**base, "split_on_total": n, "split_on_item_number": i + 1, target: v}
            for i, v in enumerate(items)
        ]

    run = guarded(split)
    return lambda s: s.flat_map(run)


def retryable(rule: Mapping[str, Any]) -> Step:
    """``retryable: True``: a throttled call fails the invocation (Lambda retries the batch) instead
    of becoming a fault: the error goes on without its uow, so ``faults`` re-raises it."""
    if not rule.get("retryable"):
        return identity

    def handler(err: BaseException, push: Callable[[Any], None]) -> None:
        if _throttled(err):
            with contextlib.suppress(AttributeError):  # exceptions with __slots__ carry no uow
                err.uow = None  # type: ignore[attr-defined]
        raise err

    return lambda s: s.errors(handler)


def _throttled(err: BaseException) -> bool:
    if isinstance(err, ThrottledError):
        return True
    if not isinstance(err, ConnectorError) or err.code is None:
        return False
    from ..connectors.aws_errors import error_class_for  # on the error path only: keeps imports light

    return error_class_for(err.code) is ThrottledError


def trigger_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """``{id, type, timestamp}`` of an event (the keys it has), for an emitted event's ``triggers``."""
    return {k: event[k] for k in ("id", "type", "timestamp") if k in event}
