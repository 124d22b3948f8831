"""SnsConnector against moto: publish and publish_batch reach an SQS subscription."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache, SnsConnector, SqsConnector
from lambda_stream.errors import NotFoundError
from lambda_stream.testing.fault_injection import FaultInjector


@pytest.fixture
def topic(aws: str, connectors: ConnectorCache) -> tuple[SnsConnector, str, Any, str]:
    sns = connectors.get(SnsConnector, retry_base_delay=0.001)
    sqs = connectors.get(SqsConnector).client
    topic_arn = sns.client.create_topic(Name="things")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.client.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    return sns, topic_arn, sqs, queue_url


def test_publish_reaches_the_subscribed_queue(
    topic: tuple[SnsConnector, str, Any, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sns, topic_arn, sqs, queue_url = topic
    response = asyncio.run(sns.publish({"TopicArn": topic_arn, "Message": json.dumps({"id": "e0"})}))
    assert response["MessageId"]
    assert [json.loads(m["Body"]) for m in read_queue(sqs, queue_url, 1)] == [{"id": "e0"}]


def test_publish_batch_with_throttled_entries_delivers_each_once(
    topic: tuple[SnsConnector, str, Any, str], read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sns, topic_arn, sqs, queue_url = topic
    entries = [{"Id": f"m{i}", "Message": f"message-{i}"} for i in range(10)]
    injector = FaultInjector(fraction=0.3, attempts=1, seed=9, permanent=lambda e: e["Id"] == "m9")
    with injector.installed(sns.client):
        result = asyncio.run(sns.publish_batch(topic_arn, entries))
    assert [f.index for f in result.failed] == [9]
    assert injector.injected > 1
    bodies = Counter(m["Body"] for m in read_queue(sqs, queue_url, 9))
    assert bodies == Counter(f"message-{i}" for i in range(9))


def test_publish_to_a_missing_topic_is_not_found(topic: tuple[SnsConnector, str, Any, str]) -> None:
    sns, topic_arn, _sqs, _queue_url = topic
    with pytest.raises(NotFoundError):
        asyncio.run(sns.publish({"TopicArn": topic_arn + "-missing", "Message": "x"}))
