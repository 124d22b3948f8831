"""What the sinks and queries need of a connector: one Protocol per service (no boto3 here).

A fake passed as ``connector=`` only has to provide the methods of its Protocol; mypy checks it
(``tests/unit/connectors/test_protocols.py``), as it checks the real connectors below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .batch import BatchResult

__all__ = [
    "DynamoDBApi",
    "DynamoDBReads",
    "DynamoDBWrites",
    "EventBridgeApi",
    "FirehoseApi",
    "KinesisApi",
    "LambdaApi",
    "S3Api",
    "S3Reads",
    "S3Writes",
    "SnsApi",
    "SqsApi",
]


class DynamoDBWrites(Protocol):
    """What ``update_dynamodb`` / ``put_dynamodb`` call."""

    async def update_item(self, params: dict[str, Any]) -> dict[str, Any]: ...
    async def put_item(self, params: dict[str, Any]) -> dict[str, Any]: ...


class DynamoDBReads(Protocol):
    """What the DynamoDB queries call."""

    async def query_all(self, params: dict[str, Any]) -> list[dict[str, Any]]: ...
    async def query(self, params: dict[str, Any]) -> dict[str, Any]: ...
    async def scan(self, params: dict[str, Any]) -> dict[str, Any]: ...
    async def batch_get(
        self, request_items: dict[str, dict[str, Any]]
    ) -> dict[str, list[dict[str, Any]]]: ...


class EventBridgeApi(Protocol):
    async def put_events(self, entries: list[dict[str, Any]]) -> BatchResult: ...


class KinesisApi(Protocol):
    async def put_records(self, stream_name: str, records: list[dict[str, Any]]) -> BatchResult: ...


class FirehoseApi(Protocol):
    async def put_record_batch(self, name: str, records: list[dict[str, Any]]) -> BatchResult: ...


class SqsApi(Protocol):
    async def send_message_batch(self, queue_url: str, entries: list[dict[str, Any]]) -> BatchResult: ...


class SnsApi(Protocol):
    async def publish(self, params: dict[str, Any]) -> dict[str, Any]: ...


class LambdaApi(Protocol):
    async def invoke(self, params: dict[str, Any]) -> dict[str, Any]: ...


class S3Writes(Protocol):
    """What the S3 sinks and the claim-check store call."""

    async def put_object(self, params: dict[str, Any]) -> dict[str, Any]: ...
    async def delete_object(self, params: dict[str, Any]) -> dict[str, Any]: ...
    async def copy_object(self, params: dict[str, Any]) -> dict[str, Any]: ...


class S3Reads(Protocol):
    """What the S3 queries and ``redeem_claim_check`` call."""

    async def get_object(self, params: dict[str, Any]) -> dict[str, Any]: ...
    async def list_objects(self, params: dict[str, Any]) -> dict[str, Any]: ...


class DynamoDBApi(DynamoDBWrites, DynamoDBReads, Protocol):
    """Everything the DynamoDB connector offers the steps."""


class S3Api(S3Writes, S3Reads, Protocol):
    """Everything the S3 connector offers the steps."""


if TYPE_CHECKING:  # mypy checks that every connector provides its Protocol
    from .dynamodb import DynamoDBConnector
    from .event_bridge import EventBridgeConnector
    from .firehose import FirehoseConnector
    from .kinesis import KinesisConnector
    from .lambda_ import LambdaConnector
    from .s3 import S3Connector
    from .sns import SnsConnector
    from .sqs import SqsConnector

    def _check(
        d: DynamoDBConnector,
        e: EventBridgeConnector,
        f: FirehoseConnector,
        k: KinesisConnector,
        la: LambdaConnector,
        s3: S3Connector,
        sns: SnsConnector,
        sqs: SqsConnector,
    ) -> tuple[DynamoDBApi, EventBridgeApi, FirehoseApi, KinesisApi, LambdaApi, S3Api, SnsApi, SqsApi]:
        return d, e, f, k, la, s3, sns, sqs
