"""publish_to_sns against moto: SNS -> SQS subscription, messages read back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from lambda_stream.connectors import ConnectorCache, SnsConnector, SqsConnector
from lambda_stream.core import Stream
from lambda_stream.sinks import publish_to_sns


def test_sns_to_sqs(
    aws: str, connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sns = connectors.get(SnsConnector).client
    sqs = connectors.get(SqsConnector).client
    topic = sns.create_topic(Name="topic")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="sub")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    uows = [{"message": {"Message": json.dumps({"n": i})}} for i in range(5)]
    out = asyncio.run(Stream(uows).through(publish_to_sns(topic_arn=topic, connectors=connectors)).to_list())
    assert all(u["publish_response"]["MessageId"] for u in out)
    bodies = [json.loads(json.loads(m["Body"])["Message"]) for m in read_queue(sqs, queue_url, 5)]
    assert sorted(b["n"] for b in bodies) == list(range(5))
