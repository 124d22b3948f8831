"""DynamoDB JSON (the attribute-value format of stream records) without boto3.

``marshall`` turns a Python value into an attribute value (``{"S": "x"}``, ``{"N": "1"}``, ...) in
the JSON wire format a stream record carries, so binary values come out base64-encoded.
``unmarshall`` reverses it; numbers come back as ``int`` when integral, else ``Decimal`` (never
``float``: DynamoDB numbers are exact decimals). Bad input raises ``ValueError``/``TypeError``:
among it a value nested deeper than ``MAX_NESTING`` levels (DynamoDB allows 32) and a string
holding a lone surrogate (DynamoDB stores UTF-8 only).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .json import MAX_NESTING, TooDeepError, has_surrogate

__all__ = ["marshall", "marshall_image", "unmarshall", "unmarshall_image"]

_BYTES = (bytes, bytearray, memoryview)


def marshall(value: Any) -> dict[str, Any]:
    """One Python value as a DynamoDB attribute value (JSON wire format: ``B`` is base64)."""
    return _marshall(value, MAX_NESTING)


def _marshall(value: Any, room: int) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | float | Decimal):
        return {"N": _number(value)}
    if isinstance(value, _BYTES):
        return {"B": _b64(value)}
    if isinstance(value, set | frozenset):
        return _marshall_set(value)
    if isinstance(value, list | tuple | Mapping) and room <= 0:
        raise TooDeepError(f"DynamoDB values nest at most 32 levels; this one is deeper than {MAX_NESTING}")
    if isinstance(value, list | tuple):
        return {"L": [_marshall(v, room - 1) for v in value]}
    if isinstance(value, Mapping):
        return {"M": _marshall_image(value, room - 1)}
    raise TypeError(f"cannot marshall a {type(value).__name__} to DynamoDB JSON")


def marshall_image(item: Mapping[str, Any]) -> dict[str, Any]:
    """A whole item (a mapping of attribute names to Python values) as DynamoDB JSON."""
    return _marshall_image(item, MAX_NESTING)


def _marshall_image(item: Mapping[str, Any], room: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in item.items():
        if not isinstance(k, str):
            raise TypeError(f"DynamoDB attribute names are strings, not {type(k).__name__}: {k!r}")
        out[k] = _marshall(v, room)
    return out


def unmarshall(attr: Mapping[str, Any]) -> Any:
    """One DynamoDB attribute value as a Python value (``B`` may be base64 text or raw bytes)."""
    return _unmarshall(attr, MAX_NESTING)


def _unmarshall(attr: Mapping[str, Any], room: int) -> Any:
    if not isinstance(attr, Mapping) or len(attr) != 1:
        raise ValueError(f"a DynamoDB attribute value has exactly one type key, got {attr!r}")
    ((tag, v),) = attr.items()
    if tag == "S":
        return _text(v)
    if tag == "N":
        return _parse_number(_expect(v, str, tag))
    if tag == "BOOL":
        return _expect(v, bool, tag)
    if tag == "NULL":
        if v is not True:
            raise ValueError(f"NULL must be true, got {v!r}")
        return None
    if tag == "B":
        return _unb64(v)
    if tag == "SS":
        return {_text(x) for x in _expect(v, list, tag)}
    if tag == "NS":
        return {_parse_number(_expect(x, str, tag)) for x in _expect(v, list, tag)}
    if tag == "BS":
        return {_unb64(x) for x in _expect(v, list, tag)}
    if tag in ("L", "M") and room <= 0:
        raise TooDeepError(f"DynamoDB values nest at most 32 levels; this one is deeper than {MAX_NESTING}")
    if tag == "L":
        return [_unmarshall(x, room - 1) for x in _expect(v, list, tag)]
    if tag == "M":
        return _unmarshall_image(_expect(v, dict, tag), room - 1)
    raise ValueError(f"unknown DynamoDB attribute type {tag!r}")


def unmarshall_image(image: Mapping[str, Any]) -> dict[str, Any]:
    """A whole item (``NewImage``, ``OldImage``, ``Keys``) as a plain dict."""
    return _unmarshall_image(image, MAX_NESTING)


def _unmarshall_image(image: Mapping[str, Any], room: int) -> dict[str, Any]:
    if not isinstance(image, Mapping):
        raise ValueError(f"a DynamoDB image is an object, got {type(image).__name__}")
    return {_text(k): _unmarshall(v, room) for k, v in image.items()}


def _text(v: Any) -> str:
    s: str = _expect(v, str, "S")
    if has_surrogate(s):
        raise ValueError("a DynamoDB string holds a lone surrogate (no UTF-8 form)")
    return s


def _expect(v: Any, kind: type[Any], tag: str) -> Any:
    if not isinstance(v, kind):
        raise ValueError(f"{tag} holds a {kind.__name__}, got {type(v).__name__}: {v!r}")
    return v


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    d = Decimal(str(value)) if isinstance(value, float) else value  # str(): no binary noise
    if not d.is_finite():
        raise ValueError(f"DynamoDB numbers are finite, got {value!r}")
    return str(d)


def _parse_number(text: str) -> int | Decimal:
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a DynamoDB number: {text!r}") from None
    if not d.is_finite():
        raise ValueError(f"not a DynamoDB number: {text!r}")
    if d == d.to_integral_value():
        return int(d)
    return d


def _b64(value: bytes | bytearray | memoryview) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _unb64(v: Any) -> bytes:
    if isinstance(v, _BYTES):
        return bytes(v)
    if not isinstance(v, str):
        raise ValueError(f"B holds base64 text or bytes, got {type(v).__name__}")
    try:
        return base64.b64decode(v, validate=True)
    except binascii.Error as e:
        raise ValueError(f"B holds invalid base64: {e}") from None


def _marshall_set(value: set[Any] | frozenset[Any]) -> dict[str, Any]:
    if not value:
        raise ValueError("DynamoDB has no empty sets; leave the attribute out or use None")
    items = list(value)
    if all(isinstance(x, str) for x in items):
        return {"SS": sorted(items)}
    if all(isinstance(x, int | float | Decimal) and not isinstance(x, bool) for x in items):
        nums = sorted((Decimal(str(x)) if isinstance(x, float) else Decimal(x)) for x in items)
        return {"NS": [_number(x) for x in nums]}
    if all(isinstance(x, _BYTES) for x in items):
        return {"BS": sorted(_b64(x) for x in items)}
    raise TypeError("a DynamoDB set holds only strings, only numbers or only bytes")
