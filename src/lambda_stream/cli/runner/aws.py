"""boto3 clients for the runner (one per service, shared by its pollers; boto3 clients are
thread-safe), and the small pieces of AWS shape every source needs."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...errors import ConfigurationError


@dataclass
class Clients:
    """Clients for ``endpoint_url`` (None: real AWS, from the usual credential chain)."""

    endpoint_url: str | None = None
    region: str | None = None
    _made: dict[str, Any] = field(default_factory=dict)

    def get(self, service: str) -> Any:
        client = self._made.get(service)
        if client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError as e:  # pragma: no cover - boto3 is a dependency
                raise ConfigurationError("the runner needs boto3: pip install 'lambda-stream[aws]'") from e
            session = boto3.session.Session(region_name=self.region)
            client = session.client(
                service,
                endpoint_url=self.endpoint_url,
                config=Config(max_pool_connections=64, retries={"max_attempts": 5, "mode": "standard"}),
            )
            self._made[service] = client
        return client

    @property
    def region_name(self) -> str:
        return str(self.get("sqs").meta.region_name)


def arn_parts(arn: str) -> tuple[str, str]:
    """(region, account) of an ARN."""
    parts = arn.split(":")
    return parts[3], parts[4]


def lambda_json(value: Any) -> Any:
    """A boto3 value as Lambda's JSON carries it: bytes as base64 text, datetimes as epoch seconds."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        ts = value.timestamp()
        return int(ts) if ts == int(ts) else ts
    if isinstance(value, dict):
        return {k: lambda_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [lambda_json(v) for v in value]
    return value


def queue_url(clients: Clients, queue: str) -> str:
    """The URL of an SQS queue given by URL, ARN or name."""
    if queue.startswith(("http://", "https://")):
        return queue
    sqs = clients.get("sqs")
    if queue.startswith("arn:"):
        _, account = arn_parts(queue)
        name = queue.rsplit(":", 1)[1]
        return str(sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])
    return str(sqs.get_queue_url(QueueName=queue)["QueueUrl"])


def queue_arn(clients: Clients, url: str) -> str:
    attrs = clients.get("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def send_json(clients: Clients, url: str, body: Any) -> None:
    clients.get("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str))
