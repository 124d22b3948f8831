"""Shared by the sources: turn any failure to decode one record into a ``DecodeError`` value.

A decode function raises ``DecodeError(message, uow={"record": record})``; the stream carries it in
place of that record, so the rest of the batch keeps flowing and ``faults`` makes it a fault event.

Hostile input is rejected here, once, so that nothing downstream has to defend against it (see
docs/faults-and-batch-failures.md, "Hostile input"): JSON nested deeper than ``MAX_NESTING`` (256)
levels, ``NaN`` / ``Infinity`` (not JSON: JS ``JSON.parse`` rejects them) and lone surrogates
(``"\\ud800"``: no UTF-8 form, so no sink could send them) each make the record a DecodeError.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..errors import DecodeError
from ..utils.compression import decompress as decompress_value
from ..utils.compression import may_be_compressed
from ..utils.json import MAX_NESTING, TooDeepError, has_surrogate, json_problem, loads

Uow = dict[str, Any]
R = TypeVar("R")

# Whatever decoding one record raises is that record's problem: malformed input gives ValueError
# (JSONDecodeError, binascii.Error, UnicodeDecodeError), a wrong shape KeyError / TypeError /
# AttributeError, hostile numbers OverflowError; none of it may fail the whole batch.
_DECODE_FAILURES = (Exception,)

# A JSON escape of a surrogate (``\ud800``): a lone one has no UTF-8 form (a pair is fine).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


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
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise DecodeError(f"{where}: expected an object, got {type(obj).__name__}")
    if key not in obj:
        raise DecodeError(f"{where}: missing {key!r}")
    v = obj[key]
    if not isinstance(v, kind):
        raise DecodeError(f"{where}.{key}: expected {kind.__name__}, got {type(v).__name__}")
    if isinstance(v, str) and has_surrogate(v):
        raise DecodeError(f"{where}.{key}: holds a lone surrogate (no UTF-8 form)")
    return v


def b64_text(data: Any, where: str) -> str:
    """Base64 (strict alphabet) to UTF-8 text."""
    if not isinstance(data, str):
        raise DecodeError(f"{where}: expected base64 text, got {type(data).__name__}")
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise DecodeError(f"{where}: invalid base64 or UTF-8: {e}") from e


def json_value(text: Any, where: str, *, decompress: bool = False) -> Any:
    """The value of JSON ``text``; with ``decompress``, as JS ``JSON.parse(text, decompress)``.

    The reviver only runs when the text can hold a compressed field (see ``may_be_compressed``), so
    an ordinary payload costs one substring scan and is returned exactly as ``json.loads`` built it.
    Text that is not strict JSON, or is hostile (see the module docstring), raises DecodeError.
    """
    value = parse_json(text, where)
    if decompress and may_be_compressed(text):
        value = decompress_value(value, where)
    return value


def parse_json(text: Any, where: str, limit: int = MAX_NESTING) -> Any:
    """Strict JSON ``text`` parsed and checked: not nested deeper than ``limit``, no lone surrogate.

    The checks cost a substring count on ordinary payloads: the parsed value is only walked when
    the text has more brackets than ``limit`` or escapes a surrogate.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DecodeError(f"{where}: invalid UTF-8: {e}") from e
    if not isinstance(text, str):
        raise DecodeError(f"{where}: expected JSON text, got {type(text).__name__}")
    if has_surrogate(text):
        raise DecodeError(f"{where}: the text holds a lone surrogate (no UTF-8 form)")
    try:
        value = loads(text)
    except ValueError as e:
        raise DecodeError(f"{where}: invalid JSON: {e}") from e
    if text.count("[") + text.count("{") > limit or ("\\u" in text and _SURROGATE_ESCAPE.search(text)):
        checked(value, where, limit)
    return value


def checked(value: Any, where: str, limit: int = MAX_NESTING) -> Any:
    """``value`` when it is safe to carry as JSON (see ``json_problem``); DecodeError otherwise."""
    problem = json_problem(value, limit)
    if problem is not None:
        raise DecodeError(f"{where}: {problem}")
    return value


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
        value = loads(text)
    except TooDeepError:
        raise DecodeError(f"the JSON text is nested deeper than {MAX_NESTING} levels") from None
    except ValueError:
        return None
    if isinstance(value, dict | list):
        return checked(value, "the JSON text")
    return None


def _describe(e: BaseException) -> str:
    if isinstance(e, KeyError):
        return f"missing {e.args[0]!r}" if e.args else "missing key"
    return f"{type(e).__name__}: {e}"
