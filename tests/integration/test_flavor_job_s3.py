"""job and materialize_s3 end to end against moto over HTTP.

job: a job row's changes page through a table (a scan, Limit 2), each page's items become events
on an EventBridge bus routed to an SQS queue, and the cursor the job keeps in its row carries
the paging from one invocation to the next until no page is left. materialize_s3: events become
S3 objects, and a delete event removes one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lambda_stream import (
    from_dynamodb,
    from_kinesis,
    timestamp_condition,
    update_expression,
)
from lambda_stream.connectors import (
    ConnectorCache,
    DynamoDBConnector,
    S3Connector,
)
from lambda_stream.flavors import job, materialize_s3
from lambda_stream.testing import to_dynamodb_records, to_kinesis_records
from lambda_stream.testing.moto_server import create_table
from lambda_stream.utils.dynamodb_json import marshall_image, unmarshall_image

from .flavor_aws import bus_to_queue, rules_handler

TABLE = "entities"
BUS = "bus"


def to_scan_request(uow: dict[str, Any]) -> dict[str, Any]:
    cursor = uow["event"]["raw"]["new"].get("cursor")
    return {"Limit": 2, **({"ExclusiveStartKey": cursor} if cursor else {})}


def to_event(uow: dict[str, Any]) -> dict[str, Any]:
    item = uow["scan_response"]["Item"]
    return {
        "id": f"touched-{item['pk']}",
        "type": "thing-touched",
        "timestamp": uow["event"]["timestamp"],
        "partitionKey": item["pk"],
    }


def to_cursor_update_request(uow: dict[str, Any]) -> dict[str, Any]:
    new = uow["event"]["raw"]["new"]
    return {
        "Key": {"pk": new["pk"], "sk": new["sk"]},
        **update_expression(
            {"cursor": uow["scan_response"].get("LastEvaluatedKey"), "timestamp": uow["event"]["timestamp"]}
        ),
        **timestamp_condition(),
    }


RULES = [
    {
        "id": "touch",
        "flavor": job,
        "event_type": ["job-created", "job-updated"],
        "job_filters": [
            lambda uow: uow["record"]["eventName"] == "INSERT" or uow["event"]["raw"]["new"].get("cursor")
        ],
        "to_scan_request": to_scan_request,
        "filters": [lambda uow: uow["scan_response"]["Item"]["sk"] == "thing"],
        "to_event": to_event,
        "to_cursor_update_request": to_cursor_update_request,
    }
]


def test_a_job_pages_with_its_cursor_across_invocations(
    aws: str, connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    ddb = connectors.get(DynamoDBConnector).client
    create_table(ddb, TABLE)
    for i in range(5):
        ddb.put_item(TableName=TABLE, Item=marshall_image({"pk": f"t{i}", "sk": "thing"}))
    sqs, url = bus_to_queue(connectors, "touched")
    handler = rules_handler(RULES, from_dynamodb, connectors, table_name=TABLE)

    job_row: dict[str, Any] = {"pk": "job1", "sk": "job", "discriminator": "job"}
    ddb.put_item(TableName=TABLE, Item=marshall_image(job_row))
    change: dict[str, Any] = {
        "timestamp": 1_700_000_000,
        "keys": {"pk": "job1", "sk": "job"},
        "newImage": job_row,
    }
    invocations = 0
    try:
        while True:  # the stream, played by hand: each cursor update is the next change of the job row
            assert handler(to_dynamodb_records([change]), None) == {"batchItemFailures": []}
            invocations += 1
            now = unmarshall_image(
                ddb.get_item(TableName=TABLE, Key=marshall_image({"pk": "job1", "sk": "job"}))["Item"]
            )
            if "cursor" not in now or invocations > 10:
                break
            change = {
                "timestamp": 1_700_000_000 + invocations,
                "keys": {"pk": "job1", "sk": "job"},
                "newImage": {**now, "timestamp": (1_700_000_000 + invocations) * 1000},
                "oldImage": change["newImage"],
            }
    finally:
        handler.close()
    touched = sorted(json.loads(m["Body"])["detail"]["id"] for m in read_queue(sqs, url, 5))
    assert touched == [f"touched-t{i}" for i in range(5)]  # every thing once, across the pages
    assert invocations == 3  # 6 rows (5 things and the job) in pages of 2


def test_materialize_s3_puts_and_deletes_objects(aws: str, connectors: ConnectorCache) -> None:
    s3 = connectors.get(S3Connector).client
    s3.create_bucket(Bucket="views")

    def to_put_request(uow: dict[str, Any]) -> dict[str, Any] | None:
        e = uow["event"]
        if e["type"] == "thing-deleted":
            return None
        return {"Key": f"things/{e['thing']['id']}.json", "Body": json.dumps(e["thing"])}

    def to_delete_request(uow: dict[str, Any]) -> dict[str, Any] | None:
        e = uow["event"]
        return {"Key": f"things/{e['thing']['id']}.json"} if e["type"] == "thing-deleted" else None

    rules = [
        {
            "id": "s3",
            "flavor": materialize_s3,
            "event_type": ["thing-created", "thing-deleted"],
            "to_put_request": to_put_request,
            "to_delete_request": to_delete_request,
            "bucket_name": "views",
        }
    ]
    handler = rules_handler(rules, from_kinesis, connectors)
    events = [
        {"type": "thing-created", "timestamp": 1, "thing": {"id": str(i), "name": f"n{i}"}} for i in range(3)
    ]
    try:
        assert handler(to_kinesis_records(events), None) == {"batchItemFailures": []}
        deleted = [{"type": "thing-deleted", "timestamp": 2, "thing": {"id": "1"}}]
        assert handler(to_kinesis_records(deleted), None) == {"batchItemFailures": []}
    finally:
        handler.close()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="views")["Contents"])
    assert keys == ["things/0.json", "things/2.json"]
    body = s3.get_object(Bucket="views", Key="things/2.json")["Body"].read()
    assert json.loads(body) == {"id": "2", "name": "n2"}
