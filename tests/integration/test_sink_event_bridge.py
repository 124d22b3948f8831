"""publish_to_event_bridge against moto: a rule routes thing-* events to SQS; claim checks round trip."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache, EventBridgeConnector, S3Connector, SqsConnector
from lambda_stream.core import Stream
from lambda_stream.queries import redeem_claim_check
from lambda_stream.sinks import publish_to_event_bridge

BUS = "bus"


@pytest.fixture
def routed(aws: str, connectors: ConnectorCache, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    monkeypatch.setenv("STAGE", "test-stage")
    events = connectors.get(EventBridgeConnector).client
    sqs = connectors.get(SqsConnector).client
    queue_url = sqs.create_queue(QueueName="routed")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.create_event_bus(Name=BUS)
    events.put_rule(
        Name="things", EventBusName=BUS, EventPattern=json.dumps({"detail-type": [{"prefix": "thing-"}]})
    )
    events.put_targets(Rule="things", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    return sqs, queue_url


def uows(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "pipeline": "p1",
            "event": {
                "id": f"e{i}",
                "type": "thing-created",
                "timestamp": 1000 + i,
                "partitionKey": f"k{i}",
                **extra,
            },
        }
        for i in range(n)
    ]


def test_publish_routes_to_sqs(
    routed: tuple[Any, str], connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sqs, queue_url = routed
    step = publish_to_event_bridge(bus_name=BUS, connectors=connectors)
    out = asyncio.run(Stream(uows(23)).through(step).to_list())
    assert [u["event"]["id"] for u in out] == [f"e{i}" for i in range(23)]
    assert all(u["publish_response"]["EventId"] for u in out)
    details = [json.loads(m["Body"])["detail"] for m in read_queue(sqs, queue_url, 23)]
    assert sorted(d["id"] for d in details) == sorted(f"e{i}" for i in range(23))
    assert details[0]["tags"]["stage"] == "test-stage" and details[0]["tags"]["pipeline"] == "p1"


def test_claim_check_round_trip(
    routed: tuple[Any, str], connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sqs, queue_url = routed
    s3 = connectors.get(S3Connector).client
    s3.create_bucket(Bucket="claims")
    blob = "".join(
        chr(65 + (i * 7919) % 26) for i in range(300_000)
    )  # large, poorly compressible? no: letters
    step = publish_to_event_bridge(
        bus_name=BUS,
        connectors=connectors,
        compression_threshold=0,
        claim_check_bucket_name="claims",
        max_request_size=256 * 1024,  # moto enforces the old limit
    )
    asyncio.run(Stream(uows(2, blob=blob)).through(step).to_list())
    details = [json.loads(m["Body"])["detail"] for m in read_queue(sqs, queue_url, 2)]
    assert all(set(d) == {"id", "type", "partitionKey", "timestamp", "tags", "s3"} for d in details)
    consumed = [{"event": d} for d in details]
    redeemed = asyncio.run(Stream(consumed).through(redeem_claim_check(connectors=connectors)).to_list())
    assert sorted(u["event"]["id"] for u in redeemed) == ["e0", "e1"]
    assert all(u["event"]["blob"] == blob for u in redeemed)


def test_an_event_without_a_type_fails_alone(
    routed: tuple[Any, str], connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sqs, queue_url = routed
    items = uows(3)
    del items[1]["event"]["type"]
    errors: list[BaseException] = []

    async def go() -> list[Any]:
        step = publish_to_event_bridge(bus_name=BUS, connector=connectors.get(EventBridgeConnector))
        return await Stream(items).through(step).errors(lambda e, push: errors.append(e)).to_list()

    out = asyncio.run(go())
    assert [u["event"]["id"] for u in out] == ["e0", "e2"]
    assert len(errors) == 1 and errors[0].uow["event"]["id"] == "e1"  # type: ignore[attr-defined]
    assert sorted(json.loads(m["Body"])["detail"]["id"] for m in read_queue(sqs, queue_url, 2)) == [
        "e0",
        "e2",
    ]
