"""``collect``: a listener that writes each event into the micro event store (idempotently).

Rule fields: ``id``, ``flavor``, ``event_type`` (one collect rule per event type: two would
write the same row), ``filters``, ``correlation_key`` (a dotted path into the event or
``fn(uow)``; default ``event.partitionKey``), ``ttl`` (days, or ``fn(rule, uow)``),
``default_ttl`` (33), ``expire`` (bool or an event type), ``include_raw``, ``to_put_request``
(replaces the row), ``parallel``, ``rate``, ``retryable``, and the options of ``put_dynamodb``
(``table_name``: ``EVENT_TABLE_NAME``, else ``ENTITY_TABLE_NAME``).

Row (``put_request.Item``, the JS attribute names; an unset field is left out, never NULL)::

    {pk: event.id, sk: "EVENT", discriminator: "EVENT", timestamp, awsregion: AWS_REGION,
     sequenceNumber: <Kinesis sequenceNumber | SQS SequenceNumber>, ttl, expire, data: <key>,
     event: <the event without raw, unless include_raw>}

The uow gains ``key``, ``put_request`` and ``put_response``.
"""

from __future__ import annotations

from typing import Any

from ..faults.wrap import attach_uow
from ..sinks.dynamodb import put_dynamodb
from ._steps import assign, chain, guarded, mapped, retryable, select
from ._store import EVENT, correlation_key, region, row, ttl_of
from .rule import Step, flavor

__all__ = ["collect"]

Uow = dict[str, Any]


def _sequence_number(record: Any) -> Any:
    if not isinstance(record, dict):
        return None
    kinesis = record.get("kinesis")
    if isinstance(kinesis, dict) and kinesis.get("sequenceNumber"):
        return kinesis["sequenceNumber"]
    attributes = record.get("attributes")
    return attributes.get("SequenceNumber") if isinstance(attributes, dict) else None


@flavor(
    fields=("correlation_key", "ttl", "default_ttl", "expire", "include_raw"),
    functions=("to_put_request",),
)
def collect(rule: dict[str, Any]) -> Step:
    """Events of ``event_type`` -> an EVENT row -> ``put_dynamodb``."""
    key_of = correlation_key(rule)
    ttl_for = ttl_of(rule)
    aws_region = region()
    expire = rule.get("expire")
    include_raw = bool(rule.get("include_raw"))
    sink = put_dynamodb(**rule)

    def with_key(uow: Uow) -> Uow:
        return {**uow, "key": key_of(uow)}

    def to_put_request(uow: Uow) -> Uow:
        try:
            key = key_of(uow)
            event = uow["event"]
            stored = event if include_raw else {k: v for k, v in event.items() if k != "raw"}
            item = row(
                pk=event.get("id"),
                sk=EVENT,
                discriminator=EVENT,
                timestamp=event.get("timestamp"),
                awsregion=aws_region,
                sequenceNumber=_sequence_number(uow.get("record")),
                ttl=ttl_for(uow),
                expire=expire,
                data=key,
                event=stored,
            )
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__
        return {**uow, "key": key, "put_request": {"Item": item}}

    if rule.get("to_put_request") is not None:
        to_row = chain(mapped(guarded(with_key)), assign(rule, "to_put_request", "put_request"))
    else:
        to_row = mapped(to_put_request)
    return chain(select(rule), to_row, sink, retryable(rule))
