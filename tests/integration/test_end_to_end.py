"""A whole handler over real HTTP: Kinesis batch -> pipelines -> EventBridge -> SQS, with faults.

The EventBridge client throttles ~30% of entries on their first sends and always fails one
entry (wire-level fault injection): every derived event must arrive, and exactly the uow whose
entry kept failing must become a fault (published to the bus, or reported as a batch item failure
from its record onwards).

Delivery is at least once, not exactly once: on a loaded machine a PutEvents call can outlive the
client's read timeout, and botocore's own retry then resends the whole request, so entries the
service already accepted arrive twice. A duplicate is always the same event (same id, same
content): consumers dedupe by id. See docs/sinks-and-connectors.md, "Duplicates".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream import (
    default_options,
    from_kinesis,
    initialize,
    lambda_handler,
    on_event_type,
    publish_to_event_bridge,
)
from lambda_stream.connectors import ConnectorCache, EventBridgeConnector, SqsConnector
from lambda_stream.testing import to_kinesis_records
from lambda_stream.testing.fault_injection import FaultInjector

BUS = "bus"
N = 60
POISON = "derived-e13"


def derive(opt: dict[str, Any]) -> Any:
    def to_derived(uow: dict[str, Any]) -> dict[str, Any]:
        e = uow["event"]
        derived = {"id": f"derived-{e['id']}", "type": "thing-derived", "timestamp": e["timestamp"]}
        return {**uow, "event": derived}

    return lambda s: (
        s.filter(on_event_type({"event_type": "thing-created"}))
        .map(to_derived)
        .through(publish_to_event_bridge(**opt))
    )


@pytest.fixture
def wiring(aws: str, connectors: ConnectorCache) -> tuple[EventBridgeConnector, Any, str, FaultInjector]:
    bridge = EventBridgeConnector(retry_base_delay=0.001, parallel=8)
    sqs = connectors.get(SqsConnector).client
    queue_url = sqs.create_queue(QueueName="all")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bridge.client.create_event_bus(Name=BUS)
    bridge.client.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["custom"]}))
    bridge.client.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    injector = FaultInjector(
        fraction=0.3, attempts=2, permanent=lambda entry: json.loads(entry["Detail"])["id"] == POISON
    ).install(bridge.client)
    return bridge, sqs, queue_url, injector


def events() -> list[dict[str, Any]]:
    return [{"id": f"e{i}", "type": "thing-created", "timestamp": 1_700_000_000_000 + i} for i in range(N)]


def _by_id(bodies: list[dict[str, Any]], detail_type: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for b in bodies:
        if b["detail-type"] == detail_type:
            out.setdefault(b["detail"]["id"], []).append(b["detail"])
    return out


def test_throttled_entries_arrive_at_least_once_and_the_poison_one_is_a_fault(
    wiring: tuple[EventBridgeConnector, Any, str, FaultInjector],
    read_queue: Callable[..., list[dict[str, Any]]],
) -> None:
    bridge, sqs, queue_url, injector = wiring
    opt = default_options(env={"BUS_NAME": BUS}, connector=bridge)
    handler = lambda_handler(
        initialize({"derive": derive}, opt),
        source=from_kinesis,
        partial_batch_response=True,
    )
    try:
        assert handler(to_kinesis_records(events()), None) == {"batchItemFailures": []}
    finally:
        handler.bridge.close()
        bridge.close()

    assert injector.injected > N * 0.2  # the throttling really happened
    bodies = [json.loads(m["Body"]) for m in read_queue(sqs, queue_url, N)]
    derived = _by_id(bodies, "thing-derived")
    # no loss: every derived event but the poison one arrived (a retry may have sent it twice) ...
    assert set(derived) == {f"derived-e{i}" for i in range(N)} - {POISON}
    # ... and a duplicate is the same event, so a consumer that dedupes by id sees each once
    assert all(all(d == copies[0] for d in copies) for copies in derived.values())
    faults = _by_id(bodies, "fault")
    [copies] = faults.values()  # one fault (perhaps delivered twice, with its one id)
    fault = copies[0]
    assert all(c == fault for c in copies)
    assert fault["uow"]["event"]["id"] == POISON
    assert fault["tags"]["pipeline"] == "derive"
    assert fault["err"]["name"] == "BatchEntriesFailedError"


def test_with_faults_as_failures_the_kinesis_batch_is_reported_from_the_poison_record_on(
    wiring: tuple[EventBridgeConnector, Any, str, FaultInjector],
) -> None:
    bridge, _, _, _ = wiring
    opt = {"connector": bridge, "bus_name": BUS}  # no fault publisher: the record is reported instead
    handler = lambda_handler(
        initialize({"derive": derive}, opt),
        source=from_kinesis,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    try:
        response = handler(to_kinesis_records(events()), None)
    finally:
        handler.bridge.close()
        bridge.close()
    assert response == {"batchItemFailures": [{"itemIdentifier": str(i)} for i in range(13, N)]}
