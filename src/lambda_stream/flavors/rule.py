"""Rules: what a flavor declares (its fields, the ones it requires) and how a rule is checked.

A flavor is a ``Flavor``: a pipeline factory ``flavor(rule) -> step`` that knows its rule fields.
``validate_rule`` runs when the handler is built (``initialize_from``): a missing ``id``,
``flavor``, ``event_type`` or required function, a field that must be a function and is not, or an
unknown field close to a known one (a misspelling, the JS camelCase) is a ``ConfigurationError``
naming the rule and the field. Rule functions ported from JS may take ``(uow)`` or ``(uow, rule)``:
``bind`` looks at the signature once, when the flavor is built, never per event.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..config import check_options
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..core import Stream

Step = Callable[["Stream[Any]"], "Stream[Any]"]
Rule = Mapping[str, Any]

# Fields every flavor reads (the rule's identity, routing and the per-rule controls).
COMMON_FIELDS = frozenset({"id", "flavor", "event_type", "filters", "parallel", "rate", "retryable"})


class Flavor:
    """A rule-driven pipeline factory with its declared rule fields.

    ``fields``: every rule field the flavor reads; ``required``: the ones a rule must set (beyond
    ``id`` and ``flavor``); ``functions``: the fields that must be callables when given.
    """

    def __init__(
        self,
        build: Callable[[dict[str, Any]], Step],
        *,
        fields: Iterable[str],
        required: Iterable[str] = ("event_type",),
        functions: Iterable[str] = (),
    ) -> None:
        self.build = build
        self.required_fields = tuple(required)
        self.function_fields = frozenset(functions)
        self.rule_fields = (
            COMMON_FIELDS | frozenset(fields) | self.function_fields | set(self.required_fields)
        )
        self.__name__ = build.__name__
        self.__qualname__ = build.__qualname__
        self.__doc__ = build.__doc__
        self.__module__ = build.__module__

    def __call__(self, rule: Rule) -> Step:
        check_required(rule, self)
        return self.build(dict(rule))

    def __repr__(self) -> str:
        return f"<flavor {self.__name__}>"


def flavor(
    *, fields: Iterable[str], required: Iterable[str] = ("event_type",), functions: Iterable[str] = ()
) -> Callable[[Callable[[dict[str, Any]], Step]], Flavor]:
    """Declare a flavor: ``@flavor(fields=..., required=..., functions=...)`` over its builder."""

    def deco(build: Callable[[dict[str, Any]], Step]) -> Flavor:
        return Flavor(build, fields=fields, required=required, functions=functions)

    return deco


def rule_name(rule: Rule, index: int | None = None) -> str:
    rid = rule.get("id")
    if rid:
        return str(rid)
    return f"#{index}" if index is not None else "<no id>"


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def check_required(rule: Rule, fl: Flavor, index: int | None = None) -> None:
    """The fields ``fl`` requires are set and its function fields are callables."""
    name = rule_name(rule, index)
    for field in fl.required_fields:
        if _missing(rule.get(field)):
            raise ConfigurationError(
                f"rule {name}: missing required field {field!r} for flavor {fl.__name__}"
            )
    for field in fl.function_fields:
        value = rule.get(field)
        if value is not None and not callable(value):
            raise ConfigurationError(
                f"rule {name}: {field!r} must be a function (uow, rule), got {type(value).__name__}"
            )
    rate = rule.get("rate")
    if rate is not None:
        num = rate.get("num") if isinstance(rate, Mapping) else None
        ms = rate.get("ms") if isinstance(rate, Mapping) else None
        if not (isinstance(num, int) and num > 0 and isinstance(ms, int | float) and ms > 0):
            raise ConfigurationError(
                f"rule {name}: 'rate' must be {{'num': int > 0, 'ms': > 0}}, got {rate!r}"
            )


def validate_rule(rule: Rule, index: int | None = None) -> None:
    """Check one rule when the handler is built (see the module docstring)."""
    name = rule_name(rule, index)
    for field in ("id", "flavor"):
        if _missing(rule.get(field)):
            raise ConfigurationError(f"rule {name}: missing required field {field!r}")
    fl = rule["flavor"]
    if not callable(fl):
        raise ConfigurationError(f"rule {name}: 'flavor' must be a pipeline factory, got {fl!r}")
    if isinstance(fl, Flavor):
        check_options(f"rule {name}", rule, fl.rule_fields)  # first: a misspelt field looks missing
        check_required(rule, fl, index)
        return
    for field in getattr(fl, "required_fields", ()):  # a flavor of the user's own
        if _missing(rule.get(field)):
            raise ConfigurationError(
                f"rule {name}: missing required field {field!r} for flavor {getattr(fl, '__name__', fl)}"
            )


def arity(fn: Callable[..., Any]) -> int:
    """How many positional arguments ``fn`` takes (``ANY`` with ``*args`` or an opaque signature)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return ANY
    count = 0
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return ANY
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


ANY = 1 << 16


def bind(fn: Callable[..., Any], *args: Any) -> Callable[[Any], Any]:
    """``fn`` as a function of the uow alone: ``uow -> fn(uow, *args)``, or ``fn(uow)`` when ``fn``
    takes one argument (a JS rule function ported as ``def f(uow)``). Decided once, here."""
    n = arity(fn)
    if args and n >= 1 + len(args):
        return functools.partial(_call_with, fn, args)
    return fn


def _call_with(fn: Callable[..., Any], args: tuple[Any, ...], uow: Any) -> Any:
    return fn(uow, *args)


def is_async(fn: Any) -> bool:
    """An ``async def`` function (or a partial of one, or an object whose ``__call__`` is one)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    if inspect.isfunction(fn) or inspect.ismethod(fn):
        return False
    call = next((k.__dict__["__call__"] for k in type(fn).__mro__ if "__call__" in k.__dict__), None)
    return inspect.iscoroutinefunction(call)


def step_options(rule: Mapping[str, Any], own: Iterable[str]) -> dict[str, Any]:
    """The rule as options for the library steps it builds: without the flavor's own fields that
    no step reads (``to_scan_request`` ...), which a step could take for a misspelling of its own."""
    from ..config import LIBRARY_OPTIONS, SHARED_OPTIONS

    drop = frozenset(own) - SHARED_OPTIONS - LIBRARY_OPTIONS
    return {k: v for k, v in rule.items() if k not in drop}
