"""materialize and cdc end to end against moto over HTTP.

materialize keeps the newest version of a thing when events arrive out of order (the stale one
in a later invocation: moto's conditional UpdateItem is not atomic for concurrent requests on
one key); cdc publishes change events, with raw, through EventBridge to an SQS queue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream import (
    cdc,
    from_dynamodb,
    from_kinesis,
    materialize,
    timestamp_condition,
    update_expression,
)
from lambda_stream.connectors import ConnectorCache, DynamoDBConnector
from lambda_stream.testing import to_dynamodb_records, to_kinesis_records
from lambda_stream.testing.moto_server import create_table
from lambda_stream.utils.dynamodb_json import unmarshall_image

from .flavor_aws import bus_to_queue, rules_handler

TABLE = "entities"
BUS = "bus"
TS = 1_700_000_000_000


def to_update_request(uow: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    e = uow["event"]
    return {
        "Key": {"pk": e["thing"]["id"], "sk": "thing"},
        **update_expression(
            {"name": e["thing"]["name"], "discriminator": "thing", "timestamp": e["timestamp"]}
        ),
        **timestamp_condition(),
    }


RULES = [
    {
        "id": "mv",
        "flavor": materialize,
        "event_type": ["thing-created", "thing-updated"],
        "to_update_request": to_update_request,
    }
]


def handler(rules: list[dict[str, Any]], source: Callable[[Any], Any], connectors: ConnectorCache) -> Any:
    return rules_handler(rules, source, connectors, table_name=TABLE)


def run(h: Any, event: dict[str, Any]) -> Any:
    try:
        return h(event, None)
    finally:
        h.bridge.close()


def thing(i: int, ts: int, name: str, kind: str = "thing-updated") -> dict[str, Any]:
    return {
        "id": f"e{i}",
        "type": kind,
        "timestamp": ts,
        "partitionKey": "t1",
        "thing": {"id": "t1", "name": name},
    }


def test_materialize_keeps_the_newest_version(aws: str, connectors: ConnectorCache) -> None:
    ddb = connectors.get(DynamoDBConnector)
    create_table(ddb.client, TABLE)
    h = handler(RULES, from_kinesis, connectors)
    # one event per key and invocation: moto's conditional update is not atomic within one
    for batch in (
        [thing(1, TS, "v1", "thing-created"), thing(9, TS, "ignored", "other")],
        [thing(3, TS + 30, "v3")],
    ):
        assert h(to_kinesis_records(batch), None) == {"batchItemFailures": []}
    stale = [thing(2, TS + 20, "v2")]  # older than v3, delivered later
    assert run(h, to_kinesis_records(stale)) == {"batchItemFailures": []}
    [item] = [unmarshall_image(i) for i in ddb.client.scan(TableName=TABLE)["Items"]]
    assert item == {"pk": "t1", "sk": "thing", "name": "v3", "discriminator": "thing", "timestamp": TS + 30}


def to_event(uow: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    new = uow["event"]["raw"]["new"]
    return {"thing": {"id": new["pk"], "name": new["name"]}}


@pytest.fixture
def queue(aws: str, connectors: ConnectorCache) -> tuple[Any, str]:
    return bus_to_queue(connectors, "changes")


def test_cdc_publishes_change_events_with_raw(
    queue: tuple[Any, str], connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sqs, url = queue
    rules = [
        {"id": "cdc", "flavor": cdc, "event_type": ["thing-created", "thing-updated"], "to_event": to_event}
    ]
    records = to_dynamodb_records(
        [
            {
                "timestamp": 1700000000,
                "keys": {"pk": "t1", "sk": "thing"},
                "newImage": {
                    "pk": "t1",
                    "sk": "thing",
                    "discriminator": "thing",
                    "name": "One",
                    "timestamp": TS,
                },
            },
            {
                "timestamp": 1700000001,
                "keys": {"pk": "t1", "sk": "thing"},
                "newImage": {
                    "pk": "t1",
                    "sk": "thing",
                    "discriminator": "thing",
                    "name": "Two",
                    "timestamp": TS + 1,
                },
                "oldImage": {
                    "pk": "t1",
                    "sk": "thing",
                    "discriminator": "thing",
                    "name": "One",
                    "timestamp": TS,
                },
            },
            {
                "timestamp": 1700000002,
                "keys": {"pk": "t2", "sk": "thing"},  # written by a listener: latched
                "newImage": {
                    "pk": "t2",
                    "sk": "thing",
                    "discriminator": "thing",
                    "name": "L",
                    "latched": True,
                },
            },
        ]
    )
    assert run(handler(rules, from_dynamodb, connectors), records) == {"batchItemFailures": []}
    bodies = sorted(
        (json.loads(m["Body"]) for m in read_queue(sqs, url, 2)), key=lambda b: b["detail"]["timestamp"]
    )
    assert [b["detail-type"] for b in bodies] == ["thing-created", "thing-updated"]
    updated = bodies[1]["detail"]
    assert updated["thing"] == {"id": "t1", "name": "Two"}
    assert updated["raw"]["new"]["name"] == "Two" and updated["raw"]["old"]["name"] == "One"
    assert updated["partitionKey"] == "t1"
    assert updated["tags"]["pipeline"] == "cdc"


def test_update_queries_related_rows_and_updates_each(aws: str, connectors: ConnectorCache) -> None:
    """A change of a thing updates every row that refers to it (query, split, update)."""
    from lambda_stream.flavors import update
    from lambda_stream.queries import to_pk_query_request
    from lambda_stream.utils.dynamodb_json import marshall_image

    ddb = connectors.get(DynamoDBConnector)
    create_table(ddb.client, TABLE)
    for sk in ("ref-a", "ref-b"):
        ddb.client.put_item(TableName=TABLE, Item=marshall_image({"pk": "t1", "sk": sk, "name": "old"}))

    def to_request(uow: dict[str, Any]) -> dict[str, Any] | None:
        row = uow["query_response"]
        if row["sk"] == "thing":
            return None
        return {
            "Key": {"pk": row["pk"], "sk": row["sk"]},
            **update_expression({"name": uow["event"]["raw"]["new"]["name"]}),
        }

    rules = [
        {
            "id": "u",
            "flavor": update,
            "event_type": "thing-updated",
            "to_query_request": to_pk_query_request,
            "split_on": "query_response",
            "to_update_request": to_request,
        }
    ]
    records = to_dynamodb_records(
        [
            {
                "timestamp": 1_700_000_000,
                "keys": {"pk": "t1", "sk": "thing"},
                "newImage": {"pk": "t1", "sk": "thing", "discriminator": "thing", "name": "new"},
                "oldImage": {"pk": "t1", "sk": "thing", "discriminator": "thing", "name": "old"},
            }
        ]
    )
    assert run(handler(rules, from_dynamodb, connectors), records) == {"batchItemFailures": []}
    items = sorted(
        (unmarshall_image(i) for i in ddb.client.scan(TableName=TABLE)["Items"]), key=lambda r: r["sk"]
    )
    assert [(r["sk"], r["name"]) for r in items] == [("ref-a", "new"), ("ref-b", "new")]
