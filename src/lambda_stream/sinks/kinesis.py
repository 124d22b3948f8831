"""``publish_to_kinesis``: events to a Kinesis stream with PutRecords (≤ 500 records / 5 MiB a call)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._batched import batched_sink
from ._common import option_number, required_str, resolve_connector
from ._publish import event_to_entry
from .claim_check import claim_check_store

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["publish_to_kinesis", "to_kinesis_record"]

MAX_BATCH_SIZE = 500
MAX_RECORD_SIZE = 1024 * 1024  # data + partition key
MAX_BATCH_BYTES = 5 * 1024 * 1024
MAX_PARTITION_KEY_LENGTH = 256  # Unicode characters


def _load() -> Any:
    from ..connectors.kinesis import KinesisConnector

    return KinesisConnector


def to_kinesis_record(event: Any, body: str) -> dict[str, Any]:
    """A PutRecords entry: the event's JSON as ``Data``, keyed by its ``partitionKey``."""
    key = event.get("partitionKey") or event.get("id")
    # no key at all: a random one spreads such events over the shards (never the literal "None")
    return {"Data": body.encode("utf-8"), "PartitionKey": str(key) if key else str(uuid.uuid4())}


def publish_to_kinesis(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Publish each uow's event (``event_field``) to ``stream_name`` (``STREAM_NAME``).

    Options: ``batch_size`` (``PUBLISH_BATCH_SIZE``/``BATCH_SIZE``, 25, at most 500),
    ``max_request_size`` (per record, 1 MiB), ``parallel`` (``PUBLISH_PARALLEL``/``PARALLEL``, 8),
    ``compression_threshold``, claim-check options, ``connector``/``connectors``. Each uow gets
    ``publish_request_entry``, ``publish_request`` and ``publish_response`` (its record's result).
    A partition key longer than 256 characters fails its own uow with ``AwsValidationError``.
    """
    stream_name = required_str(opt, "stream_name", ("STREAM_NAME",), "publish_to_kinesis")
    event_field = str(opt.get("event_field") or "event")
    entry_field = str(opt.get("publish_request_entry_field") or "publish_request_entry")
    request_field = str(opt.get("publish_request_field") or "publish_request")
    response_field = str(opt.get("publish_response_field") or "publish_response")
    batch_size = min(
        option_number(opt, "batch_size", ("PUBLISH_BATCH_SIZE", "BATCH_SIZE"), 25), MAX_BATCH_SIZE
    )
    max_size = min(option_number(opt, "max_request_size", (), MAX_RECORD_SIZE), MAX_RECORD_SIZE)
    parallel = option_number(opt, "parallel", ("PUBLISH_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)
    claim_check = claim_check_store(opt)

    async def call(records: list[Any]) -> Any:
        return await connector.put_records(stream_name, records)

    to_entry = event_to_entry(
        opt,
        event_field=event_field,
        entry_field=entry_field,
        make_entry=to_kinesis_record,
        max_entry_bytes=max_size,
        claim_check=claim_check,
        validate=validate_record,
    )
    send = batched_sink(
        entry_field=entry_field,
        request_field=request_field,
        request=lambda records: {"StreamName": stream_name, "Records": records},
        response_field=response_field,
        batch_size=batch_size,
        max_batch_bytes=MAX_BATCH_BYTES,
        parallel=parallel,
        call=call,
        claim_check=claim_check,
    )

    def step(s: Stream[Any]) -> Stream[Any]:
        return s.map(to_entry).through(send)

    return step


def validate_record(record: dict[str, Any]) -> str | None:
    """Why PutRecords would reject the record, checked before sending (else the whole call fails)."""
    key = record.get("PartitionKey")
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_PARTITION_KEY_LENGTH:
        shown = key if not isinstance(key, str) or len(key) <= 40 else key[:40] + "..."
        return f"PartitionKey must be 1 to {MAX_PARTITION_KEY_LENGTH} characters, got {shown!r}"
    return None
