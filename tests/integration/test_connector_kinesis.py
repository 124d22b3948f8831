"""KinesisConnector against moto: put_records then get_records; failed records resent, only them."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache, KinesisConnector
from lambda_stream.testing.fault_injection import FaultInjector

STREAM = "events"


@pytest.fixture
def kinesis(aws: str, connectors: ConnectorCache) -> KinesisConnector:
    connector = connectors.get(KinesisConnector, retry_base_delay=0.001)
    connector.client.create_stream(StreamName=STREAM, ShardCount=1)
    connector.client.get_waiter("stream_exists").wait(StreamName=STREAM, WaiterConfig={"Delay": 0.1})
    return connector


def read_stream(client: Any) -> list[bytes]:
    shard = client.describe_stream(StreamName=STREAM)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamName=STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    data: list[bytes] = []
    while iterator:
        response = client.get_records(ShardIterator=iterator, Limit=1000)
        data.extend(r["Data"] for r in response["Records"])
        if not response["Records"]:
            break
        iterator = response.get("NextShardIterator")
    return data


def records(n: int) -> list[dict[str, Any]]:
    return [{"Data": f'{{"id":"e{i}"}}'.encode(), "PartitionKey": f"p{i}"} for i in range(n)]


def test_put_records_then_get_records(kinesis: KinesisConnector) -> None:
    result = asyncio.run(kinesis.put_records(STREAM, records(5)))
    assert result.failed == []
    assert all(r is not None and r["SequenceNumber"] for r in result.responses)
    assert read_stream(kinesis.client) == [r["Data"] for r in records(5)]


def test_throttled_records_are_resent_and_arrive_exactly_once(kinesis: KinesisConnector) -> None:
    injector = FaultInjector(fraction=0.3, attempts=3, code="ProvisionedThroughputExceededException", seed=11)
    sent = records(100)
    with injector.installed(kinesis.client):
        result = asyncio.run(kinesis.put_records(STREAM, sent))
    assert result.failed == []
    chosen = sum(injector.chosen(r) for r in sent)
    assert 15 <= chosen <= 45
    assert injector.injected == 3 * chosen
    assert Counter(read_stream(kinesis.client)) == Counter(r["Data"] for r in sent)


def test_permanently_failing_record_is_reported_by_index(kinesis: KinesisConnector) -> None:
    sent = records(8)
    injector = FaultInjector(fraction=0.5, seed=5, permanent=lambda r: r["PartitionKey"] == "p6")
    with injector.installed(kinesis.client):
        result = asyncio.run(kinesis.put_records(STREAM, sent))
    assert [f.index for f in result.failed] == [6]
    assert [i for i, r in enumerate(result.responses) if r is None] == [6]
    assert sorted(read_stream(kinesis.client)) == sorted(r["Data"] for i, r in enumerate(sent) if i != 6)


def test_a_batch_whose_every_record_fails_is_resent_whole(kinesis: KinesisConnector) -> None:
    injector = FaultInjector(fraction=1.0, attempts=2)
    with injector.installed(kinesis.client):
        result = asyncio.run(kinesis.put_records(STREAM, records(4)))
    assert result.failed == []
    assert injector.injected == 8
    assert read_stream(kinesis.client) == [r["Data"] for r in records(4)]
