"""put_object_to_s3 then get_object_from_s3 against moto."""

from __future__ import annotations

import asyncio

from lambda_stream.connectors import ConnectorCache, S3Connector
from lambda_stream.core import Stream
from lambda_stream.queries import get_object_from_s3
from lambda_stream.sinks import put_object_to_s3


def test_put_then_get(aws: str, connectors: ConnectorCache) -> None:
    connectors.get(S3Connector).client.create_bucket(Bucket="sink-bucket")
    uows = [
        {"put_request": {"Key": f"k{i}", "Body": f"body {i}"}, "get_request": {"Key": f"k{i}"}}
        for i in range(6)
    ]

    async def main() -> list[dict[str, object]]:
        return (
            await Stream(uows)
            .through(put_object_to_s3(bucket_name="sink-bucket", connectors=connectors))
            .through(get_object_from_s3(bucket_name="sink-bucket", connectors=connectors))
            .to_list()
        )

    out = asyncio.run(main())
    assert [u["get_response"]["Body"] for u in out] == [f"body {i}".encode() for i in range(6)]  # type: ignore[index]
    assert all(u["put_response"]["ETag"] for u in out)  # type: ignore[index]
