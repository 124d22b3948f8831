"""update_dynamodb against moto: a listener materializes events; a stale event is ignored;
``update_expression`` is accepted by DynamoDB for arbitrary attribute names and values."""

from __future__ import annotations

import asyncio
import string
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_stream.connectors import ConnectorCache, DynamoDBConnector
from lambda_stream.core import Stream
from lambda_stream.sinks import put_dynamodb, timestamp_condition, update_dynamodb, update_expression
from lambda_stream.sinks.expressions import alias
from lambda_stream.testing.moto_server import create_table

TABLE = "entities"


@pytest.fixture
def ddb(aws: str, connectors: ConnectorCache) -> DynamoDBConnector:
    connector = connectors.get(DynamoDBConnector)
    create_table(connector.client, TABLE)
    return connector


def to_update_request(uow: dict[str, Any]) -> dict[str, Any]:
    event = uow["event"]
    item = {"name": event["thing"]["name"], "discriminator": "thing", "timestamp": event["timestamp"]}
    return {
        **uow,
        "update_request": {
            "Key": {"pk": event["partitionKey"], "sk": "thing"},
            **update_expression(item),
            **timestamp_condition(),
        },
    }


def event(i: int, pk: str, ts: int, name: str) -> dict[str, Any]:
    return {
        "event": {
            "id": f"e{i}",
            "type": "thing-updated",
            "partitionKey": pk,
            "timestamp": ts,
            "thing": {"name": name},
        }
    }


def test_listener_updates_rows_and_ignores_a_stale_event(
    ddb: DynamoDBConnector, connectors: ConnectorCache
) -> None:
    async def handle(uows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        step = update_dynamodb(table_name=TABLE, connectors=connectors, parallel=4)
        return await Stream(uows).map(to_update_request).through(step).to_list()

    fresh = [event(i, f"p{i}", 2000 + i, f"v{i}") for i in range(10)]
    out = asyncio.run(handle(fresh))
    assert [u["update_response"]["Attributes"]["name"] for u in out] == [f"v{i}" for i in range(10)]

    stale = [event(99, "p3", 1000, "old"), event(100, "p4", 3000, "newer")]
    out = asyncio.run(handle(stale))
    assert out[0]["update_response"] == {}  # a no-op, not a fault
    item3 = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": {"pk": "p3", "sk": "thing"}}))["Item"]
    assert item3["name"] == "v3" and item3["timestamp"] == 2003
    item4 = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": {"pk": "p4", "sk": "thing"}}))["Item"]
    assert item4["name"] == "newer" and item4["timestamp"] == 3000


def test_put_dynamodb(ddb: DynamoDBConnector, connectors: ConnectorCache) -> None:
    uows = [{"put_request": {"Item": {"pk": f"p{i}", "sk": "EVENT", "n": i}}} for i in range(3)]
    out = asyncio.run(Stream(uows).through(put_dynamodb(table_name=TABLE, connectors=connectors)).to_list())
    assert len(out) == 3
    item = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": {"pk": "p2", "sk": "EVENT"}}))["Item"]
    assert item["n"] == 2


# -- property: any attribute names and values make a valid UpdateItem --------------------------

names = st.text(alphabet=string.ascii_letters + string.digits + "_-.:# é", min_size=1, max_size=12).filter(
    lambda n: n not in {"pk", "sk"} and not n.endswith("_delete")
)
scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    st.lists(st.integers(min_value=0, max_value=9), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b", "c-d"]), st.text(max_size=5), max_size=2),
)
string_sets = st.sets(st.text(min_size=1, max_size=5), min_size=1, max_size=3)
items = st.dictionaries(names, st.one_of(scalars, string_sets), min_size=1, max_size=6).filter(
    lambda d: len({alias(k) for k in d}) == len(d)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=items, second=items)
def test_update_expression_is_accepted_and_the_row_ends_as_expected(
    ddb: DynamoDBConnector, first: dict[str, Any], second: dict[str, Any]
) -> None:
    key = {"pk": "prop", "sk": "x"}
    asyncio.run(
        ddb.update_item(
            {
                "TableName": TABLE,
                "Key": key,
                "UpdateExpression": "REMOVE #z",
                "ExpressionAttributeNames": {"#z": "z"},
            }
        )
    )  # ensure the row exists
    asyncio.run(ddb.put_item({"TableName": TABLE, "Item": key}))  # start empty
    expected: dict[str, Any] = dict(key)
    for item in (first, second):
        asyncio.run(ddb.update_item({"TableName": TABLE, "Key": key, **update_expression(item)}))
        for k, v in item.items():
            if isinstance(v, set):
                old = expected.get(k)
                expected[k] = (old | v) if isinstance(old, set) else v
            else:
                expected[k] = v
    # a second pass removes one attribute and deletes set members, exercising REMOVE and DELETE
    removed = next(iter(second))
    sets = {k: v for k, v in expected.items() if isinstance(v, set) and k != removed}
    last: dict[str, Any] = {removed: None, **{f"{k}_delete": set(list(v)[:1]) for k, v in sets.items()}}
    asyncio.run(ddb.update_item({"TableName": TABLE, "Key": key, **update_expression(last)}))
    expected.pop(removed, None)
    for k, v in sets.items():
        rest = v - set(list(v)[:1])
        if rest:
            expected[k] = rest
        else:
            expected.pop(k)
    got = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": key, "ConsistentRead": True}))["Item"]
    assert normalize(got) == normalize(expected)


def normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value).normalize()
    return value
