"""EventBridgeConnector against moto: a rule routes to SQS; failed entries are resent, only them."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache, EventBridgeConnector, FailedEntry, SqsConnector
from lambda_stream.testing.fault_injection import FaultInjector

BUS = "bus"


@pytest.fixture
def bridge(aws: str, connectors: ConnectorCache) -> tuple[EventBridgeConnector, Any, str]:
    """The connector, an SQS client and the URL of the queue every ``thing-*`` event is routed to."""
    connector = connectors.get(EventBridgeConnector, retry_base_delay=0.001)
    events = connector.client
    sqs = connectors.get(SqsConnector).client
    queue_url = sqs.create_queue(QueueName="routed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.create_event_bus(Name=BUS)
    events.put_rule(
        Name="things", EventBusName=BUS, EventPattern=json.dumps({"detail-type": [{"prefix": "thing-"}]})
    )
    events.put_targets(Rule="things", EventBusName=BUS, Targets=[{"Id": "q", "Arn": queue_arn}])
    return connector, sqs, queue_url


def entry(i: int, **extra: Any) -> dict[str, Any]:
    detail = {"id": f"e{i}", "type": "thing-created", **extra}
    return {
        "EventBusName": BUS,
        "Source": "custom",
        "DetailType": "thing-created",
        "Detail": json.dumps(detail),
    }


def ids(messages: list[dict[str, Any]]) -> Counter[str]:
    return Counter(json.loads(m["Body"])["detail"]["id"] for m in messages)


def test_put_events_routes_to_sqs(
    bridge: tuple[EventBridgeConnector, Any, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    connector, sqs, queue_url = bridge
    result = asyncio.run(connector.put_events([entry(i) for i in range(3)]))
    assert result.failed == []
    assert all(r is not None and r["EventId"] for r in result.responses)
    messages = read_queue(sqs, queue_url, 3)
    assert ids(messages) == Counter({"e0": 1, "e1": 1, "e2": 1})
    body = json.loads(messages[0]["Body"])
    assert body["detail-type"] == "thing-created"


def test_throttled_entries_are_resent_and_arrive_exactly_once(
    bridge: tuple[EventBridgeConnector, Any, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    connector, sqs, queue_url = bridge
    injector = FaultInjector(fraction=0.3, attempts=2, seed=7)
    entries = [entry(i) for i in range(40)]

    async def main() -> list[FailedEntry]:
        failed: list[FailedEntry] = []
        for start in range(0, len(entries), 10):  # at most 10 per call
            result = await connector.put_events(entries[start : start + 10])
            failed.extend(result.failed)
            assert all(r is not None for r in result.responses)
        return failed

    with injector.installed(connector.client):
        failed = asyncio.run(main())
    assert failed == []
    chosen = sum(injector.chosen(e) for e in entries)
    assert 4 <= chosen <= 24  # about 30%
    assert injector.injected == 2 * chosen  # each chosen entry failed on its first two sends
    assert ids(read_queue(sqs, queue_url, 40)) == Counter({f"e{i}": 1 for i in range(40)})


def test_permanently_failing_entry_is_the_only_one_reported(
    bridge: tuple[EventBridgeConnector, Any, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    connector, sqs, queue_url = bridge
    poison = lambda e: "poison" in e["Detail"]  # noqa: E731
    injector = FaultInjector(fraction=0.3, seed=3, permanent=poison)
    entries = [entry(i, poison=True) if i == 4 else entry(i) for i in range(10)]
    with injector.installed(connector.client):
        result = asyncio.run(connector.put_events(entries))
    assert [(f.index, f.code) for f in result.failed] == [(4, "InternalFailure")]
    assert result.responses[4] is None
    assert sum(r is not None for r in result.responses) == 9
    assert injector.seen[injector.key(entries[4])] == connector.max_retries + 1
    assert ids(read_queue(sqs, queue_url, 9)) == Counter({f"e{i}": 1 for i in range(10) if i != 4})


def test_non_retryable_entry_code_is_reported_without_retrying(
    bridge: tuple[EventBridgeConnector, Any, str],
) -> None:
    connector, _sqs, _queue_url = bridge
    injector = FaultInjector(permanent=lambda e: "e1" in e["Detail"], permanent_code="MalformedDetail")
    with injector.installed(connector.client):
        result = asyncio.run(connector.put_events([entry(0), entry(1)]))
    assert [(f.index, f.code) for f in result.failed] == [(1, "MalformedDetail")]
    assert injector.injected == 1  # sent once, not resent
