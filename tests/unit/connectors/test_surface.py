"""The submodules users import have locked surfaces; AWS error codes are immutable; no boto3, a clear error."""

from __future__ import annotations

import asyncio
import sys
from types import ModuleType

import pytest

import lambda_stream.connectors as connectors
import lambda_stream.errors as errors
import lambda_stream.testing as testing
from lambda_stream.connectors.aws_errors import ERROR_CODES
from lambda_stream.errors import ConfigurationError, ThrottledError

LOCKED: dict[ModuleType, list[str]] = {
    connectors: [
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
    ],
    errors: [
        "AwsValidationError",
        "BatchEntriesFailedError",
        "ConditionalCheckFailedError",
        "ConfigurationError",
        "ConnectorError",
        "DeadlineExceededError",
        "DecodeError",
        "FaultError",
        "LambdaStreamError",
        "NotFoundError",
        "ThrottledError",
    ],
    testing: [
        "to_dynamodb_records",
        "to_event_bridge_record",
        "to_firehose_records",
        "to_kinesis_records",
        "to_s3_records",
        "to_sns_records",
        "to_sqs_event_records",
        "to_sqs_records",
        "to_sqs_sns_s3_records",
    ],
}


@pytest.mark.parametrize("module", list(LOCKED), ids=lambda m: m.__name__)
def test_all_is_locked_and_every_name_exists(module: ModuleType) -> None:
    assert sorted(module.__all__, key=str.lower) == sorted(LOCKED[module], key=str.lower)
    assert all(hasattr(module, name) for name in module.__all__)


def test_every_error_is_exported_at_the_root() -> None:
    import lambda_stream

    assert set(errors.__all__) <= set(lambda_stream.__all__)
    assert lambda_stream.ConfigurationError is ConfigurationError


def test_error_codes_are_immutable() -> None:
    assert ERROR_CODES["ThrottlingException"] is ThrottledError
    with pytest.raises(TypeError):
        ERROR_CODES["ThrottlingException"] = ConfigurationError  # type: ignore[index]


def test_without_boto3_the_first_call_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("boto3", "boto3.session", "botocore", "botocore.config", "botocore.exceptions"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ConfigurationError, match=r"pip install 'lambda-stream\[aws\]'"):
        asyncio.run(connectors.SqsConnector().call("list_queues"))
