from __future__ import annotations

import asyncio
import contextlib
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


class PagedTable:
    """Scan / query pages of at most 3 items over 10 items; ``fail_on_page`` raises on that page."""

    def __init__(self, fail_on_page: int | None = None) -> None:
        self.pages: list[dict[str, Any]] = []
        self.fail_on_page = fail_on_page

    async def scan(self, params: dict[str, Any]) -> dict[str, Any]:
        self.pages.append(params)
        await asyncio.sleep(0)
        if self.fail_on_page == len(self.pages):
            raise RuntimeError("page failed")
        start = (params.get("ExclusiveStartKey") or {}).get("i", 0)
        end = min(start + min(3, params.get("Limit") or 3), 10)
        response: dict[str, Any] = {"Items": [{"i": i} for i in range(start, end)], "Count": end - start}
        if end < 10:
            response["LastEvaluatedKey"] = {"i": end}
        return response

    query = scan


def test_scan_split_honours_limit_across_pages() -> None:
    from lambda_stream.queries import scan_split_dynamodb

    table = PagedTable()
    out = run([{"scan_request": {"Limit": 7}}], scan_split_dynamodb(table_name="t", connector=table))
    assert [u["scan_response"]["Item"]["i"] for u in out] == list(range(7))
    assert [p.get("Limit") for p in table.pages] == [7, 4, 1]  # each page asks for what is missing
    assert out[-1]["scan_response"]["LastEvaluatedKey"] == {"i": 7}  # resumes right after the last item
    assert out[0]["scan_request"] == {"TableName": "t", "Limit": 7}  # the request of its own page


def test_query_split_without_limit_reads_every_page() -> None:
    from lambda_stream.queries import query_split_dynamodb

    table = PagedTable()
    out = run(
        [{"query_split_request": {"KeyConditionExpression": "x"}}],
        query_split_dynamodb(connector=table, table_name="t"),
    )
    assert [u["query_split_response"]["Item"]["i"] for u in out] == list(range(10))
    assert "LastEvaluatedKey" not in out[-1]["query_split_response"]


def test_a_failed_page_fails_the_uow_and_emits_none_of_its_items() -> None:
    from lambda_stream.queries import scan_split_dynamodb

    items = [{"scan_request": {"Select": "ALL_ATTRIBUTES"}, "n": 1}]
    out = run(items, scan_split_dynamodb(table_name="t", connector=PagedTable(fail_on_page=2)))
    assert len(out) == 1 and isinstance(out[0], Failed) and out[0].uow is items[0]


def test_request_helpers() -> None:
    import pytest

    from lambda_stream.errors import ConfigurationError
    from lambda_stream.queries import to_get_request, to_index_query_request, to_pk_query_request

    uow = {"event": {"partitionKey": "p1", "raw": {"new": None, "old": {"fk": "thing|t1"}}}}
    assert to_pk_query_request(uow, {"pk_fn": "id"})["ExpressionAttributeNames"] == {"#pk": "id"}
    assert to_index_query_request(uow, {"index_nm": "gsi1", "index_fn": "data"}) == {
        "IndexName": "gsi1",
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "data"},
        "ExpressionAttributeValues": {":pk": "p1"},
        "ConsistentRead": False,
    }
    assert to_get_request(uow, {"fks": ["fk"], "table_name": "T"}) == {
        "RequestItems": {"T": {"Keys": [{"pk": "t1", "sk": "thing"}]}}
    }
    with pytest.raises(ConfigurationError, match="no 'table_name'"):
        to_get_request(uow, {"id": "r1", "fks": ["fk"]})


def test_a_closed_query_stream_leaves_no_fetch_running() -> None:
    """Four fetches were seen finishing after their stream closed: now close cancels and awaits them."""
    started: list[int] = []
    finished: list[int] = []
    release = asyncio.Event()
    all_started = asyncio.Event()

    class Slow:
        async def query_all(self, params: dict[str, Any]) -> list[Any]:
            started.append(1)
            if len(started) == 4:
                all_started.set()
            try:
                await release.wait()
            finally:
                finished.append(1)
            return []

    async def go() -> None:
        items = [{"query_request": {"n": i}} for i in range(4)]
        s = Stream(items).through(query_all_dynamodb(table_name="t", connector=Slow(), parallel=4))
        it = s.__aiter__()
        task = asyncio.ensure_future(it.__anext__())
        await all_started.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await it.aclose()
        assert len(finished) == 4  # every fetch ended before aclose returned
        release.set()

    asyncio.run(go())
