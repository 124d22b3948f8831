"""SqsConnector against moto: batches by Id, sender faults reported at once, a missing queue mapped."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache, SqsConnector
from lambda_stream.errors import NotFoundError
from lambda_stream.testing.fault_injection import FaultInjector


@pytest.fixture
def sqs(aws: str, connectors: ConnectorCache) -> tuple[SqsConnector, str]:
    connector = connectors.get(SqsConnector, retry_base_delay=0.001)
    return connector, connector.client.create_queue(QueueName="q")["QueueUrl"]


def entries(n: int) -> list[dict[str, Any]]:
    return [{"Id": f"m{i}", "MessageBody": f"body-{i}"} for i in range(n)]


def test_send_message_batch_round_trip(
    sqs: tuple[SqsConnector, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    connector, url = sqs
    result = asyncio.run(connector.send_message_batch(url, entries(10)))
    assert result.failed == []
    assert [r["Id"] for r in result.responses if r is not None] == [f"m{i}" for i in range(10)]
    bodies = Counter(m["Body"] for m in read_queue(connector.client, url, 10))
    assert bodies == Counter(f"body-{i}" for i in range(10))


def test_throttled_entries_are_resent_and_arrive_exactly_once(
    sqs: tuple[SqsConnector, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    connector, url = sqs
    injector = FaultInjector(fraction=0.3, attempts=2, seed=4)

    async def main() -> None:
        for start in range(0, 50, 10):
            sent = [{"Id": f"m{i}", "MessageBody": f"body-{i}"} for i in range(start, start + 10)]
            result = await connector.send_message_batch(url, sent)
            assert result.failed == []

    with injector.installed(connector.client):
        asyncio.run(main())
    assert injector.injected > 0
    bodies = Counter(m["Body"] for m in read_queue(connector.client, url, 50))
    assert bodies == Counter(f"body-{i}" for i in range(50))


def test_sender_fault_is_reported_at_once(sqs: tuple[SqsConnector, str]) -> None:
    connector, url = sqs
    injector = FaultInjector(
        permanent=lambda e: e["Id"] == "m2",
        permanent_code="InvalidMessageContents",
        permanent_sender_fault=True,
    )
    with injector.installed(connector.client):
        result = asyncio.run(connector.send_message_batch(url, entries(4)))
    assert [(f.index, f.code) for f in result.failed] == [(2, "InvalidMessageContents")]
    assert injector.injected == 1  # not resent


def test_permanent_server_side_failure_is_retried_then_reported(sqs: tuple[SqsConnector, str]) -> None:
    connector, url = sqs
    injector = FaultInjector(permanent=lambda e: e["Id"] == "m0", permanent_code="InternalError")
    with injector.installed(connector.client):
        result = asyncio.run(connector.send_message_batch(url, entries(3)))
    assert [f.index for f in result.failed] == [0]
    assert injector.injected == connector.max_retries + 1


def test_missing_queue_is_not_found(aws: str, connectors: ConnectorCache) -> None:
    connector = connectors.get(SqsConnector)
    missing = f"{aws}/123456789012/no-such-queue"
    with pytest.raises(NotFoundError):
        asyncio.run(connector.send_message_batch(missing, entries(1)))


def test_a_batch_whose_every_entry_fails_is_not_sent_then_resent_whole(
    sqs: tuple[SqsConnector, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    connector, url = sqs
    injector = FaultInjector(fraction=1.0, attempts=1)
    with injector.installed(connector.client):
        result = asyncio.run(connector.send_message_batch(url, entries(5)))
    assert result.failed == []
    assert injector.injected == 5
    bodies = Counter(m["Body"] for m in read_queue(connector.client, url, 5))
    assert bodies == Counter(f"body-{i}" for i in range(5))
