"""The flavors' steps against moto over HTTP: scan / query split (paging, Limit, cursors), the request
helpers, S3 delete / copy sinks, split_s3_object and page_objects_from_s3."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_stream import Stream
from lambda_stream.connectors import ConnectorCache, DynamoDBConnector, S3Connector
from lambda_stream.queries import (
    batch_get_dynamodb,
    get_object_from_s3,
    page_objects_from_s3,
    query_all_dynamodb,
    query_split_dynamodb,
    scan_split_dynamodb,
    split_s3_object,
    to_get_request,
    to_pk_query_request,
)
from lambda_stream.sinks import copy_s3_object, delete_object_from_s3, put_object_to_s3
from lambda_stream.testing.moto_server import create_table

TABLE = "entities"
BUCKET = "lake"


def run(items: list[Any], *steps: Any) -> list[Any]:
    async def go() -> list[Any]:
        s = Stream(items)
        for step in steps:
            s = s.through(step)
        return await s.to_list()

    return asyncio.run(go())


@pytest.fixture
def table(aws: str, connectors: ConnectorCache) -> DynamoDBConnector:
    ddb = connectors.get(DynamoDBConnector)
    create_table(ddb.client, TABLE)
    for i in range(25):
        ddb.client.put_item(
            TableName=TABLE,
            Item={"pk": {"S": "p1" if i < 15 else "p2"}, "sk": {"S": f"{i:03d}"}, "n": {"N": str(i)}},
        )
    return ddb


def test_scan_split_pages_through_the_table_one_uow_per_item(
    table: DynamoDBConnector, connectors: ConnectorCache
) -> None:
    out = run(
        [{"scan_request": {"Limit": 7}}, {"other": 1}],
        scan_split_dynamodb(table_name=TABLE, connectors=connectors),
    )
    items = [u for u in out if "scan_response" in u]
    assert len(items) == 7  # Limit is the number of items in all, across pages
    assert out[-1] == {"other": 1}  # a uow without a request passes through


def test_scan_split_without_limit_reads_every_page_and_each_cursor_resumes(
    table: DynamoDBConnector, connectors: ConnectorCache
) -> None:
    step = scan_split_dynamodb(table_name=TABLE, connectors=connectors)
    first = run([{"scan_request": {"Limit": 10}}], step)
    assert len(first) == 10
    cursor = first[-1]["scan_response"]["LastEvaluatedKey"]
    assert cursor is not None
    rest = run(
        [{"scan_request": {"ExclusiveStartKey": cursor}}],
        scan_split_dynamodb(table_name=TABLE, connectors=connectors),
    )
    keys = {(u["scan_response"]["Item"]["pk"], u["scan_response"]["Item"]["sk"]) for u in first + rest}
    assert len(keys) == 25 and len(first) + len(rest) == 25  # nothing read twice, nothing skipped


def test_query_split_with_the_pk_query_request(table: DynamoDBConnector, connectors: ConnectorCache) -> None:
    uow = {"event": {"partitionKey": "p1"}}
    request = to_pk_query_request(uow, {})
    out = run(
        [{**uow, "query_split_request": {**request, "Limit": 4}}, {**uow, "query_split_request": request}],
        query_split_dynamodb(table_name=TABLE, connectors=connectors),
    )
    assert len(out) == 4 + 15
    assert [u["query_split_response"]["Item"]["sk"] for u in out[4:]] == [f"{i:03d}" for i in range(15)]
    assert all(u["query_split_request"]["TableName"] == TABLE for u in out)
    queried = run(
        [{**uow, "query_request": request}], query_all_dynamodb(table_name=TABLE, connectors=connectors)
    )
    assert len(queried[0]["query_response"]) == 15


def test_to_get_request_reads_the_rows_the_foreign_keys_name(
    table: DynamoDBConnector, connectors: ConnectorCache
) -> None:
    uow = {"event": {"raw": {"new": {"a": "001|p1", "b": "016|p2", "c": None}, "old": None}}}
    request = to_get_request(uow, {"fks": ["a", "b", "c"], "table_name": TABLE})
    assert request == {
        "RequestItems": {TABLE: {"Keys": [{"pk": "p1", "sk": "001"}, {"pk": "p2", "sk": "016"}]}}
    }
    out = run([{**uow, "batch_get_request": request}], batch_get_dynamodb(connectors=connectors))
    got = sorted(item["n"] for item in out[0]["batch_get_response"]["Responses"][TABLE])
    assert got == [1, 16]


@pytest.fixture
def bucket(aws: str, connectors: ConnectorCache) -> S3Connector:
    s3 = connectors.get(S3Connector)
    s3.client.create_bucket(Bucket=BUCKET)
    return s3


def test_s3_put_copy_delete_and_split(bucket: S3Connector, connectors: ConnectorCache) -> None:
    opt = {"bucket_name": BUCKET, "connectors": connectors}
    run([{"put_request": {"Key": "a/1.jsonl", "Body": '{"x":1}\n\n{"x":2}\n'}}], put_object_to_s3(**opt))
    copied = run(
        [{"copy_request": {"Key": "b/1.jsonl", "CopySource": {"Bucket": BUCKET, "Key": "a/1.jsonl"}}}],
        copy_s3_object(**opt),
    )
    assert copied[0]["copy_response"]["CopyObjectResult"]["ETag"]
    lines = run([{"get_request": {"Key": "b/1.jsonl"}}], get_object_from_s3(**opt), split_s3_object())
    assert [u["get_response"]["line"] for u in lines] == ['{"x":1}', '{"x":2}']
    assert "Body" not in lines[0]["get_response"]
    run([{"delete_request": {"Key": "a/1.jsonl"}}], delete_object_from_s3(**opt))
    listed = bucket.client.list_objects_v2(Bucket=BUCKET)
    assert [o["Key"] for o in listed["Contents"]] == ["b/1.jsonl"]


def test_page_objects_from_s3_follows_continuation_tokens(
    bucket: S3Connector, connectors: ConnectorCache
) -> None:
    for i in range(7):
        bucket.client.put_object(Bucket=BUCKET, Key=f"p/{i}", Body=b"x")
    out = run(
        [{"list_request": {"Prefix": "p/", "MaxKeys": 3}}],
        page_objects_from_s3(bucket_name=BUCKET, connectors=connectors),
    )
    assert [u["list_response"]["Content"]["Key"] for u in out] == [f"p/{i}" for i in range(7)]
    assert len({u["list_request"].get("ContinuationToken") for u in out}) == 3  # three pages
