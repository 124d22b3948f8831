"""publish_to_kinesis against moto: records read back decode as from_kinesis decodes them."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from lambda_stream.connectors import ConnectorCache, KinesisConnector
from lambda_stream.core import Stream
from lambda_stream.sinks import publish_to_kinesis
from lambda_stream.testing import to_kinesis_records

STREAM = "events"


def read_stream(client: Any) -> list[dict[str, Any]]:
    shard = client.describe_stream(StreamName=STREAM)["StreamDescription"]["Shards"][0]["ShardId"]
    it = client.get_shard_iterator(StreamName=STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    records: list[dict[str, Any]] = []
    while it:
        response = client.get_records(ShardIterator=it, Limit=1000)
        records.extend(response["Records"])
        if not response["Records"]:
            break
        it = response.get("NextShardIterator")
    return records


def test_publish_then_get_records(aws: str, connectors: ConnectorCache) -> None:
    client = connectors.get(KinesisConnector).client
    client.create_stream(StreamName=STREAM, ShardCount=1)
    client.get_waiter("stream_exists").wait(StreamName=STREAM, WaiterConfig={"Delay": 0.1})
    uows = [
        {"event": {"id": f"e{i}", "type": "thing-created", "timestamp": i, "partitionKey": f"k{i}"}}
        for i in range(60)
    ]
    out = asyncio.run(
        Stream(uows)
        .through(publish_to_kinesis(stream_name=STREAM, connectors=connectors, parallel=1))
        .to_list()
    )
    assert all(u["publish_response"]["SequenceNumber"] for u in out)
    # parallel=1: one PutRecords at a time, so the shard holds the records in publishing order
    # (with parallel > 1, batches race and only the order within a batch is kept, as in JS)
    records = read_stream(client)
    assert [r["PartitionKey"] for r in records] == [f"k{i}" for i in range(60)]
    published = [u["event"] for u in out]  # as sent: with the standard tags
    expected = to_kinesis_records(published)["Records"]
    assert [base64.b64encode(r["Data"]).decode() for r in records] == [e["kinesis"]["data"] for e in expected]
    assert [json.loads(r["Data"])["id"] for r in records] == [f"e{i}" for i in range(60)]


def test_a_partition_key_too_long_fails_alone(aws: str, connectors: ConnectorCache) -> None:
    client = connectors.get(KinesisConnector).client
    client.create_stream(StreamName=STREAM, ShardCount=1)
    client.get_waiter("stream_exists").wait(StreamName=STREAM, WaiterConfig={"Delay": 0.1})
    uows = [
        {"event": {"id": f"e{i}", "type": "t", "timestamp": i, "partitionKey": "k" * (300 if i == 1 else 5)}}
        for i in range(3)
    ]
    errors: list[BaseException] = []

    async def go() -> list[Any]:
        step = publish_to_kinesis(stream_name=STREAM, connector=connectors.get(KinesisConnector))
        return await Stream(uows).through(step).errors(lambda e, push: errors.append(e)).to_list()

    out = asyncio.run(go())
    assert [u["event"]["id"] for u in out] == ["e0", "e2"]
    assert len(errors) == 1 and errors[0].uow["event"]["id"] == "e1"  # type: ignore[attr-defined]
    assert len(read_stream(client)) == 2
