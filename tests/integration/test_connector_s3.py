"""S3Connector against moto: put / get (body as bytes) / list, missing objects mapped."""

from __future__ import annotations

import asyncio

import pytest

from lambda_stream.connectors import ConnectorCache, S3Connector
from lambda_stream.errors import NotFoundError

BUCKET = "claim-checks"


@pytest.fixture
def s3(aws: str, connectors: ConnectorCache) -> S3Connector:
    connector = connectors.get(S3Connector)
    connector.client.create_bucket(Bucket=BUCKET)
    return connector


def test_put_get_list_round_trip(s3: S3Connector) -> None:
    async def main() -> None:
        body = b'{"id":"e1"}' * 1000
        put = await s3.put_object({"Bucket": BUCKET, "Key": "events/e1.json", "Body": body})
        assert put["ETag"]
        got = await s3.get_object({"Bucket": BUCKET, "Key": "events/e1.json"})
        assert got["Body"] == body  # read to bytes in the worker thread
        listed = await s3.list_objects({"Bucket": BUCKET, "Prefix": "events/"})
        assert [o["Key"] for o in listed["Contents"]] == ["events/e1.json"]

    asyncio.run(main())


def test_missing_key_and_bucket_are_not_found(s3: S3Connector) -> None:
    with pytest.raises(NotFoundError) as info:
        asyncio.run(s3.get_object({"Bucket": BUCKET, "Key": "nope"}))
    assert info.value.code == "NoSuchKey"
    with pytest.raises(NotFoundError) as info:
        asyncio.run(s3.get_object({"Bucket": "no-such-bucket", "Key": "nope"}))
    assert info.value.code == "NoSuchBucket"
