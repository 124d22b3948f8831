"""``publish_to_event_bridge``: events to an EventBridge bus, in batches of at most 10 / 256 KiB."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._batched import batched_sink
from ._common import MAX_REQUEST_SIZE, option_number, option_str, required_str, resolve_connector
from ._publish import event_to_entry
from .claim_check import claim_check_store

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["publish_to_event_bridge"]

MAX_BATCH_SIZE = 10  # PutEvents takes at most 10 entries


def _load() -> Any:
    from ..connectors.event_bridge import EventBridgeConnector

    return EventBridgeConnector


def publish_to_event_bridge(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Publish each uow's event (``event_field``, default ``"event"``) to the bus.

    Options: ``bus_name`` (``BUS_NAME``), ``source`` (``BUS_SRC``, default ``"custom"``),
    ``batch_size`` (``PUBLISH_BATCH_SIZE``/``BATCH_SIZE``, 10, never more), ``max_request_size``
    (``PUBLISH_MAX_REQ_SIZE``/``MAX_REQ_SIZE``, 256 KiB), ``parallel`` (``PUBLISH_PARALLEL``/
    ``PARALLEL``, 8), ``compression_threshold``, claim-check options, ``connector``/``connectors``.
    Each uow gets ``publish_request_entry``, ``publish_request`` (the batch) and ``publish_response``
    (its entry's result); a uow without an event passes through untouched. An event without a
    ``type`` (the entry's ``DetailType``) fails its own uow with ``AwsValidationError``.
    """
    bus_name = required_str(opt, "bus_name", ("BUS_NAME",), "publish_to_event_bridge")
    source = option_str(opt, "source", ("BUS_SRC",), "custom")
    event_field = str(opt.get("event_field") or "event")
    entry_field = str(opt.get("publish_request_entry_field") or "publish_request_entry")
    request_field = str(opt.get("publish_request_field") or "publish_request")
    response_field = str(opt.get("publish_response_field") or "publish_response")
    batch_size = min(
        option_number(opt, "batch_size", ("PUBLISH_BATCH_SIZE", "BATCH_SIZE"), 10), MAX_BATCH_SIZE
    )
    max_size = option_number(
        opt, "max_request_size", ("PUBLISH_MAX_REQ_SIZE", "MAX_REQ_SIZE"), MAX_REQUEST_SIZE
    )
    parallel = option_number(opt, "parallel", ("PUBLISH_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)
    claim_check = claim_check_store(opt)

    def make_entry(event: Any, body: str) -> dict[str, Any]:
        return {"EventBusName": bus_name, "Source": source, "DetailType": event.get("type"), "Detail": body}

    to_entry = event_to_entry(
        opt,
        event_field=event_field,
        entry_field=entry_field,
        make_entry=make_entry,
        max_entry_bytes=max_size,
        claim_check=claim_check,
        validate=validate_entry,
    )
    send = batched_sink(
        entry_field=entry_field,
        request_field=request_field,
        request=lambda entries: {"Entries": entries},
        response_field=response_field,
        batch_size=batch_size,
        max_batch_bytes=max_size,
        parallel=parallel,
        call=connector.put_events,
        claim_check=claim_check,
    )

    def step(s: Stream[Any]) -> Stream[Any]:
        return s.map(to_entry).through(send)

    return step


def validate_entry(entry: dict[str, Any]) -> str | None:
    """Why PutEvents would reject the entry, checked before sending (else the whole call fails)."""
    detail_type = entry.get("DetailType")
    if not isinstance(detail_type, str) or not detail_type:
        return f"DetailType must be a non-empty string (the event's type), got {detail_type!r}"
    source = entry.get("Source")
    if not isinstance(source, str) or not source:
        return f"Source must be a non-empty string, got {source!r}"
    return None
