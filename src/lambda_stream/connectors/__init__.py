"""Connectors: one thin class per AWS service around a lazily created boto3 client.

Importing this package does not import boto3; a connector imports it when its client is first used.
"""

from .base import (
    BatchResult,
    Connector,
    ConnectorCache,
    EntryError,
    FailedEntry,
    map_client_error,
    send_batch_with_retries,
)
from .dynamodb import DynamoDBConnector
from .event_bridge import EventBridgeConnector
from .firehose import FirehoseConnector
from .kinesis import KinesisConnector
from .lambda_ import LambdaConnector
from .s3 import S3Connector
from .sns import SnsConnector
from .sqs import SqsConnector

__all__ = [
    "BatchResult",
    "Connector",
    "ConnectorCache",
    "DynamoDBConnector",
    "EntryError",
    "EventBridgeConnector",
    "FailedEntry",
    "FirehoseConnector",
    "KinesisConnector",
    "LambdaConnector",
    "S3Connector",
    "SnsConnector",
    "SqsConnector",
    "map_client_error",
    "send_batch_with_retries",
]
