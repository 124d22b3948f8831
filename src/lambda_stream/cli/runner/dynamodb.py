"""DynamoDB stream shards as Lambda reads them: records shaped like Lambda's ``aws:dynamodb``
events (moto leaves out ``eventSourceARN``; it is added here)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from .aws import Clients, arn_parts, lambda_json
from .shards import IteratorReader, ShardedSource, ShardInfo, StreamRecord


class DynamoDBShard(IteratorReader):
    max_limit = 1000

    def __init__(self, clients: Clients, source: DynamoDBStreamSource, shard_id: str) -> None:
        super().__init__(clients.get("dynamodbstreams"), shard_id, source.mapping.starting_position)
        self.source = source

    def where(self) -> dict[str, Any]:
        return {"StreamArn": self.source.arn, "ShardId": self.shard_id}

    def after(self, sequence_number: str) -> dict[str, Any]:
        return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": sequence_number}

    def shape(self, record: dict[str, Any]) -> StreamRecord:
        return self.source.to_record(record)


class DynamoDBStreamSource(ShardedSource):
    batch_info_key = "DDBStreamBatchInfo"

    def __init__(self, clients: Clients, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clients = clients
        self.region = ""

    async def resolve(self) -> None:
        ref = self.mapping.ref
        if ref.arn:
            self.arn = ref.arn
        else:
            client = self.clients.get("dynamodb")
            table = (await asyncio.to_thread(client.describe_table, TableName=ref.name))["Table"]
            arn = table.get("LatestStreamArn")
            if not arn or not (table.get("StreamSpecification") or {}).get("StreamEnabled", True):
                raise LookupError(
                    f"table {ref.name!r} has no stream: enable one (StreamSpecification "
                    "StreamEnabled=true, StreamViewType=NEW_AND_OLD_IMAGES)"
                )
            self.arn = arn
        self.region, _ = arn_parts(self.arn)

    async def list_shards(self) -> list[ShardInfo]:
        client = self.clients.get("dynamodbstreams")
        shards: list[ShardInfo] = []
        kwargs: dict[str, Any] = {"StreamArn": self.arn}
        while True:
            described = (await asyncio.to_thread(client.describe_stream, **kwargs))["StreamDescription"]
            shards += [ShardInfo(s["ShardId"], s.get("ParentShardId")) for s in described.get("Shards", [])]
            last = described.get("LastEvaluatedShardId")
            if not last:
                return shards
            kwargs = {"StreamArn": self.arn, "ExclusiveStartShardId": last}

    def reader(self, shard_id: str) -> DynamoDBShard:
        return DynamoDBShard(self.clients, self, shard_id)

    def to_record(self, r: dict[str, Any]) -> StreamRecord:
        record: dict[str, Any] = lambda_json(r)
        record.setdefault("eventSourceARN", self.arn)
        record.setdefault("awsRegion", self.region)
        record.setdefault("eventSource", "aws:dynamodb")
        change = record.get("dynamodb") or {}
        seq = str(change.get("SequenceNumber"))
        arrival = change.get("ApproximateCreationDateTime")
        key = json.dumps(change.get("Keys") or {}, sort_keys=True)
        return StreamRecord(seq, key, record, float(arrival) if arrival is not None else 0.0)
