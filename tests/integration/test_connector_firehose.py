"""FirehoseConnector against moto: put_record_batch delivers to S3; failed records resent, only them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache, FirehoseConnector, S3Connector
from lambda_stream.testing.fault_injection import FaultInjector

BUCKET = "firehose-sink"
STREAM = "events"


@pytest.fixture
def firehose(aws: str, connectors: ConnectorCache) -> tuple[FirehoseConnector, Any]:
    s3 = connectors.get(S3Connector).client
    s3.create_bucket(Bucket=BUCKET)
    connector = connectors.get(FirehoseConnector, retry_base_delay=0.001)
    connector.client.create_delivery_stream(
        DeliveryStreamName=STREAM,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
        },
    )
    return connector, s3


def delivered(s3: Any) -> bytes:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return b"".join(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in sorted(keys))


def test_put_record_batch_delivers_to_s3(firehose: tuple[FirehoseConnector, Any]) -> None:
    connector, s3 = firehose
    records = [{"Data": f'{{"id":"e{i}"}}\n'.encode()} for i in range(5)]
    result = asyncio.run(connector.put_record_batch(STREAM, records))
    assert result.failed == []
    assert all(r is not None and r["RecordId"] for r in result.responses)
    assert sorted(delivered(s3).splitlines()) == sorted(r["Data"].strip() for r in records)


def test_failed_records_are_resent_and_delivered_once(firehose: tuple[FirehoseConnector, Any]) -> None:
    connector, s3 = firehose
    records = [{"Data": f'{{"id":"e{i}"}}\n'.encode()} for i in range(30)]
    injector = FaultInjector(fraction=0.3, attempts=2, code="ServiceUnavailableException", seed=8)
    with injector.installed(connector.client):
        result = asyncio.run(connector.put_record_batch(STREAM, records))
    assert result.failed == []
    assert injector.injected > 0
    assert sorted(delivered(s3).splitlines()) == sorted(r["Data"].strip() for r in records)
