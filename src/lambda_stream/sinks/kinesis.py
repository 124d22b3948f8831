"""``publish_to_kinesis``: events to a Kinesis stream with PutRecords (≤ 500 records / 5 MiB a call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import KINESIS, StepBuild, Uow
from ..config import declares_options, env
from ..utils.compression import DEFAULT_COMPRESSION_THRESHOLD
from ._publish import publishing_sink
from .claim_check import claim_check_store

if TYPE_CHECKING:
    from ..connectors.protocols import KinesisApi, S3Writes
    from ..core import Stream

__all__ = ["publish_to_kinesis", "to_kinesis_record"]

MAX_BATCH_SIZE = 500
MAX_RECORD_SIZE = 1024 * 1024  # data + partition key
MAX_BATCH_BYTES = 5 * 1024 * 1024
MAX_PARTITION_KEY_LENGTH = 256  # Unicode characters


def to_kinesis_record(event: Any, body: str) -> dict[str, Any]:
    """A PutRecords entry: the event's JSON as ``Data``, keyed by its ``partitionKey``."""
    key = event.get("partitionKey") or event.get("id")
    # no key at all: a random one spreads such events over the shards (never the literal "None")
    if not key:
        import uuid  # here, not at import: keeps cold start small

        key = uuid.uuid4()
    return {"Data": body.encode("utf-8"), "PartitionKey": str(key)}


@declares_options
def publish_to_kinesis(
    *,
    stream_name: str | None = env("STREAM_NAME"),
    event_field: str = "event",
    publish_request_entry_field: str = "publish_request_entry",
    publish_request_field: str = "publish_request",
    publish_response_field: str = "publish_response",
    batch_size: int = env("PUBLISH_BATCH_SIZE", "BATCH_SIZE", default=25),
    max_request_size: int = MAX_RECORD_SIZE,
    parallel: int = env("PUBLISH_PARALLEL", "PARALLEL", default=8),
    compression_threshold: int = env("COMPRESSION_THRESHOLD", default=DEFAULT_COMPRESSION_THRESHOLD),
    compression_ignore: tuple[str, ...] = (),
    claim_check_bucket_name: str | None = env("CLAIMCHECK_BUCKET_NAME"),
    claim_check_parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    claim_check_connector: S3Writes | None = None,
    put_claim_check_request_field: str = "put_claim_check_request",
    put_claim_check_response_field: str = "put_claim_check_response",
    connector: KinesisApi | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Publish each uow's event (``event_field``) to ``stream_name``, ``batch_size`` (≤ 500) a call.

    ``max_request_size`` is per record (at most 1 MiB). Each uow gets ``publish_request_entry``,
    ``publish_request`` and ``publish_response`` (its record's result). A partition key longer
    than 256 characters fails its own uow with ``AwsValidationError``.
    """
    b = StepBuild("publish_to_kinesis", shared)
    name = b.required("stream_name", stream_name, "STREAM_NAME")
    n = b.count("parallel", parallel)
    claim_check = claim_check_store(
        b,
        claim_check_bucket_name,
        claim_check_connector,
        claim_check_parallel,
        put_claim_check_request_field,
        put_claim_check_response_field,
    )
    kinesis = b.connector(KINESIS, connector, n, needs=("put_records",))

    async def call(records: list[Any]) -> Any:
        return await kinesis.put_records(name, records)

    return publishing_sink(
        b,
        event_field=event_field,
        entry_field=publish_request_entry_field,
        entry_field_name="publish_request_entry_field",
        request_field=publish_request_field,
        request_field_name="publish_request_field",
        response_field=publish_response_field,
        response_field_name="publish_response_field",
        make_entry=to_kinesis_record,
        max_entry_bytes=min(b.count("max_request_size", max_request_size), MAX_RECORD_SIZE),
        batch_size=min(b.count("batch_size", batch_size), MAX_BATCH_SIZE),
        max_batch_bytes=MAX_BATCH_BYTES,
        parallel=n,
        call=call,
        request=lambda records: {"StreamName": name, "Records": records},
        compression_threshold=compression_threshold,
        compression_ignore=compression_ignore,
        claim_check=claim_check,
        validate=validate_record,
    )


def validate_record(record: dict[str, Any]) -> str | None:
    """Why PutRecords would reject the record, checked before sending (else the whole call fails)."""
    key = record.get("PartitionKey")
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_PARTITION_KEY_LENGTH:
        shown = key if not isinstance(key, str) or len(key) <= 40 else key[:40] + "..."
        return f"PartitionKey must be 1 to {MAX_PARTITION_KEY_LENGTH} characters, got {shown!r}"
    return None
