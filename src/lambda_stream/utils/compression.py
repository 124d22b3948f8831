"""Field compression compatible with the JS library (utils/compression).

A field (never the top-level value, never a list element) whose approximate in-memory size is
over the threshold is replaced by ``"COMPRESSED" + base64(gzip(json(value)))``; ``decompress``
reverses it anywhere in a value, as the JS reviver does (``JSON.parse(text, decompress)``). The
size is the one the JS ``object-sizeof`` package computes (2 bytes per character, 8 per number,
4 per boolean), so both languages compress the same fields.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from ..errors import DecodeError
from .json import MAX_NESTING, TooDeepError, dumps, has_surrogate, json_problem, loads

__all__ = [
    "COMPRESSION_PREFIX",
    "DEFAULT_COMPRESSION_THRESHOLD",
    "compress",
    "decompress",
    "may_be_compressed",
    "sizeof",
]

COMPRESSION_PREFIX = "COMPRESSED"
DEFAULT_COMPRESSION_THRESHOLD = 10 * 1024

# JS treats a key as an array index when parseInt(key) is an integer ("12", "3abc", " 7").
_ARRAY_INDEX = re.compile(r"\s*[+-]?\d")


def zip_text(text: str) -> str:
    """base64 of the gzip of ``text`` (UTF-8); mtime 0 so the output is deterministic."""
    import gzip  # here, not at import: keeps cold start small

    return base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")


def unzip_text(data: str) -> str:
    import gzip

    return gzip.decompress(base64.b64decode(data)).decode("utf-8")


def sizeof(value: Any) -> int:
    """Approximate size in bytes, as the JS ``object-sizeof`` package counts it.

    Iterative, so a value nested however deep is sized without recursion; an object or array met
    twice counts once (as object-sizeof's ``seen``), so a cycle ends too; it never raises.
    """
    total = 0
    stack = [value]
    seen: set[int] = set()
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            total += 2 * len(v)
        elif isinstance(v, bool):
            total += 4
        elif isinstance(v, int | float | Decimal):
            total += 8
        elif v is None:
            pass
        elif isinstance(v, dict):
            if id(v) in seen:
                continue
            seen.add(id(v))
            for k, x in v.items():
                total += 2 * len(k if isinstance(k, str) else _text(k))
                stack.append(x)
        elif isinstance(v, list | tuple | set | frozenset):
            if id(v) in seen:
                continue
            seen.add(id(v))
            stack.extend(v)
        elif isinstance(v, bytes | bytearray):
            total += len(v)
        else:
            total += 2 * len(_text(v))
    return total


def _text(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a hostile __str__: size it by its type name
        return type(value).__name__


def compress(value: Any, threshold: int = DEFAULT_COMPRESSION_THRESHOLD, ignore: Collection[str] = ()) -> Any:
    """A copy of ``value`` where every field larger than ``threshold`` is compressed.

    Fields named in ``ignore`` are never compressed (their contents may be). The top-level value
    itself is never compressed, so the result keeps its shape (an event stays a dict).
    """
    if sizeof(value) <= threshold:
        return value  # no part of it can be over the threshold
    return _walk(value, threshold, ignore, MAX_NESTING, set())


def _walk(value: Any, threshold: int, ignore: Collection[str], room: int, path: set[int]) -> Any:
    if not isinstance(value, dict | list | tuple):
        return value
    if room <= 0:
        raise TooDeepError(f"cannot compress a value nested deeper than {MAX_NESTING} levels")
    if id(value) in path:
        raise ValueError("cannot compress a value that contains itself")
    path.add(id(value))
    if isinstance(value, dict):
        out: Any = {}
        for k, v in value.items():
            key = str(k)
            if (
                key not in ignore
                and not _ARRAY_INDEX.match(key)
                and not (isinstance(v, str) and v.startswith(COMPRESSION_PREFIX))
                and sizeof(v) > threshold
            ):
                out[k] = COMPRESSION_PREFIX + zip_text(dumps(v))
            else:
                out[k] = _walk(v, threshold, ignore, room - 1, path)
    else:
        out = [_walk(v, threshold, ignore, room - 1, path) for v in value]
    path.discard(id(value))
    return out


_PREFIX_BYTES = COMPRESSION_PREFIX.encode("ascii")


def may_be_compressed(text: str | bytes | bytearray) -> bool:
    """False when no string in the JSON ``text`` can start with the compression marker.

    Besides the marker itself, the escapes that may spell one of its letters ("C" is \\u0043 ...
    "S" is \\u0053) count: JSON.parse decodes them before the reviver sees the string. Testing
    for a backslash first keeps the common case (no escapes at all) to one fast scan.
    """
    if isinstance(text, str):
        return COMPRESSION_PREFIX in text or ("\\" in text and ("\\u004" in text or "\\u005" in text))
    return _PREFIX_BYTES in text or (b"\\" in text and (b"\\u004" in text or b"\\u005" in text))


def decompress(value: Any, where: str = "value") -> Any:
    """``value`` as JS ``JSON.parse(text, decompress)`` gives it: the one decompression, used by the
    sources and by the claim-check redemption alike.

    Every string (object value, array element or the top-level value) that starts with
    ``COMPRESSED`` is replaced by the JSON value it holds, again and again while that is itself a
    compressed string; a restored object or array is not searched further (the JS reviver has
    already visited that key). ``value`` is not changed: new containers are made only along the
    paths that changed (a value without compressed fields is returned as it is). A field that
    does not decompress, or whose value would nest the whole deeper than ``MAX_NESTING``, raises
    ``DecodeError`` naming it (``where`` is the name of ``value``).
    """
    return _revive(value, where, MAX_NESTING)


def _revive(value: Any, where: str, room: int) -> Any:
    if isinstance(value, str):
        return _expand(value, where, room) if value.startswith(COMPRESSION_PREFIX) else value
    if not isinstance(value, dict | list):
        return value
    if room <= 0:
        raise DecodeError(f"{where}: nested deeper than {MAX_NESTING} levels")
    is_dict = isinstance(value, dict)
    pairs: Any = value.items() if isinstance(value, dict) else enumerate(value)
    changed: Any = None  # a copy of ``value``, made at the first field that changes
    for k, v in pairs:
        if not isinstance(v, str | dict | list):
            continue
        new = _revive(v, f"{where}.{k}" if is_dict else f"{where}[{k}]", room - 1)
        if new is not v:
            if changed is None:
                changed = dict(value) if is_dict else list(value)
            changed[k] = new
    return value if changed is None else changed


def _expand(text: str, where: str, room: int) -> Any:
    value: Any = text
    try:
        while isinstance(value, str) and value.startswith(COMPRESSION_PREFIX):
            inner = unzip_text(value[len(COMPRESSION_PREFIX) :])
            if has_surrogate(inner):
                raise DecodeError(f"{where}: the compressed text holds a lone surrogate (no UTF-8 form)")
            value = loads(inner)
    except DecodeError:
        raise
    except (ValueError, OSError, EOFError, zlib.error) as e:  # base64, gzip, UTF-8 or JSON
        raise DecodeError(f"{where}: cannot decompress a compressed field: {type(e).__name__}: {e}") from e
    problem = json_problem(value, room)
    if problem is not None:
        raise DecodeError(f"{where}: {problem}")
    return value
