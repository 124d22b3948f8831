from __future__ import annotations

import asyncio
import json
from typing import Any

from lambda_stream.core import Stream
from lambda_stream.errors import NotFoundError
from lambda_stream.queries import (
    batch_get_dynamodb,
    get_object_from_s3,
    query_all_dynamodb,
    redeem_claim_check,
)
from lambda_stream.utils import compress

from ..sinks.fakes import Failed, FakeS3, run


class FakeTable:
    def __init__(self) -> None:
        self.batch_gets: list[Any] = []
        self.queries: list[Any] = []

    async def batch_get(self, request_items: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        self.batch_gets.append(request_items)
        await asyncio.sleep(0)
        return {t: [dict(k, v=1) for k in spec["Keys"]] for t, spec in request_items.items()}

    async def query_all(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.queries.append(params)
        await asyncio.sleep(0)
        return [{"pk": params["ExpressionAttributeValues"][":pk"], "sk": "1"}]


def test_batch_get_adorns_and_caches_per_application() -> None:
    table = FakeTable()
    req = {"RequestItems": {"T": {"Keys": [{"pk": "1", "sk": "A"}]}}}
    items = [{"batch_get_request": req}, {"batch_get_request": req}, {"x": 1}]
    step = batch_get_dynamodb(connector=table)
    out = run(items, step)
    assert out[0]["batch_get_response"] == {"Responses": {"T": [{"pk": "1", "sk": "A", "v": 1}]}}
    assert out[1]["batch_get_response"] == out[0]["batch_get_response"]
    assert out[2] == {"x": 1}
    assert len(table.batch_gets) == 1
    run(items, step)  # a new application (a new invocation): a new cache
    assert len(table.batch_gets) == 2


def test_batch_get_decrypt() -> None:
    async def decrypt(item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "plain": True}

    req = {"RequestItems": {"T": {"Keys": [{"pk": "1"}]}}}
    out = run([{"batch_get_request": req}], batch_get_dynamodb(connector=FakeTable(), decrypt=decrypt))
    assert out[0]["batch_get_response"]["Responses"]["T"][0]["plain"] is True


def test_query_all_adds_table_and_caches() -> None:
    table = FakeTable()
    req = {
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": "p1"},
    }
    out = run(
        [{"query_request": req}, {"query_request": req}], query_all_dynamodb(connector=table, table_name="E")
    )
    assert out[0]["query_response"] == [{"pk": "p1", "sk": "1"}]
    assert table.queries == [{"TableName": "E", **req}]


def test_query_failure_is_not_cached_and_faults_the_uow() -> None:
    class Flaky(FakeTable):
        n = 0

        async def query_all(self, params: dict[str, Any]) -> list[dict[str, Any]]:
            self.n += 1
            if self.n == 1:
                raise NotFoundError("no table")
            return []

    req = {"KeyConditionExpression": "x"}
    out = run(
        [{"query_request": req, "i": 0}, {"query_request": req, "i": 1}],
        query_all_dynamodb(connector=Flaky(), table_name="E", parallel=1),
    )
    assert isinstance(out[0], Failed) and out[0].uow["i"] == 0
    assert out[1]["query_response"] == []


def test_get_object() -> None:
    s3 = FakeS3()
    s3.objects[("b", "k")] = b"hello"
    out = run([{"get_request": {"Key": "k"}}, {}], get_object_from_s3(connector=s3, bucket_name="b"))
    assert out[0]["get_response"] == {"Body": b"hello"}
    assert out[1] == {}


def test_redeem_claim_check() -> None:
    s3 = FakeS3()
    full = {"id": "1", "type": "t", "blob": "q" * 20_000}
    s3.objects[("cc", "r/claimchecks/1")] = json.dumps(compress(full, threshold=1000)).encode()
    stub = {"id": "1", "type": "t", "s3": {"bucket": "cc", "key": "r/claimchecks/1"}}
    items = [{"event": stub, "record": {}}, {"event": {"id": "2"}}]
    out = asyncio.run(Stream(items).through(redeem_claim_check(connector=s3)).to_list())
    assert out[0] == {"event": full, "record": {}}
    assert out[1] == {"event": {"id": "2"}}
    assert s3.gets == 1
