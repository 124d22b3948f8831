"""The service template's handler modules (templates/service/src) run as written, through the
runner, against moto: the trigger publishes the table's own changes (not the latched rows the
listener wrote), the listener materializes other services' events (latched) and collects them."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambda_stream.cli.runner import EventSourceMapping, Runner
from lambda_stream.testing.moto_server import create_table
from lambda_stream.utils.dynamodb_json import unmarshall_image

SRC = Path(__file__).resolve().parents[2] / "templates" / "service" / "src"


@pytest.fixture
def service(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The service's environment (as the template's Globals set it) and its handler modules."""
    for name, value in {
        "ENTITY_TABLE_NAME": "entities",
        "EVENT_TABLE_NAME": "events",
        "BUS_NAME": "hub",
        "SERVICE": "my-bff",
        "STAGE": "dev",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(SRC))
    try:
        yield aws
    finally:
        for module in ("trigger", "listener"):
            sys.modules.pop(module, None)


def run(mapping: EventSourceMapping, endpoint: str) -> Runner:
    async def go() -> Runner:
        async with Runner([mapping], endpoint_url=endpoint, poll_interval_s=0.02) as runner:
            assert await runner.until_quiet(timeout_s=60)
        return runner

    return asyncio.run(go())


def test_the_trigger_publishes_the_tables_own_changes(service: str) -> None:
    ddb, sqs, events = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("events")
    ddb.create_table(
        TableName="entities",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    url = sqs.create_queue(QueueName="observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.create_event_bus(Name="hub")
    events.put_rule(Name="all", EventBusName="hub", EventPattern=json.dumps({"source": ["custom"]}))
    detail = {"InputPathsMap": {"detail": "$.detail"}, "InputTemplate": "<detail>"}
    events.put_targets(
        Rule="all", EventBusName="hub", Targets=[{"Id": "q", "Arn": arn, "InputTransformer": detail}]
    )
    thing = {
        "pk": {"S": "t1"},
        "sk": {"S": "thing"},
        "discriminator": {"S": "thing"},
        "name": {"S": "widget"},
    }
    ddb.put_item(TableName="entities", Item={**thing, "timestamp": {"N": "1000"}})
    latched = {**thing, "pk": {"S": "t2"}, "latched": {"BOOL": True}, "timestamp": {"N": "1000"}}
    ddb.put_item(TableName="entities", Item=latched)
    runner = run(EventSourceMapping("dynamodb:entities", "trigger:handler", bisect_on_error=True), service)
    assert runner.stats[0].records_done == 2 and runner.stats[0].function_errors == 0
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    [event] = [json.loads(m["Body"]) for m in got]
    assert event["type"] == "thing-created"
    assert event["thing"] == {"id": "t1", "name": "widget", "timestamp": 1000}
    assert event["tags"]["source"] == "my-bff"


def test_the_listener_materializes_and_collects_other_services_events(service: str) -> None:
    ddb, kinesis = boto3.client("dynamodb"), boto3.client("kinesis")
    create_table(ddb, "entities")
    create_table(ddb, "events")
    kinesis.create_stream(StreamName="hub-stream", ShardCount=1)
    theirs: dict[str, Any] = {
        "id": "e1",
        "type": "thing-created",
        "timestamp": 2000,
        "partitionKey": "t9",
        "tags": {"source": "other-service"},
        "thing": {"id": "t9", "name": "gadget"},
    }
    ours = {
        **theirs,
        "id": "e2",
        "partitionKey": "t8",
        "tags": {"source": "my-bff"},
        "thing": {"id": "t8", "name": "x"},
    }
    for e in (theirs, ours):
        kinesis.put_record(
            StreamName="hub-stream", PartitionKey=e["partitionKey"], Data=json.dumps(e).encode()
        )
    runner = run(EventSourceMapping("kinesis:hub-stream", "listener:handler"), service)
    assert runner.stats[0].records_done == 2 and runner.stats[0].function_errors == 0
    rows = {r["pk"]: r for r in map(unmarshall_image, ddb.scan(TableName="entities")["Items"])}
    assert list(rows) == ["t9"]  # its own event is not materialized again
    assert (
        rows["t9"]["name"] == "gadget" and rows["t9"]["latched"] is True and rows["t9"]["timestamp"] == 2000
    )
    collected = {r["pk"]: r for r in map(unmarshall_image, ddb.scan(TableName="events")["Items"])}
    assert set(collected) == {"e1", "e2"} and collected["e1"]["sk"] == "EVENT"
