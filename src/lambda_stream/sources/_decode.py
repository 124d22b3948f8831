"""Shared by the sources: turn any failure to decode one record into a ``DecodeError`` value.

A decode function raises ``DecodeError(message, uow={"record": record})``; the stream carries it in
place of that record, so the rest of the batch keeps flowing and ``faults`` makes it a fault event.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..errors import DecodeError

Uow = dict[str, Any]
R = TypeVar("R")

# What malformed input makes the parsing code raise (JSONDecodeError, binascii.Error and
# UnicodeDecodeError are ValueErrors; a wrong shape gives KeyError/TypeError/AttributeError).
_DECODE_FAILURES = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def decoder(source: str, fn: Callable[[Any], R]) -> Callable[[Any], R]:
    """Wrap ``fn(record)`` so that any decoding failure raises a ``DecodeError`` carrying the record."""

    @functools.wraps(fn)
    def decode(record: Any) -> R:
        try:
            return fn(record)
        except DecodeError as e:
            if getattr(e, "uow", None) is None:
                e.uow = {"record": record}
            raise
        except _DECODE_FAILURES as e:
            raise DecodeError(
                f"{source}: cannot decode record: {_describe(e)}", uow={"record": record}
            ) from e

    return decode


def records_of(event: Any, key: str, source: str) -> list[Any]:
    """The list of records of a Lambda event; a miswired source fails at once, not per record."""
    records = event.get(key) if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise DecodeError(f"{source}: the Lambda event has no {key!r} list; is the right source wired?")
    return records


def field(obj: Any, key: str, kind: type[R], where: str) -> R:
    """``obj[key]``, checked to be a ``kind``; a DecodeError naming the path otherwise."""
    if not isinstance(obj, Mapping):
        raise DecodeError(f"{where}: expected an object, got {type(obj).__name__}")
    if key not in obj:
        raise DecodeError(f"{where}: missing {key!r}")
    v = obj[key]
    if not isinstance(v, kind):
        raise DecodeError(f"{where}.{key}: expected {kind.__name__}, got {type(v).__name__}")
    return v


def b64_text(data: Any, where: str) -> str:
    """Base64 (strict alphabet) to UTF-8 text."""
    if not isinstance(data, str):
        raise DecodeError(f"{where}: expected base64 text, got {type(data).__name__}")
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise DecodeError(f"{where}: invalid base64 or UTF-8: {e}") from e


def json_value(text: Any, where: str) -> Any:
    if not isinstance(text, str | bytes | bytearray):
        raise DecodeError(f"{where}: expected JSON text, got {type(text).__name__}")
    try:
        return json.loads(text)
    except ValueError as e:
        raise DecodeError(f"{where}: invalid JSON: {e}") from e


def json_object(text: Any, where: str) -> dict[str, Any]:
    value = json_value(text, where)
    if not isinstance(value, dict):
        raise DecodeError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def as_event(payload: Any, where: str) -> dict[str, Any]:
    """An Event payload: a JSON object with a non-empty string ``type``."""
    if not isinstance(payload, dict):
        raise DecodeError(f"{where}: an event is a JSON object, got {type(payload).__name__}")
    t = payload.get("type")
    if not isinstance(t, str) or not t:
        raise DecodeError(f"{where}: the event has no 'type'")
    return payload


def try_json(text: Any) -> Any | None:
    """The parsed JSON object or array in ``text``, or None when it is not one (plain text is fine)."""
    if not isinstance(text, str):
        return None
    s = text.lstrip()
    if not s.startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def _describe(e: BaseException) -> str:
    if isinstance(e, KeyError):
        return f"missing {e.args[0]!r}" if e.args else "missing key"
    return f"{type(e).__name__}: {e}"
