"""``from_event_bridge`` and ``from_cron``: one EventBridge event as a stream of one uow."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ._decode import Uow, as_event, decoder, json_value


def _decode(record: Any) -> Uow:
    if not isinstance(record, dict):
        raise TypeError(f"an EventBridge event is an object, got {type(record).__name__}")
    detail = record.get("detail")
    if isinstance(detail, str):  # a detail published as a JSON string
        detail = json_value(detail, "detail")
    detail = as_event(detail, "detail")
    return {"record": record, "event": {"id": detail.get("id") or record.get("id"), **detail}}


def from_event_bridge(event: dict[str, Any]) -> Stream[Uow]:
    """The uow ``{record: event, event: {"id": detail.id or event.id, **detail}}``.

    A detail that is not an event (no ``type``) becomes a ``DecodeError`` carrying the record.
    """
    return Stream([event]).map(decoder("from_event_bridge", _decode))


def from_cron(event: dict[str, Any]) -> Stream[Uow]:
    """A scheduled event as the uow ``{record: event, event: event}`` (as JS: no normalization)."""
    return Stream([{"record": event, "event": event}])
