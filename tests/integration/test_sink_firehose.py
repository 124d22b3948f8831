"""send_to_firehose against moto: a DirectPut stream delivering to S3, one JSON object per line."""

from __future__ import annotations

import asyncio
import json

from lambda_stream.connectors import ConnectorCache, FirehoseConnector, S3Connector
from lambda_stream.core import Stream
from lambda_stream.sinks import send_to_firehose

BUCKET = "lake"


def test_firehose_to_s3(aws: str, connectors: ConnectorCache) -> None:
    s3 = connectors.get(S3Connector).client
    s3.create_bucket(Bucket=BUCKET)
    connectors.get(FirehoseConnector).client.create_delivery_stream(
        DeliveryStreamName="d",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
        },
    )
    uows = [{"event": {"id": f"e{i}", "type": "t"}} for i in range(30)]
    out = asyncio.run(
        Stream(uows).through(send_to_firehose(delivery_stream_name="d", connectors=connectors)).to_list()
    )
    assert all(u["put_response"]["RecordId"] for u in out)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    lines = b"".join(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys).splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(f"e{i}" for i in range(30))
