"""The demo's three functions, written as a user writes handler modules (each factory is what a
handler module holds at import time; the runner calls it once per container).

- Service X's trigger: every change of X's table is published to the hub (flavor ``cdc``).
- Service Y's listener: X's events from the hub's queue into Y's view table (flavor
  ``materialize``: the newest version wins through the timestamp condition) and into Y's micro
  event store (flavor ``collect``).
- the fault monitor: fault events from the hub's fault queue into the fault bucket, under
  ``faults/date=YYYY-MM-DD/function=<tags.functionname>/<id>.json`` (the keys the fault-monitor
  template's Firehose writes). It never publishes faults of its own: a failure is a batch item
  failure, retried by its queue.

The functions share one process, so each gets its table and bucket names as options, not from
per-function environment variables.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ... import (
    Stream,
    cdc,
    collect,
    default_options,
    from_dynamodb,
    from_sqs_event,
    initialize,
    initialize_from,
    lambda_handler,
    materialize,
    on_event_type,
    put_object_to_s3,
    timestamp_condition,
    update_expression,
)
from ...pipelines import LambdaHandler

THING_EVENTS = ["thing-created", "thing-updated", "thing-deleted"]


@dataclass(frozen=True)
class Names:
    """Every resource of the scenario."""

    x_table: str = "service-x-things"
    bus: str = "event-hub"
    listener_queue: str = "service-y-listener"
    listener_dlq: str = "service-y-listener-dlq"
    trigger_failures: str = "service-x-trigger-failures"
    fault_queue: str = "fault-monitor"
    fault_dlq: str = "fault-monitor-dlq"
    y_table: str = "service-y-things"
    event_store: str = "service-y-events"
    fault_bucket: str = "faults"


# -- Service X's trigger -------------------------------------------------------------------------


def to_change_event(uow: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    """The domain object as it is now (or was, for a removal), keyed by its id."""
    image = uow["event"]["raw"]["new"] or uow["event"]["raw"]["old"]
    fields = {k: v for k, v in image.items() if k not in ("pk", "sk", "discriminator")}
    return {"thing": {"id": image["pk"], **fields}}


def trigger(names: Names) -> LambdaHandler:
    rules = [{"id": "publish-things", "flavor": cdc, "event_type": THING_EVENTS, "to_event": to_change_event}]
    opt = default_options(bus_name=names.bus)
    return lambda_handler(
        initialize(initialize_from(rules), opt), source=from_dynamodb, partial_batch_response=True
    )


# -- Service Y's listener ------------------------------------------------------------------------


def to_view_update(uow: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    """Y's row of a thing: SET what the event says, only if the event is newer than the row."""
    event = uow["event"]
    thing = event["thing"]
    return {
        "Key": {"pk": thing["id"], "sk": "thing"},
        **update_expression(
            {
                "discriminator": "thing",
                "name": thing["name"],  # the poison object has none: the listener cannot map it
                "status": thing.get("status"),
                "deleted": True if event["type"] == "thing-deleted" else None,
                "timestamp": event["timestamp"],
                "lastModifiedBy": event["id"],
            }
        ),
        **timestamp_condition(),
    }


def listener(names: Names) -> LambdaHandler:
    rules = [
        {
            "id": "materialize-things",
            "flavor": materialize,
            "event_type": THING_EVENTS,
            "to_update_request": to_view_update,
            "table_name": names.y_table,
        },
        {
            "id": "collect-things",
            "flavor": collect,
            "event_type": THING_EVENTS,
            "table_name": names.event_store,
        },
    ]
    opt = default_options(bus_name=names.bus)
    return lambda_handler(
        initialize(initialize_from(rules), opt), source=from_sqs_event, partial_batch_response=True
    )


# -- the fault monitor ---------------------------------------------------------------------------


def fault_key(fault: dict[str, Any]) -> str:
    """Where a fault is kept: partitioned by date and by the function that raised it."""
    day = datetime.fromtimestamp(int(fault.get("timestamp") or 0) / 1000, UTC).strftime("%Y-%m-%d")
    function = (fault.get("tags") or {}).get("functionname") or "undefined"
    return f"faults/date={day}/function={function}/{fault['id']}.json"


def to_fault_object(uow: dict[str, Any]) -> dict[str, Any]:
    fault = uow["event"]
    body = json.dumps(fault, default=str, sort_keys=True)
    return {**uow, "put_request": {"Key": fault_key(fault), "Body": body, "ContentType": "application/json"}}


def store_faults(opt: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
    return lambda s: (
        s.filter(on_event_type({"event_type": "fault"})).map(to_fault_object).through(put_object_to_s3(**opt))
    )


def fault_monitor(names: Names) -> LambdaHandler:
    opt = default_options(env={}, bucket_name=names.fault_bucket)  # env={}: no bus, faults are failures
    return lambda_handler(
        initialize({"store-faults": store_faults}, opt),
        source=from_sqs_event,
        partial_batch_response=True,
        faults_as_failures=True,
    )
