"""The micro event store end to end against moto over HTTP.

Kinesis events -> collect (EVENT rows) -> the table's DynamoDB stream, read from moto -> correlate
(CORREL rows) and evaluate -> higher-order events on an EventBridge bus routed to an SQS queue;
and expired for a TTL-shaped REMOVE (moto does not run TTL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lambda_stream import (
    collect,
    correlate,
    evaluate,
    expired,
    from_dynamodb,
    from_kinesis,
)
from lambda_stream.connectors import ConnectorCache, DynamoDBConnector
from lambda_stream.testing import to_dynamodb_records, to_kinesis_records
from lambda_stream.testing.moto_server import REGION

from .flavor_aws import bus_to_queue, rules_handler

TABLE = "events"
BUS = "bus"
TS = 1_700_000_000_000


def create_event_table(client: Any) -> str:
    """pk/sk strings, GSI DataIndex on ``data``, stream NEW_AND_OLD_IMAGES (DESIGN.md)."""
    resp = client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "data", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "DataIndex",
                "KeySchema": [{"AttributeName": "data", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(resp["TableDescription"]["LatestStreamArn"])


class StreamReader:
    """Reads a table's DynamoDB stream from moto, each record once, shaped as Lambda delivers it."""

    def __init__(self, client: Any, arn: str) -> None:
        self.client, self.arn = client, arn
        self.iterators: dict[str, str] = {}

    def read(self) -> dict[str, Any]:
        shards = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            sid = shard["ShardId"]
            it = (
                self.iterators.get(sid)
                or self.client.get_shard_iterator(
                    StreamArn=self.arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            resp = self.client.get_records(ShardIterator=it)
            self.iterators[sid] = resp["NextShardIterator"]
            for r in resp["Records"]:
                ddb = dict(r["dynamodb"])
                ddb["ApproximateCreationDateTime"] = ddb["ApproximateCreationDateTime"].timestamp()
                records.append({**r, "dynamodb": ddb, "eventSourceARN": self.arn})  # moto leaves it out
        return {"Records": records}


@pytest.fixture
def store(aws: str, connectors: ConnectorCache, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("EVENT_TABLE_NAME", TABLE)
    ddb = connectors.get(DynamoDBConnector)
    arn = create_event_table(ddb.client)
    import boto3

    reader = StreamReader(boto3.client("dynamodbstreams"), arn)
    sqs, queue_url = bus_to_queue(connectors, "emitted")
    yield {"ddb": ddb, "reader": reader, "sqs": sqs, "queue_url": queue_url}


def handler(rules: list[dict[str, Any]], source: Callable[[Any], Any], connectors: ConnectorCache) -> Any:
    return rules_handler(rules, source, connectors, table_name=TABLE)


def rows(ddb: DynamoDBConnector) -> list[dict[str, Any]]:
    from lambda_stream.utils.dynamodb_json import unmarshall_image

    items = ddb.client.scan(TableName=TABLE)["Items"]
    return sorted((unmarshall_image(i) for i in items), key=lambda r: (r["pk"], r["sk"]))


def run(h: Any, event: dict[str, Any]) -> Any:
    try:
        return h(event, None)
    finally:
        h.bridge.close()


def two_of_a_kind(uow: dict[str, Any]) -> Any:
    """Fires once both events of an order are correlated under its key."""
    types = sorted(e["type"] for e in uow["correlated"])
    return types == ["order-paid", "order-placed"]


RULES_COLLECT = [
    {
        "id": "collect",
        "flavor": collect,
        "event_type": ["order-placed", "order-paid"],
        "correlation_key": "order.id",
    }
]
RULES_TRIGGER = [
    {
        "id": "by-customer",
        "flavor": correlate,
        "event_type": "order-placed",
        "correlation_key": "order.customer",
        "correlation_key_suffix": "cust",
        "expire": True,
    },
    {
        "id": "placed",
        "flavor": evaluate,
        "event_type": "order-placed",
        "emit": "order-noticed",
        "filters": [lambda uow, rule: not uow["meta"]["correlation"]],
    },
    {
        "id": "complete",
        "flavor": evaluate,
        "event_type": ["order-placed", "order-paid"],
        "expression": two_of_a_kind,
        "emit": "order-complete",
        "filters": [lambda uow, rule: not uow["meta"]["correlation"]],
    },
    {
        "id": "customer",
        "flavor": evaluate,
        "event_type": "order-placed",
        "correlation_key_suffix": "cust",
        "expression": lambda uow: True,
        "emit": "customer-ordered",
    },
]


def test_collect_then_correlate_and_evaluate_through_the_stream(
    store: dict[str, Any], connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    events = [
        {
            "id": "p1",
            "type": "order-placed",
            "timestamp": TS,
            "partitionKey": "o1",
            "order": {"id": "o1", "customer": "c1"},
            "raw": {"big": "x"},
        },
        {"id": "x1", "type": "other", "timestamp": TS, "partitionKey": "o1"},
    ]
    assert run(handler(RULES_COLLECT, from_kinesis, connectors), to_kinesis_records(events)) == {
        "batchItemFailures": []
    }
    [row] = rows(store["ddb"])
    assert row == {
        "pk": "p1",
        "sk": "EVENT",
        "discriminator": "EVENT",
        "timestamp": TS,
        "awsregion": REGION,
        "sequenceNumber": "0",
        "ttl": TS // 1000 + 33 * 86400,
        "data": "o1",
        "event": {
            "id": "p1",
            "type": "order-placed",
            "timestamp": TS,
            "partitionKey": "o1",
            "order": {"id": "o1", "customer": "c1"},
        },
    }
    assert "expire" not in row

    # the stream: an INSERT of the EVENT row -> a CORREL row by customer, and 'order-noticed'
    trigger = handler(RULES_TRIGGER, from_dynamodb, connectors)
    assert run(trigger, store["reader"].read()) == {"batchItemFailures": []}
    correl = [r for r in rows(store["ddb"]) if r["discriminator"] == "CORREL"]
    assert [(r["pk"], r["sk"], r["suffix"], r["ruleId"], r["expire"]) for r in correl] == [
        ("c1.cust", "p1", "cust", "by-customer", True)
    ]
    # the CORREL row's INSERT -> 'customer-ordered' (suffix cust); the basic 'placed' filters it out
    assert run(handler(RULES_TRIGGER, from_dynamodb, connectors), store["reader"].read()) == {
        "batchItemFailures": []
    }

    # the payment arrives: its EVENT row completes the order (DataIndex query on data = o1)
    paid = [
        {"id": "q1", "type": "order-paid", "timestamp": TS + 5, "partitionKey": "o1", "order": {"id": "o1"}}
    ]
    run(handler(RULES_COLLECT, from_kinesis, connectors), to_kinesis_records(paid))
    assert run(handler(RULES_TRIGGER, from_dynamodb, connectors), store["reader"].read()) == {
        "batchItemFailures": []
    }

    bodies = [json.loads(m["Body"]) for m in read_queue(store["sqs"], store["queue_url"], 3)]
    emitted = sorted((b["detail"] for b in bodies), key=lambda e: e["type"])
    assert [e["type"] for e in emitted] == ["customer-ordered", "order-complete", "order-noticed"]
    by = {e["type"]: e for e in emitted}
    assert by["order-noticed"]["id"].endswith(".placed")
    assert by["order-noticed"]["triggers"] == [{"id": "p1", "type": "order-placed", "timestamp": TS}]
    assert by["order-noticed"]["partitionKey"] == "o1"
    assert by["order-noticed"]["tags"]["pipeline"] == "placed"
    assert by["customer-ordered"]["partitionKey"] == "c1"  # the suffix removed
    assert by["order-complete"]["triggers"] == [{"id": "q1", "type": "order-paid", "timestamp": TS + 5}]
    assert by["order-complete"]["timestamp"] == TS + 5


def test_expired_fires_for_a_ttl_remove_of_a_row_marked_expire(
    store: dict[str, Any], connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    event = {"id": "p1", "type": "order-placed", "timestamp": TS + 123, "partitionKey": "o1"}
    ttl = TS // 1000 + 60
    image = {"pk": "p1", "sk": "EVENT", "discriminator": "EVENT", "timestamp": TS, "ttl": ttl, "event": event}
    records = to_dynamodb_records(
        [
            {
                "timestamp": ttl + 5,
                "keys": {"pk": "p1", "sk": "EVENT"},
                "oldImage": {**image, "expire": True},
                "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
            },
            {
                "timestamp": ttl + 5,
                "keys": {"pk": "p2", "sk": "EVENT"},
                "oldImage": {**image, "pk": "p2"},
            },  # no expire
        ]
    )
    h = handler([{"id": "expired", "flavor": expired}], from_dynamodb, connectors)
    assert run(h, records) == {"batchItemFailures": []}
    [body] = [json.loads(m["Body"]) for m in read_queue(store["sqs"], store["queue_url"], 1)]
    assert body["detail-type"] == "order-placed-expired"
    detail = body["detail"]
    assert detail["id"] == "0"
    assert detail["timestamp"] == ttl * 1000 + 123
    assert detail["triggers"] == [{"id": "p1", "type": "order-placed", "timestamp": TS + 123}]
    assert detail["tags"]["pipeline"] == "expired"
