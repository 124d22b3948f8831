from __future__ import annotations

from typing import Any

import pytest

from lambda_stream.errors import ConditionalCheckFailedError, ThrottledError
from lambda_stream.sinks import put_dynamodb, update, update_dynamodb, update_expression

from .fakes import Failed, FakeDynamoDB, Gate, run


def requests(n: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "update_request": {"Key": {"pk": str(i)}, "UpdateExpression": "SET #a = :a"}}
        for i in range(n)
    ]


def test_update_adorns_the_response_and_keeps_order() -> None:
    fake = FakeDynamoDB()
    out = run(requests(20), update_dynamodb(connector=fake, table_name="T", parallel=4))
    assert [u["id"] for u in out] == list(range(20))
    assert all(u["update_response"] == {"Attributes": {"ok": True}} for u in out)
    assert fake.requests[0] == {"TableName": "T", "Key": {"pk": "0"}, "UpdateExpression": "SET #a = :a"}
    assert update is update_dynamodb


@pytest.mark.parametrize("parallel", [1, 2, 4, 16])
def test_update_runs_exactly_parallel_calls_at_once(parallel: int) -> None:
    gate = Gate(parallel)
    run(
        requests(parallel * 5),
        update_dynamodb(connector=FakeDynamoDB(gate), table_name="T", parallel=parallel),
    )
    assert gate.peak == parallel
    assert gate.calls == parallel * 5


def test_parallel_defaults_from_env_at_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPDATE_PARALLEL", "3")
    gate = Gate(3)
    step = update_dynamodb(connector=FakeDynamoDB(gate), table_name="T")
    monkeypatch.setenv("UPDATE_PARALLEL", "50")  # read when the step is built, not when it runs
    run(requests(9), step)
    assert gate.peak == 3


def test_default_parallel_is_4(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPDATE_PARALLEL", raising=False)
    monkeypatch.delenv("PARALLEL", raising=False)
    gate = Gate(4)
    run(requests(12), update_dynamodb(connector=FakeDynamoDB(gate), table_name="T"))
    assert gate.peak == 4


def test_table_name_falls_back_to_env_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTITY_TABLE_NAME", "entities")
    fake = FakeDynamoDB()
    step = update_dynamodb(connector=fake)
    monkeypatch.setenv("ENTITY_TABLE_NAME", "other")
    run(requests(1), step)
    assert fake.requests[0]["TableName"] == "entities"


def test_a_uow_without_request_passes_through_untouched() -> None:
    fake = FakeDynamoDB()
    items = [{"id": 1}, {"id": 2, "update_request": None}]
    assert run(items, update_dynamodb(connector=fake, table_name="T")) == items
    assert fake.requests == []


def test_stale_update_is_a_no_op() -> None:
    fake = FakeDynamoDB(
        fail=lambda p: ConditionalCheckFailedError("stale") if p["Key"]["pk"] == "1" else None
    )
    out = run(requests(3), update_dynamodb(connector=fake, table_name="T"))
    assert not any(isinstance(u, Failed) for u in out)
    assert out[1]["update_response"] == {}
    assert out[0]["update_response"] == {"Attributes": {"ok": True}}


def test_stale_update_throws_when_asked() -> None:
    fake = FakeDynamoDB(fail=lambda p: ConditionalCheckFailedError("stale"))
    out = run(requests(1), update_dynamodb(connector=fake, table_name="T", throw_condition_failure=True))
    assert isinstance(out[0], Failed) and out[0].uow["id"] == 0


def test_fallback_update_request_runs_once() -> None:
    fake = FakeDynamoDB(fail=lambda p: ConditionalCheckFailedError("stale"))
    uow = {
        **requests(1)[0],
        "fallback_update_request": {"Key": {"pk": "0"}, "UpdateExpression": "SET #b = :b"},
    }
    out = run([uow], update_dynamodb(connector=fake, table_name="T"))
    assert [r["UpdateExpression"] for r in fake.requests] == ["SET #a = :a", "SET #b = :b"]
    assert out[0]["update_response"] == {}  # the fallback lost too: still a no-op, not retried


def test_fallback_response_is_adorned() -> None:
    fake = FakeDynamoDB(
        fail=lambda p: ConditionalCheckFailedError("stale") if "#a" in p["UpdateExpression"] else None
    )
    uow = {
        **requests(1)[0],
        "fallback_update_request": {"Key": {"pk": "0"}, "UpdateExpression": "SET #b = :b"},
    }
    out = run([uow], update_dynamodb(connector=fake, table_name="T"))
    assert out[0]["update_response"] == {"Attributes": {"ok": True}}
    assert len(fake.requests) == 2


def test_other_errors_fault_exactly_that_uow() -> None:
    fake = FakeDynamoDB(fail=lambda p: ThrottledError("slow down") if p["Key"]["pk"] == "2" else None)
    out = run(requests(5), update_dynamodb(connector=fake, table_name="T", parallel=2))
    failed = [u for u in out if isinstance(u, Failed)]
    assert len(failed) == 1
    assert isinstance(failed[0].error, ThrottledError)
    assert failed[0].uow["id"] == 2
    assert [u["id"] for u in out if not isinstance(u, Failed)] == [0, 1, 3, 4]


def test_put_dynamodb() -> None:
    fake = FakeDynamoDB(
        fail=lambda p: ConditionalCheckFailedError("exists") if p["Item"]["pk"] == "1" else None
    )
    items = [{"put_request": {"Item": {"pk": str(i)}}} for i in range(3)]
    out = run(items, put_dynamodb(connector=fake, table_name="E"))
    assert [u["put_response"] for u in out] == [{}, {}, {}]
    assert fake.requests[0] == {"TableName": "E", "Item": {"pk": "0"}}


def test_two_sinks_sharing_a_cached_connector_each_get_their_parallel() -> None:
    """Two update sinks merged, each parallel=4, one shared connector: 8 calls in flight."""
    import asyncio
    import threading

    from lambda_stream import Stream
    from lambda_stream.connectors.base import ConnectorCache
    from lambda_stream.connectors.dynamodb import DynamoDBConnector

    lock = threading.Lock()
    barrier = threading.Barrier(8, timeout=10)
    state = {"now": 0, "peak": 0}

    class Client:
        def update_item(self, **params: Any) -> dict[str, Any]:
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            barrier.wait()  # passes only when 8 calls are inside at once
            with lock:
                state["now"] -= 1
            return {}

    cache = ConnectorCache()
    connector = cache.get(DynamoDBConnector, parallel=64, client=Client())
    opt = {"connectors": cache, "table_name": "t"}

    def reqs(tag: str) -> list[dict[str, Any]]:
        return [{"update_request": {"Key": {"pk": f"{tag}{i}"}}} for i in range(8)]

    async def go() -> int:
        a = Stream(reqs("a")).through(update_dynamodb(**opt, connector=connector, parallel=4))
        b = Stream(reqs("b")).through(update_dynamodb(**opt, connector=connector, parallel=4))
        return len(await Stream.merge([a, b]).to_list())

    assert asyncio.run(go()) == 16
    assert state["peak"] == 8
    connector.close()


def test_a_given_connector_smaller_than_the_sinks_parallel_is_refused() -> None:
    from lambda_stream.connectors.dynamodb import DynamoDBConnector
    from lambda_stream.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="parallel=16"):
        update_dynamodb(table_name="t", parallel=16, connector=DynamoDBConnector(parallel=8))


