"""``expired`` (alias ``expire``): a trigger on the event store's stream that emits
``<type>-expired`` when DynamoDB's TTL removes a row that ``collect`` or ``correlate`` marked
with ``expire``.

Usable as a rule flavor without ``event_type`` or as a plain pipeline
(``initialize({"expired": expired}, opt)``). Rule fields: ``id``, ``flavor``, ``publish`` (the
sink that emits; EventBridge by default) and its options. As in JS the TTL principal is not
checked: a REMOVE of a row with ``ttl`` and ``expire`` set whose ``ApproximateCreationDateTime``
is at or after the ttl fires. The emitted event (on ``emit``)::

    {**event, id: <the DynamoDB eventID>, type: "<type>-expired" ("<type>.expired" for a dotted
     type; the ``expire`` value itself when it is a string), timestamp: ttl * 1000 +
     event.timestamp % 1000, triggers: [{id, type, timestamp}], tags}
"""

from __future__ import annotations

from typing import Any

from ..faults.wrap import attach_uow
from ._publish import publisher
from ._steps import chain, keep, mapped, retryable, trigger_of
from .rule import Step, flavor

__all__ = ["expire", "expired"]

Uow = dict[str, Any]


def for_expiration(uow: Uow) -> bool:
    record = uow.get("record") or {}
    if record.get("eventName") != "REMOVE":
        return False
    old = ((uow.get("event") or {}).get("raw") or {}).get("old") or {}
    ttl, expire = old.get("ttl"), old.get("expire")
    if ttl is None or expire is None:
        return False
    removed = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
    return removed is not None and removed >= ttl


def expired_type(event_type: str, expire: Any) -> str:
    if isinstance(expire, str):
        return expire
    return f"{event_type}.expired" if "." in event_type else f"{event_type}-expired"


def to_expired_event(uow: Uow) -> Uow:
    try:
        old = uow["event"]["raw"]["old"]
        ttl, event = old["ttl"], old["event"]
        emit = {
            **event,
            "id": uow["event"]["id"],
            "type": expired_type(event["type"], old["expire"]),
            "timestamp": int(ttl) * 1000 + int(event["timestamp"]) % 1000,
            "triggers": [trigger_of(event)],
        }
    except Exception as e:
        raise attach_uow(e, uow) from e.__cause__
    return {**uow, "emit": emit}


@flavor(fields=("publish",), required=())
def expired(rule: dict[str, Any]) -> Step:
    """TTL-removed rows marked ``expire`` -> ``<type>-expired`` events -> ``publish``."""
    return chain(keep(for_expiration), mapped(to_expired_event), publisher(rule, "emit"), retryable(rule))


expire = expired
