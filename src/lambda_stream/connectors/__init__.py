"""Connectors: one thin class per AWS service around a lazily created boto3 client.

Importing this package does not import boto3; a connector imports it when its client is first used
(without boto3 installed that raises ``ConfigurationError`` naming the ``lambda-stream[aws]`` extra).
The Protocols (``DynamoDBApi``, ...) say what a fake passed as ``connector=`` must provide.
"""

from .aws_errors import ERROR_CODES, map_client_error
from .base import Connector, ConnectorCache
from .batch import BatchResult, EntryError, FailedEntry, send_batch_with_retries
from .dynamodb import DynamoDBConnector
from .event_bridge import EventBridgeConnector
from .firehose import FirehoseConnector
from .kinesis import KinesisConnector
from .lambda_ import LambdaConnector
from .protocols import (
    DynamoDBApi,
    DynamoDBReads,
    DynamoDBWrites,
    EventBridgeApi,
    FirehoseApi,
    KinesisApi,
    LambdaApi,
    S3Api,
    S3Reads,
    S3Writes,
    SnsApi,
    SqsApi,
)
from .s3 import S3Connector
from .sns import SnsConnector
from .sqs import SqsConnector

__all__ = [
    "ERROR_CODES",
    "BatchResult",
    "Connector",
    "ConnectorCache",
    "DynamoDBApi",
    "DynamoDBReads",
    "DynamoDBWrites",
    "DynamoDBConnector",
    "EntryError",
    "EventBridgeApi",
    "EventBridgeConnector",
    "FailedEntry",
    "FirehoseApi",
    "FirehoseConnector",
    "KinesisApi",
    "KinesisConnector",
    "LambdaApi",
    "LambdaConnector",
    "S3Api",
    "S3Reads",
    "S3Writes",
    "S3Connector",
    "SnsApi",
    "SnsConnector",
    "SqsApi",
    "SqsConnector",
    "map_client_error",
    "send_batch_with_retries",
]
