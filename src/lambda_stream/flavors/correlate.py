"""``correlate``: a trigger on the event store's stream that files each collected event again
under another correlation key (a CORREL row), so ``evaluate`` can query it with its peers.

Rule fields: ``id``, ``flavor``, ``event_type``, ``filters``, ``correlation_key`` (a dotted path
into the event or ``fn(uow)``; default ``event.partitionKey``), ``correlation_key_suffix`` (the
row's pk is ``<key>.<suffix>``: several correlations of one key), ``ttl`` (days or
``fn(rule, uow)``; default: the collected row's ttl), ``default_ttl``, ``expire``, ``parallel``,
``rate``, ``retryable``, and the options of ``put_dynamodb``.

Only INSERTs of EVENT rows are read; the uow's event becomes the stored one and ``meta`` holds
``{sequenceNumber, ttl, data}`` of its row. Row (``put_request.Item``; unset fields left out)::

    {pk: <key>[.<suffix>], sk: event.id, discriminator: "CORREL", timestamp, awsregion,
     sequenceNumber, ttl, expire, suffix, ruleId: rule.id, event}
"""

from __future__ import annotations

from typing import Any

from ..faults.wrap import attach_uow
from ..sinks.dynamodb import put_dynamodb
from ._steps import chain, keep, mapped, retryable, select
from ._store import CORREL, EVENT, correlation_key, record_sk, region, row, stored, ttl_of
from .rule import Step, flavor

__all__ = ["correlate", "for_collected_events", "normalize"]

Uow = dict[str, Any]


def for_collected_events(uow: Uow) -> bool:
    """An INSERT of an EVENT row (what ``collect`` wrote)."""
    record = uow.get("record") or {}
    return record.get("eventName") == "INSERT" and record_sk(uow) == EVENT


def normalize(uow: Uow) -> Uow:
    """The stored event in place of the change event, its row's facts in ``meta``."""
    new = stored(uow)
    meta = {"sequenceNumber": new.get("sequenceNumber"), "ttl": new.get("ttl"), "data": new.get("data")}
    return {**uow, "meta": meta, "event": new.get("event")}


@flavor(fields=("correlation_key", "correlation_key_suffix", "ttl", "default_ttl", "expire"))
def correlate(rule: dict[str, Any]) -> Step:
    """Collected events of ``event_type`` -> a CORREL row -> ``put_dynamodb``."""
    key_of = correlation_key(rule)
    suffix = rule.get("correlation_key_suffix") or None
    ttl_for = ttl_of(rule) if rule.get("ttl") else None
    aws_region = region()
    expire = rule.get("expire")
    rule_id = rule.get("id")
    sink = put_dynamodb(**rule)

    def to_put_request(uow: Uow) -> Uow:
        try:
            key = key_of(uow)
            if suffix is not None:
                key = f"{key}.{suffix}"
            event = uow["event"]
            meta = uow["meta"]
            item = row(
                pk=key,
                sk=event.get("id"),
                discriminator=CORREL,
                timestamp=event.get("timestamp"),
                awsregion=aws_region,
                sequenceNumber=meta.get("sequenceNumber"),
                ttl=ttl_for(uow) if ttl_for is not None else meta.get("ttl"),
                expire=expire,
                suffix=suffix,
                ruleId=rule_id,
                event=event,
            )
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__
        return {**uow, "key": key, "put_request": {"Item": item}}

    return chain(
        keep(for_collected_events),
        mapped(normalize),
        select(rule),
        mapped(to_put_request),
        sink,
        retryable(rule),
    )
