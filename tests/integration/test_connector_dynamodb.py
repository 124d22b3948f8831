"""DynamoDBConnector against moto over HTTP: plain values in and out, errors mapped, batch retries."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from lambda_stream.connectors import ConnectorCache, DynamoDBConnector
from lambda_stream.errors import BatchEntriesFailedError, ConditionalCheckFailedError, NotFoundError
from lambda_stream.testing.fault_injection import FaultInjector
from lambda_stream.testing.moto_server import create_table

TABLE = "events"


@pytest.fixture
def ddb(aws: str, connectors: ConnectorCache) -> DynamoDBConnector:
    connector = connectors.get(DynamoDBConnector, retry_base_delay=0.001)
    create_table(connector.client, TABLE)
    return connector


def test_update_put_get_round_trip_plain_values(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        updated = await ddb.update_item(
            {
                "TableName": TABLE,
                "Key": {"pk": "thing-1", "sk": "thing"},
                "UpdateExpression": "SET #name = :name, #count = :count, #price = :price, #tags = :tags, #blob = :blob",
                "ExpressionAttributeNames": {
                    "#name": "name",
                    "#count": "count",
                    "#price": "price",
                    "#tags": "tags",
                    "#blob": "blob",
                },
                "ExpressionAttributeValues": {
                    ":name": "Thing One",
                    ":count": 3,
                    ":price": Decimal("9.99"),
                    ":tags": {"a", "b"},
                    ":blob": b"\x00\xff",
                },
                "ReturnValues": "ALL_NEW",
            }
        )
        assert updated["Attributes"] == {
            "pk": "thing-1",
            "sk": "thing",
            "name": "Thing One",
            "count": 3,
            "price": Decimal("9.99"),
            "tags": {"a", "b"},
            "blob": b"\x00\xff",
        }
        assert isinstance(updated["Attributes"]["count"], int)

        await ddb.put_item(
            {"TableName": TABLE, "Item": {"pk": "thing-2", "sk": "thing", "nested": {"x": [1, None]}}}
        )
        got = await ddb.get_item({"TableName": TABLE, "Key": {"pk": "thing-2", "sk": "thing"}})
        assert got["Item"] == {"pk": "thing-2", "sk": "thing", "nested": {"x": [1, None]}}

        missing = await ddb.get_item({"TableName": TABLE, "Key": {"pk": "nope", "sk": "thing"}})
        assert "Item" not in missing

    asyncio.run(main())


def test_query_all_follows_last_evaluated_key(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        for i in range(7):
            await ddb.put_item({"TableName": TABLE, "Item": {"pk": "p", "sk": f"s{i}", "n": i}})
        await ddb.put_item({"TableName": TABLE, "Item": {"pk": "other", "sk": "s0"}})
        params = {
            "TableName": TABLE,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": "pk"},
            "ExpressionAttributeValues": {":pk": "p"},
            "Limit": 2,
        }
        first = await ddb.query(params)
        assert len(first["Items"]) == 2
        assert first["LastEvaluatedKey"] == {"pk": "p", "sk": "s1"}  # plain, ready to pass back
        second = await ddb.query({**params, "ExclusiveStartKey": first["LastEvaluatedKey"]})
        assert [i["sk"] for i in second["Items"]] == ["s2", "s3"]

        items = await ddb.query_all(params)
        assert [i["n"] for i in items] == list(range(7))

    asyncio.run(main())


def test_batch_get_returns_plain_items_per_table(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        for i in range(5):
            await ddb.put_item({"TableName": TABLE, "Item": {"pk": f"k{i}", "sk": "x", "n": i}})
        keys = [{"pk": f"k{i}", "sk": "x"} for i in range(6)]  # k5 does not exist
        result = await ddb.batch_get({TABLE: {"Keys": keys, "ProjectionExpression": "pk, n"}})
        assert sorted(result[TABLE], key=lambda i: i["n"]) == [{"pk": f"k{i}", "n": i} for i in range(5)]

    asyncio.run(main())


def test_batch_get_retries_unprocessed_keys(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        for i in range(20):
            await ddb.put_item({"TableName": TABLE, "Item": {"pk": f"k{i}", "sk": "x"}})
        keys = [{"pk": f"k{i}", "sk": "x"} for i in range(20)]
        injector = FaultInjector(fraction=0.3, attempts=2, seed=1)
        with injector.installed(ddb.client):
            result = await ddb.batch_get({TABLE: {"Keys": keys}})
        assert injector.injected > 0
        assert sorted(i["pk"] for i in result[TABLE]) == sorted(k["pk"] for k in keys)

    asyncio.run(main())


def test_batch_get_raises_when_keys_stay_unprocessed(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        keys = [{"pk": f"k{i}", "sk": "x"} for i in range(3)]
        stuck = FaultInjector(permanent=lambda e: e["Entry"]["pk"] == {"S": "k1"})
        with stuck.installed(ddb.client), pytest.raises(BatchEntriesFailedError) as info:
            await ddb.batch_get({TABLE: {"Keys": keys}})
        assert info.value.failed == [{"TableName": TABLE, "Key": {"pk": "k1", "sk": "x"}}]
        assert stuck.injected == ddb.max_retries + 1

    asyncio.run(main())


def test_batch_write_retries_unprocessed_items_exactly_once(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        requests = [{"PutRequest": {"Item": {"pk": f"k{i}", "sk": "x", "n": i}}} for i in range(25)]
        injector = FaultInjector(fraction=0.3, attempts=1, seed=2)
        with injector.installed(ddb.client):
            unprocessed = await ddb.batch_write({TABLE: requests})
        assert unprocessed == []
        assert injector.injected > 0
        items = ddb.client.scan(TableName=TABLE)["Items"]
        assert sorted(int(i["n"]["N"]) for i in items) == list(range(25))

        stuck = FaultInjector(permanent=lambda e: e["Entry"]["PutRequest"]["Item"]["pk"] == {"S": "k30"})
        with stuck.installed(ddb.client):
            left = await ddb.batch_write(
                {TABLE: [{"PutRequest": {"Item": {"pk": f"k{i}", "sk": "x"}}} for i in (30, 31)]}
            )
        assert left == [{"TableName": TABLE, "PutRequest": {"Item": {"pk": "k30", "sk": "x"}}}]

    asyncio.run(main())


def test_missing_table_is_not_found(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        with pytest.raises(NotFoundError) as info:
            await ddb.get_item({"TableName": "no-such-table", "Key": {"pk": "1", "sk": "x"}})
        assert info.value.code == "ResourceNotFoundException"

    asyncio.run(main())


def test_conditional_check_failure_is_mapped(ddb: DynamoDBConnector) -> None:
    async def main() -> None:
        key = {"pk": "thing-1", "sk": "thing"}
        update = {
            "TableName": TABLE,
            "Key": key,
            "UpdateExpression": "SET #timestamp = :timestamp",
            "ConditionExpression": "attribute_not_exists(#timestamp) OR #timestamp < :timestamp",
            "ExpressionAttributeNames": {"#timestamp": "timestamp"},
        }
        await ddb.update_item({**update, "ExpressionAttributeValues": {":timestamp": 2000}})
        with pytest.raises(ConditionalCheckFailedError) as info:
            await ddb.update_item({**update, "ExpressionAttributeValues": {":timestamp": 1000}})
        assert info.value.code == "ConditionalCheckFailedException"
        assert isinstance(info.value.__cause__, Exception)  # the botocore error is chained
        got = await ddb.get_item({"TableName": TABLE, "Key": key})
        assert got["Item"]["timestamp"] == 2000

    asyncio.run(main())
