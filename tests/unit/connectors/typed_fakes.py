"""Checked by mypy (``test_protocols.py``): the unit tests' fakes provide the connector Protocols."""

from __future__ import annotations

from lambda_stream.connectors import (
    DynamoDBWrites,
    EventBridgeApi,
    FirehoseApi,
    KinesisApi,
    S3Api,
    S3Reads,
    S3Writes,
    SqsApi,
)
from lambda_stream.sinks import publish_to_event_bridge, update_dynamodb

from ..sinks.fakes import FakeBatch, FakeDynamoDB, FakeS3

dynamodb: DynamoDBWrites = FakeDynamoDB()
event_bridge: EventBridgeApi = FakeBatch()
kinesis: KinesisApi = FakeBatch()
firehose: FirehoseApi = FakeBatch()
sqs: SqsApi = FakeBatch()
s3: S3Api = FakeS3()
s3_writes: S3Writes = FakeS3()
s3_reads: S3Reads = FakeS3()

update_dynamodb(connector=FakeDynamoDB(), table_name="t")
publish_to_event_bridge(connector=FakeBatch(), bus_name="b", claim_check_connector=FakeS3())
