"""Field compression compatible with the JS library (utils/compression).

A field (never the top-level value, never a list element) whose approximate in-memory size is
over the threshold is replaced by ``"COMPRESSED" + base64(gzip(json(value)))``; ``decompress``
reverses it anywhere in a value, including a compressed value inside a compressed value. The
size is the one the JS ``object-sizeof`` package computes (2 bytes per character, 8 per number,
4 per boolean), so both languages compress the same fields.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from .json import dumps

__all__ = ["COMPRESSION_PREFIX", "DEFAULT_COMPRESSION_THRESHOLD", "compress", "decompress", "sizeof"]

COMPRESSION_PREFIX = "COMPRESSED"
DEFAULT_COMPRESSION_THRESHOLD = 10 * 1024

# JS treats a key as an array index when parseInt(key) is an integer ("12", "3abc", " 7").
_ARRAY_INDEX = re.compile(r"\s*[+-]?\d")


def zip_text(text: str) -> str:
    """base64 of the gzip of ``text`` (UTF-8); mtime 0 so the output is deterministic."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")


def unzip_text(data: str) -> str:
    return gzip.decompress(base64.b64decode(data)).decode("utf-8")


def sizeof(value: Any) -> int:
    """Approximate size in bytes, as the JS ``object-sizeof`` package counts it."""
    if isinstance(value, str):
        return 2 * len(value)
    if isinstance(value, bool):
        return 4
    if isinstance(value, int | float | Decimal):
        return 8
    if value is None:
        return 0
    if isinstance(value, dict):
        return sum(2 * len(str(k)) + sizeof(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sum(sizeof(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return len(value)
    return 2 * len(str(value))


def compress(value: Any, threshold: int = DEFAULT_COMPRESSION_THRESHOLD, ignore: Collection[str] = ()) -> Any:
    """A copy of ``value`` where every field larger than ``threshold`` is compressed.

    Fields named in ``ignore`` are never compressed (their contents may be). The top-level value
    itself is never compressed, so the result keeps its shape (an event stays a dict).
    """
    if sizeof(value) <= threshold:
        return value  # no part of it can be over the threshold
    return _walk(value, threshold, ignore)


def _walk(value: Any, threshold: int, ignore: Collection[str]) -> Any:
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
                out[k] = _walk(v, threshold, ignore) if isinstance(v, dict | list | tuple) else v
        return out
    if isinstance(value, list | tuple):
        return [_walk(v, threshold, ignore) if isinstance(v, dict | list | tuple) else v for v in value]
    return value


def decompress(value: Any) -> Any:
    """``value`` with every compressed string replaced by the value it holds (recursively)."""
    if isinstance(value, str):
        if value.startswith(COMPRESSION_PREFIX):
            return decompress(json.loads(unzip_text(value[len(COMPRESSION_PREFIX) :])))
        return value
    if isinstance(value, dict):
        return {k: decompress(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decompress(v) for v in value]
    return value