def test_sinks_building_their_connector_share_one_with_room_for_all() -> None:
    from lambda_stream.connectors.base import ConnectorCache

    cache = ConnectorCache()
    update_dynamodb(table_name="t", parallel=4, connectors=cache)
    put_dynamodb(table_name="t", parallel=16, connectors=cache)
    assert len(cache) == 1
    [connector] = cache._connectors.values()
    assert connector.parallel == 64


def test_an_update_with_nothing_to_write_is_not_sent() -> None:
    fake = FakeDynamoDB()
    empty = {"Key": {"pk": "1"}, **update_expression({"tags": set(), "ids_delete": set()})}
    assert empty["UpdateExpression"] == ""
    items = [{"id": 0, "update_request": empty}, *requests(1)]
    out = run(items, update_dynamodb(connector=fake, table_name="T"))
    assert out[0] == items[0]  # passes through untouched: no call, no update_response
    assert out[1]["update_response"] == {"Attributes": {"ok": True}}
    assert [r["Key"] for r in fake.requests] == [{"pk": "0"}]


def test_an_empty_fallback_is_not_sent() -> None:
    fake = FakeDynamoDB(fail=lambda p: ConditionalCheckFailedError("stale"))
    uow = {
        **requests(1)[0],
        "fallback_update_request": {"Key": {"pk": "0"}, **update_expression({"s": set()})},
    }
    out = run([uow], update_dynamodb(connector=fake, table_name="T"))
    assert out[0]["update_response"] == {}
    assert len(fake.requests) == 1


def test_throw_condition_failure_skips_the_fallback() -> None:
    fake = FakeDynamoDB(fail=lambda p: ConditionalCheckFailedError("stale"))
    uow = {
        **requests(1)[0],
        "fallback_update_request": {"Key": {"pk": "0"}, "UpdateExpression": "SET #b = :b"},
    }
    out = run([uow], update_dynamodb(connector=fake, table_name="T", throw_condition_failure=True))
    assert isinstance(out[0], Failed) and isinstance(out[0].error, ConditionalCheckFailedError)
    assert len(fake.requests) == 1
