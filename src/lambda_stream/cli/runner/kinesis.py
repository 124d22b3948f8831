"""Kinesis shards as Lambda reads them: records shaped like Lambda's ``aws:kinesis`` events."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from .aws import Clients, arn_parts
from .shards import IteratorReader, ShardedSource, ShardInfo, StreamRecord


class KinesisShard(IteratorReader):
    def __init__(self, clients: Clients, source: KinesisSource, shard_id: str) -> None:
        super().__init__(clients.get("kinesis"), shard_id, source.mapping.starting_position)
        self.source = source

    def where(self) -> dict[str, Any]:
        return {"StreamName": self.source.stream, "ShardId": self.shard_id}

    def after(self, sequence_number: str) -> dict[str, Any]:
        return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": sequence_number}

    def shape(self, record: dict[str, Any]) -> StreamRecord:
        return self.source.to_record(self.shard_id, record)


class KinesisSource(ShardedSource):
    batch_info_key = "KinesisBatchInfo"

    def __init__(self, clients: Clients, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clients = clients
        self.stream = self.mapping.ref.name
        self.region = ""
        self.account = ""

    async def resolve(self) -> None:
        client = self.clients.get("kinesis")
        summary = await asyncio.to_thread(client.describe_stream_summary, StreamName=self.stream)
        self.arn = summary["StreamDescriptionSummary"]["StreamARN"]
        self.region, self.account = arn_parts(self.arn)

    async def list_shards(self) -> list[ShardInfo]:
        client = self.clients.get("kinesis")
        shards: list[ShardInfo] = []
        kwargs: dict[str, Any] = {"StreamName": self.stream}
        while True:
            page = await asyncio.to_thread(client.list_shards, **kwargs)
            shards += [ShardInfo(s["ShardId"], s.get("ParentShardId")) for s in page.get("Shards", [])]
            token = page.get("NextToken")
            if not token:
                return shards
            kwargs = {"NextToken": token}

    def reader(self, shard_id: str) -> KinesisShard:
        return KinesisShard(self.clients, self, shard_id)

    def to_record(self, shard_id: str, r: dict[str, Any]) -> StreamRecord:
        seq = str(r["SequenceNumber"])
        arrival = r["ApproximateArrivalTimestamp"].timestamp()
        record = {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": r["PartitionKey"],
                "sequenceNumber": seq,
                "data": base64.b64encode(r["Data"]).decode("ascii"),
                "approximateArrivalTimestamp": arrival,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{seq}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{self.account}:role/{self.function.name}-role",
            "awsRegion": self.region,
            "eventSourceARN": self.arn,
        }
        return StreamRecord(seq, r["PartitionKey"], record, arrival)
