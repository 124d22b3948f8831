"""``from_event_bridge`` and ``from_cron``: one EventBridge event as a stream of one uow."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ._decode import Uow, as_event, checked, decoder, json_value


def _decode(record: Any) -> Uow:
    if not isinstance(record, dict):
        raise TypeError(f"an EventBridge event is an object, got {type(record).__name__}")
    detail = record.get("detail")
    if isinstance(detail, str):  # a detail published as a JSON string
        detail = json_value(detail, "detail")
    detail = checked(as_event(detail, "detail"), "detail")
    checked(record.get("id"), "id")
    return {"record": record, "event": {"id": detail.get("id") or record.get("id"), **detail}}


def from_event_bridge(event: dict[str, Any]) -> Stream[Uow]:
    """The uow ``{record: event, event: {"id": detail.id or event.id, **detail}}``.

    A detail that is not an event (no ``type``) becomes a ``DecodeError`` carrying the record.
    """
    return Stream([event]).map(decoder("from_event_bridge", _decode))


def from_cron(event: dict[str, Any]) -> Stream[Uow]:
    """A scheduled event as the uow ``{record: event, event: event}`` (as JS: no normalization).

    An event that is not safe JSON (nested too deep, a lone surrogate, NaN) is a ``DecodeError``.
    """
    return Stream([event]).map(decoder("from_cron", _cron))


def _cron(event: Any) -> Uow:
    return {"record": event, "event": checked(event, "event")}
