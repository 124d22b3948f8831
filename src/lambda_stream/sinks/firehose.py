"""``send_to_firehose``: events to a Firehose delivery stream, one JSON line per event."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._batched import batched_sink
from ._common import option_number, required_str, resolve_connector
from ._publish import event_to_entry

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["send_to_firehose", "to_firehose_record"]

MAX_BATCH_SIZE = 500
MAX_RECORD_SIZE = 1000 * 1024
MAX_BATCH_BYTES = 4 * 1024 * 1024


def _load() -> Any:
    from ..connectors.firehose import FirehoseConnector

    return FirehoseConnector


def to_firehose_record(event: Any, body: str) -> dict[str, Any]:
    """A PutRecordBatch entry: the event's JSON and a newline (one object per line in S3)."""
    return {"Data": (body + "\n").encode("utf-8")}


def send_to_firehose(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Send each uow's event (``event_field``) to ``delivery_stream_name`` (``DELIVERY_STREAM_NAME``).

    Options: ``batch_size`` (``FIREHOSE_BATCH_SIZE``/``BATCH_SIZE``, 25, at most 500), ``parallel``
    (``FIREHOSE_PARALLEL``/``PARALLEL``, 8), ``compression_threshold``, ``connector``/``connectors``.
    Events are sent as they are (no standard tags, as in JS). Each uow gets ``put_request_entry``,
    ``put_request`` and ``put_response`` (its record's result).
    """
    name = required_str(opt, "delivery_stream_name", ("DELIVERY_STREAM_NAME",), "send_to_firehose")
    event_field = str(opt.get("event_field") or "event")
    entry_field = str(opt.get("put_request_entry_field") or "put_request_entry")
    request_field = str(opt.get("put_request_field") or "put_request")
    response_field = str(opt.get("put_response_field") or "put_response")
    batch_size = min(
        option_number(opt, "batch_size", ("FIREHOSE_BATCH_SIZE", "BATCH_SIZE"), 25), MAX_BATCH_SIZE
    )
    parallel = option_number(opt, "parallel", ("FIREHOSE_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)

    async def call(records: list[Any]) -> Any:
        return await connector.put_record_batch(name, records)

    to_entry = event_to_entry(
        opt,
        event_field=event_field,
        entry_field=entry_field,
        make_entry=to_firehose_record,
        max_entry_bytes=MAX_RECORD_SIZE,
        claim_check=None,
        tag=False,
    )
    send = batched_sink(
        entry_field=entry_field,
        request_field=request_field,
        request=lambda records: {"DeliveryStreamName": name, "Records": records},
        response_field=response_field,
        batch_size=batch_size,
        max_batch_bytes=MAX_BATCH_BYTES,
        parallel=parallel,
        call=call,
    )

    def step(s: Stream[Any]) -> Stream[Any]:
        return s.map(to_entry).through(send)

    return step
