"""The one JSON encoder every sink uses: compact, UTF-8, and aware of DynamoDB's value types.

``Decimal`` becomes an ``int`` when integral else a ``float``; a ``set`` becomes a sorted list;
``bytes`` become base64 text. Separators are compact, as ``JSON.stringify`` writes them.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "loads"]

loads = json.loads


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
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
    """Compact JSON text (non-ASCII kept as is, like ``JSON.stringify``)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=_default)
