"""``send_to_firehose``: events to a Firehose delivery stream, one JSON line per event."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import FIREHOSE, StepBuild, Uow
from ..config import declares_options, env
from ..utils.compression import DEFAULT_COMPRESSION_THRESHOLD
from ._publish import publishing_sink

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
    n = b.count("parallel", parallel)
    firehose = b.connector(FIREHOSE, connector, n, needs=("put_record_batch",))

    async def call(records: list[Any]) -> Any:
        return await firehose.put_record_batch(name, records)

    return publishing_sink(
        b,
        event_field=event_field,
        entry_field=put_request_entry_field,
        entry_field_name="put_request_entry_field",
        request_field=put_request_field,
        request_field_name="put_request_field",
        response_field=put_response_field,
        response_field_name="put_response_field",
        make_entry=to_firehose_record,
        max_entry_bytes=MAX_RECORD_SIZE,
        batch_size=min(b.count("batch_size", batch_size), MAX_BATCH_SIZE),
        max_batch_bytes=MAX_BATCH_BYTES,
        parallel=n,
        call=call,
        request=lambda records: {"DeliveryStreamName": name, "Records": records},
        compression_threshold=compression_threshold,
        compression_ignore=compression_ignore,
        tag=False,
    )
