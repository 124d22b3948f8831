"""``send_to_firehose``: events to a Firehose delivery stream, one JSON line per event."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import FIREHOSE, StepBuild, Uow
from ..config import declares_options, env
from ..utils.compression import DEFAULT_COMPRESSION_THRESHOLD
from ._batched import batched_sink
from ._publish import event_to_entry

if TYPE_CHECKING:
    from ..connectors.protocols import FirehoseApi
    from ..core import Stream

__all__ = ["send_to_firehose", "to_firehose_record"]

MAX_BATCH_SIZE = 500
MAX_RECORD_SIZE = 1000 * 1024
MAX_BATCH_BYTES = 4 * 1024 * 1024


def to_firehose_record(event: Any, body: str) -> dict[str, Any]:
    """A PutRecordBatch entry: the event's JSON and a newline (one object per line in S3)."""
    return {"Data": (body + "\n").encode("utf-8")}


@declares_options
def send_to_firehose(
    *,
    delivery_stream_name: str | None = env("DELIVERY_STREAM_NAME"),
    event_field: str = "event",
    put_request_entry_field: str = "put_request_entry",
    put_request_field: str = "put_request",
    put_response_field: str = "put_response",
    batch_size: int = env("FIREHOSE_BATCH_SIZE", "BATCH_SIZE", default=25),
    parallel: int = env("FIREHOSE_PARALLEL", "PARALLEL", default=8),
    compression_threshold: int = env("COMPRESSION_THRESHOLD", default=DEFAULT_COMPRESSION_THRESHOLD),
    compression_ignore: tuple[str, ...] = (),
    connector: FirehoseApi | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Send each uow's event (``event_field``) to ``delivery_stream_name``, ``batch_size`` (≤ 500) a call.

    Events are sent as they are (no standard tags, as in JS). Each uow gets ``put_request_entry``,
    ``put_request`` and ``put_response`` (its record's result).
    """
    b = StepBuild("send_to_firehose", shared)
    name = b.required("delivery_stream_name", delivery_stream_name, "DELIVERY_STREAM_NAME")
    event_f = b.field("event_field", event_field)
    entry_f = b.field("put_request_entry_field", put_request_entry_field)
    request_f = b.field("put_request_field", put_request_field)
    response_f = b.field("put_response_field", put_response_field)
    size = min(b.count("batch_size", batch_size), MAX_BATCH_SIZE)
    n = b.count("parallel", parallel)
    firehose = b.connector(FIREHOSE, connector, n, needs=("put_record_batch",))

    async def call(records: list[Any]) -> Any:
        return await firehose.put_record_batch(name, records)

    to_entry = event_to_entry(
        b,
        event_field=event_f,
        entry_field=entry_f,
        make_entry=to_firehose_record,
        max_entry_bytes=MAX_RECORD_SIZE,
        claim_check=None,
        compression_threshold=b.count("compression_threshold", compression_threshold, minimum=0),
        compression_ignore=b.names("compression_ignore", compression_ignore),
        tag=False,
    )
    send = batched_sink(
        entry_field=entry_f,
        request_field=request_f,
        request=lambda records: {"DeliveryStreamName": name, "Records": records},
        response_field=response_f,
        batch_size=size,
        max_batch_bytes=MAX_BATCH_BYTES,
        parallel=n,
        call=call,
    )

    def step(s: Stream[Uow]) -> Stream[Uow]:
        return s.map(to_entry).through(send)

    return step
