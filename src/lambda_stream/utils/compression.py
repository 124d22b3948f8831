"""Field compression compatible with the JS library (utils/compression).

A field (never the top-level value, never a list element) whose approximate in-memory size is
over the threshold is replaced by ``"COMPRESSED" + base64(gzip(json(value)))``; ``decompress``
reverses it anywhere in a value, including a compressed value inside a compressed value. The
size is the one the JS ``object-sizeof`` package computes (2 bytes per character, 8 per number,
4 per boolean), so both languages compress the same fields.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from .json import MAX_NESTING, TooDeepError, dumps, loads

__all__ = ["COMPRESSION_PREFIX", "DEFAULT_COMPRESSION_THRESHOLD", "compress", "decompress", "sizeof"]

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

    Iterative, so a value nested however deep is sized without recursion; it never raises.
    """
    total = 0
    stack = [value]
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
            for k, x in v.items():
                total += 2 * len(k if isinstance(k, str) else _text(k))
                stack.append(x)
        elif isinstance(v, list | tuple | set | frozenset):
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
    return _walk(value, threshold, ignore, MAX_NESTING)


def _walk(value: Any, threshold: int, ignore: Collection[str], room: int) -> Any:
    if room <= 0 and isinstance(value, dict | list | tuple):
        raise TooDeepError(f"cannot compress a value nested deeper than {MAX_NESTING} levels")
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
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
                out[k] = _walk(v, threshold, ignore, room - 1) if isinstance(v, dict | list | tuple) else v
        return out
    if isinstance(value, list | tuple):
        return [
            _walk(v, threshold, ignore, room - 1) if isinstance(v, dict | list | tuple) else v for v in value
        ]
    return value


def decompress(value: Any) -> Any:
    """``value`` with every compressed string replaced by the value it holds (recursively).

    A value nested deeper than ``MAX_NESTING`` levels raises ``ValueError`` (never RecursionError).
    """
    return _decompress(value, MAX_NESTING)


def _decompress(value: Any, room: int) -> Any:
    if isinstance(value, str):
        if value.startswith(COMPRESSION_PREFIX):
            return _decompress(loads(unzip_text(value[len(COMPRESSION_PREFIX) :])), room - 1)
        return value
    if not isinstance(value, dict | list):
        return value
    if room <= 0:
        raise TooDeepError(f"cannot decompress a value nested deeper than {MAX_NESTING} levels")
    if isinstance(value, dict):
        return {k: _decompress(v, room - 1) for k, v in value.items()}
    return [_decompress(v, room - 1) for v in value]
