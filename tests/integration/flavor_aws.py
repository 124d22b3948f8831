"""Wiring the flavors' integration tests share: an EventBridge bus routed to an SQS queue, handlers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lambda_stream import default_options, initialize, initialize_from, lambda_handler
from lambda_stream.connectors import ConnectorCache, EventBridgeConnector, SqsConnector

BUS = "bus"


def bus_to_queue(connectors: ConnectorCache, queue: str) -> tuple[Any, str]:
    """Bus ``BUS`` with a rule sending every event to a new queue: ``(sqs client, queue url)``.
    (An SQS target: Kinesis / SNS targets make moto's put_events fail.)"""
    sqs = connectors.get(SqsConnector).client
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bridge = connectors.get(EventBridgeConnector).client
    bridge.create_event_bus(Name=BUS)
    bridge.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["custom"]}))
    bridge.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    return sqs, url


def rules_handler(
    rules: Iterable[Mapping[str, Any]], source: Callable[[Any], Any], connectors: ConnectorCache, **opt: Any
) -> Any:
    """The rules' handler as Lambda runs it: built once, ``BUS`` to publish, moto's 256 KiB limit."""
    options = default_options(
        env={"BUS_NAME": BUS}, connectors=connectors, max_request_size=256 * 1024, **opt
    )
    return lambda_handler(
        initialize(initialize_from(rules), options), source=source, partial_batch_response=True
    )
