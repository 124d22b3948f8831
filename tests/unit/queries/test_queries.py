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


class FailingTable:
    def __init__(self) -> None:
        self.queries = 0
        self.batch_gets = 0

    async def query_all(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.queries += 1
        await asyncio.sleep(0.01)
        raise NotFoundError("no table", code="ResourceNotFoundException")

    async def batch_get(self, request_items: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        self.batch_gets += 1
        await asyncio.sleep(0.01)
        raise NotFoundError("no table", code="ResourceNotFoundException")


def test_identical_failing_queries_fault_each_uow_with_its_own_error() -> None:
    table = FailingTable()
    req = {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": "x"}}
    items = [{"id": "r1", "query_request": req}, {"id": "r2", "query_request": req}]
    out = run(items, query_all_dynamodb(table_name="t", connector=table, parallel=4))
    assert table.queries == 1  # still one request
    assert all(isinstance(f, Failed) for f in out)
    assert [f.uow["id"] for f in out] == ["r1", "r2"]  # each error names its own uow
    assert out[0].error is not out[1].error
    for f in out:
        assert type(f.error) is NotFoundError
        assert f.error.code == "ResourceNotFoundException"
        assert str(f.error) == "no table"


def test_identical_failing_batch_gets_fault_each_uow_with_its_own_error() -> None:
    table = FailingTable()
    req = {"RequestItems": {"T": {"Keys": [{"pk": "1"}]}}}
    items = [{"id": i, "batch_get_request": req} for i in range(3)]
    out = run(items, batch_get_dynamodb(connector=table, parallel=3))
    assert table.batch_gets == 1
    assert [f.uow["id"] for f in out] == [0, 1, 2]
    assert len({id(f.error) for f in out}) == 3


def test_a_shared_error_copy_keeps_the_cause_and_drops_the_uow() -> None:
    from lambda_stream.queries._cache import own_error

    cause = KeyError("inner")
    error = NotFoundError("gone", code="NotFound", uow={"id": 1})
    error.__cause__ = cause
    own = own_error(error)
    assert type(own) is NotFoundError and own is not error
    assert own.__cause__ is cause
    assert getattr(own, "uow", None) is None
    assert own.code == "NotFound"  # type: ignore[attr-defined]

    class Odd(Exception):
        def __init__(self, a: int, b: int) -> None:
            super().__init__(a + b)

    wrapped = own_error(Odd(1, 2))
    assert wrapped.__cause__ is not None and "Odd" in str(wrapped)


def test_query_without_any_table_is_a_configuration_error(monkeypatch: Any) -> None:
    import pytest

    from lambda_stream.errors import ConfigurationError

    for name in ("ENTITY_TABLE_NAME", "EVENT_TABLE_NAME"):
        monkeypatch.delenv(name, raising=False)

    class NeverCalled:
        async def query_all(self, params: Any) -> Any:
            raise AssertionError("no table: the query must not be made")

    step = query_all_dynamodb(connector=NeverCalled())
    with pytest.raises(ConfigurationError, match="query_all_dynamodb: no 'table_name' option"):
        asyncio.run(step(Stream([{"query_request": {"KeyConditionExpression": "pk = :pk"}}])).to_list())
