"""The one JSON codec: compact, strict, UTF-8, and aware of DynamoDB's value types.

``dumps`` writes what ``JSON.stringify`` writes (no spaces, non-ASCII kept as is). ``Decimal``
becomes an ``int`` when integral else a ``float``; a ``set`` becomes a sorted list; ``bytes``
become base64 text. It never emits non-JSON: ``NaN`` / ``Infinity`` (a float or a Decimal) raise
``ValueError`` (so does a value nested too deep to write) — JS ``JSON.parse`` rejects them, so a consumer of the bus would choke on them — and a
string holding a lone surrogate (which has no UTF-8 form) is written with ``\\uXXXX`` escapes, so
the text always encodes to UTF-8 and JS parses it back to the same string.

``loads`` is ``json.loads`` that rejects ``NaN`` / ``Infinity`` / ``-Infinity`` and numbers that
overflow to them (``1e400``) with a ``ValueError``, for the same reason.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

__all__ = ["MAX_NESTING", "TooDeepError", "dumps", "has_surrogate", "json_problem", "loads", "utf8_size"]


class TooDeepError(ValueError):
    """A value or a JSON text nested too deep to walk, parse or write."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (JSON.parse rejects it)")


def _finite_float(text: str) -> float:
    value = float(text)
    if value - value != 0:
        raise ValueError(f"{text} overflows a double (JSON.parse would make it Infinity)")
    return value


# Immutable configuration, built once (as ``json`` keeps its own default decoder).
_STRICT = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def loads(text: str | bytes | bytearray) -> Any:
    """``json.loads`` that rejects NaN and the infinities, and numbers that overflow to one
    (``1e400``), with a ``ValueError``, like bad JSON; so does text nested too deep to parse."""
    try:
        if isinstance(text, str):
            return _STRICT.decode(text)
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise TooDeepError("JSON nested too deep to parse") from None


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        if not o.is_finite():
            raise ValueError(f"{o} is not JSON (JSON.parse rejects it)")
        return int(o) if o == o.to_integral_value() else float(o)
    if isinstance(o, set | frozenset):
        try:
            return sorted(o)
        except TypeError:
            return sorted(o, key=repr)
    if isinstance(o, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(o)).decode("ascii")
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def dumps(obj: Any) -> str:
    """Compact, strict JSON text that always encodes to UTF-8 (see the module docstring)."""
    try:
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default)
        if not has_surrogate(text):
            return text
        return json.dumps(obj, separators=(",", ":"), allow_nan=False, default=_default)
    except RecursionError:
        raise TooDeepError("the value is nested too deep to write as JSON") from None


def has_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone surrogate (it has no UTF-8 form)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")  # C speed: a few times faster than a regex search
    except UnicodeEncodeError:
        return True
    return False


def utf8_size(text: str) -> int:
    """Bytes ``text`` weighs in UTF-8; never raises (a lone surrogate counts its 3 escaped bytes)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


# How deep a decoded value may nest. DynamoDB allows 32 levels and no real event comes close; the
# limit keeps every recursive walk over user data (ours, json's C encoder, a JS consumer's) far from
# the interpreter's recursion limit.
MAX_NESTING = 256


def json_problem(value: Any, limit: int = MAX_NESTING) -> str | None:
    """Why ``value`` cannot travel as JSON, or None: nested deeper than ``limit`` containers,
    a lone surrogate in a string or a key, or a NaN / infinite float. Iterative; never raises."""
    if isinstance(value, str):
        return "a string holds a lone surrogate (no UTF-8 form)" if has_surrogate(value) else None
    if isinstance(value, float):
        return None if value - value == 0 else f"{value} is not JSON"
    if not isinstance(value, dict | list):
        return None
    if limit < 1:
        return f"nested deeper than {MAX_NESTING} levels"
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen: set[int] = set()  # a container met twice (shared, or a cycle) is checked once
    while stack:
        container, depth = stack.pop()
        if id(container) in seen:
            continue
        seen.add(id(container))
        if isinstance(container, dict):
            for k in container:
                if isinstance(k, str) and has_surrogate(k):
                    return "a key holds a lone surrogate (no UTF-8 form)"
            children: Any = container.values()
        else:
            children = container
        for v in children:
            if isinstance(v, dict | list):
                if depth >= limit:
                    return f"nested deeper than {MAX_NESTING} levels"
                stack.append((v, depth + 1))
            elif isinstance(v, str):
                if has_surrogate(v):
                    return "a string holds a lone surrogate (no UTF-8 form)"
            elif isinstance(v, float) and v - v != 0:
                return f"{v} is not JSON"
    return None
