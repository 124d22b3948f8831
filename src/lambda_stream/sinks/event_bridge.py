"""``publish_to_event_bridge``: events to an EventBridge bus, in batches of at most 10 / 1 MiB."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import EVENT_BRIDGE, KIB, StepBuild, Uow
from ..config import declares_options, env
from ..utils.compression import DEFAULT_COMPRESSION_THRESHOLD
from ._publish import publishing_sink
from .claim_check import claim_check_store

if TYPE_CHECKING:
    from ..connectors.protocols import EventBridgeApi, S3Writes
    from ..core import Stream

__all__ = ["publish_to_event_bridge"]

MAX_BATCH_SIZE = 10  # PutEvents takes at most 10 entries
MAX_REQUEST_SIZE = 1024 * KIB  # AWS's limit since January 2026 (emulators may still enforce 256 KiB)


@declares_options
def publish_to_event_bridge(
    *,
    bus_name: str | None = env("BUS_NAME"),
    source: str = env("BUS_SRC", default="custom"),
    event_field: str = "event",
    publish_request_entry_field: str = "publish_request_entry",
    publish_request_field: str = "publish_request",
    publish_response_field: str = "publish_response",
    batch_size: int = env("PUBLISH_BATCH_SIZE", "BATCH_SIZE", default=10),
    max_request_size: int = env("PUBLISH_MAX_REQ_SIZE", "MAX_REQ_SIZE", default=MAX_REQUEST_SIZE),
    parallel: int = env("PUBLISH_PARALLEL", "PARALLEL", default=8),
    compression_threshold: int = env("COMPRESSION_THRESHOLD", default=DEFAULT_COMPRESSION_THRESHOLD),
    compression_ignore: tuple[str, ...] = (),
    claim_check_bucket_name: str | None = env("CLAIMCHECK_BUCKET_NAME"),
    claim_check_parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    claim_check_connector: S3Writes | None = None,
    put_claim_check_request_field: str = "put_claim_check_request",
    put_claim_check_response_field: str = "put_claim_check_response",
    connector: EventBridgeApi | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Publish each uow's event (``event_field``) to the bus, ``batch_size`` (never more than 10) a call.

    Each uow gets ``publish_request_entry``, ``publish_request`` (the batch) and
    ``publish_response`` (its entry's result); a uow without an event passes through untouched.
    An event without a ``type`` (the entry's ``DetailType``) fails its own uow with
    ``AwsValidationError``; so does one over ``max_request_size`` without a claim-check bucket.
    """
    b = StepBuild("publish_to_event_bridge", shared)
    bus = b.required("bus_name", bus_name, "BUS_NAME")
    src = b.required("source", source, "BUS_SRC")
    max_size = b.count("max_request_size", max_request_size)
    n = b.count("parallel", parallel)
    claim_check = claim_check_store(
        b,
        claim_check_bucket_name,
        claim_check_connector,
        claim_check_parallel,
        put_claim_check_request_field,
        put_claim_check_response_field,
    )
    bridge = b.connector(EVENT_BRIDGE, connector, n, needs=("put_events",))

    def make_entry(event: Any, body: str) -> dict[str, Any]:
        return {"EventBusName": bus, "Source": src, "DetailType": event.get("type"), "Detail": body}

    return publishing_sink(
        b,
        event_field=event_field,
        entry_field=publish_request_entry_field,
        entry_field_name="publish_request_entry_field",
        request_field=publish_request_field,
        request_field_name="publish_request_field",
        response_field=publish_response_field,
        response_field_name="publish_response_field",
        make_entry=make_entry,
        max_entry_bytes=max_size,
        batch_size=min(b.count("batch_size", batch_size), MAX_BATCH_SIZE),
        max_batch_bytes=max_size,
        parallel=n,
        call=bridge.put_events,
        request=lambda entries: {"Entries": entries},
        compression_threshold=compression_threshold,
        compression_ignore=compression_ignore,
        claim_check=claim_check,
        validate=validate_entry,
    )


def validate_entry(entry: dict[str, Any]) -> str | None:
    """Why PutEvents would reject the entry, checked before sending (else the whole call fails)."""
    detail_type = entry.get("DetailType")
    if not isinstance(detail_type, str) or not detail_type:
        return f"DetailType must be a non-empty string (the event's type), got {detail_type!r}"
    source = entry.get("Source")
    if not isinstance(source, str) or not source:
        return f"Source must be a non-empty string, got {source!r}"
    return None
