"""The error mapping table: botocore errors -> the lambda-stream exception tree."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError, ReadTimeoutError

from lambda_stream.connectors.aws_errors import is_retryable_code, map_client_error, map_exception
from lambda_stream.errors import (
    AwsValidationError,
    ConditionalCheckFailedError,
    ConnectorError,
    NotFoundError,
    ThrottledError,
)


def client_error(code: str, message: str = "boom", **extra: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, **extra}, "SomeOperation")


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("ThrottlingException", ThrottledError),
        ("ProvisionedThroughputExceededException", ThrottledError),
        ("RequestLimitExceeded", ThrottledError),
        ("TooManyRequestsException", ThrottledError),
        ("SlowDown", ThrottledError),
        ("ThrottledException", ThrottledError),
        ("KMSThrottlingException", ThrottledError),
        ("ServiceUnavailable", ThrottledError),
        ("InternalFailure", ThrottledError),
        ("ConditionalCheckFailedException", ConditionalCheckFailedError),
        ("ResourceNotFoundException", NotFoundError),
        ("NoSuchKey", NotFoundError),
        ("NoSuchBucket", NotFoundError),
        ("QueueDoesNotExist", NotFoundError),
        ("AWS.SimpleQueueService.NonExistentQueue", NotFoundError),
        ("NotFoundException", NotFoundError),
        ("NotFound", NotFoundError),
        ("ValidationException", AwsValidationError),
        ("InvalidParameterValue", AwsValidationError),
        ("InvalidParameterException", AwsValidationError),
        ("SerializationException", AwsValidationError),
        ("AccessDeniedException", ConnectorError),
    ],
)
def test_codes_map_to_their_class(code: str, cls: type[ConnectorError]) -> None:
    error = map_client_error(client_error(code, "the message"))
    assert type(error) is cls
    assert error.code == code
    assert str(error) == "the message"


def test_transaction_cancelled_by_a_condition_is_a_conditional_check_failure() -> None:
    by_reasons = client_error(
        "TransactionCanceledException",
        "Transaction cancelled",
        CancellationReasons=[{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "lost"}],
    )
    assert type(map_client_error(by_reasons)) is ConditionalCheckFailedError
    by_message = client_error(
        "TransactionCanceledException", "Transaction cancelled, reasons [None, ConditionalCheckFailed]"
    )
    assert type(map_client_error(by_message)) is ConditionalCheckFailedError
    other = client_error("TransactionCanceledException", "reasons [TransactionConflict]")
    assert type(map_client_error(other)) is ConnectorError


def test_service_specific_client_error_subclasses_are_mapped() -> None:
    subclass = type("ConditionalCheckFailedException", (ClientError,), {})
    error = subclass({"Error": {"Code": "ConditionalCheckFailedException", "Message": "x"}}, "UpdateItem")
    assert type(map_exception(error)) is ConditionalCheckFailedError


def test_other_botocore_errors() -> None:
    assert type(map_exception(ParamValidationError(report="bad"))) is AwsValidationError
    connection = map_exception(EndpointConnectionError(endpoint_url="http://x"))
    assert type(connection) is ConnectorError
    assert connection.code == "EndpointConnectionError"  # type: ignore[attr-defined]
    timeout = map_exception(ReadTimeoutError(endpoint_url="http://x"))
    assert type(timeout) is ConnectorError


def test_errors_that_are_not_botocore_pass_through() -> None:
    error = KeyError("x")
    assert map_exception(error) is error
    ours = ThrottledError("already mapped")
    assert map_exception(ours) is ours


def test_a_client_error_without_details_is_a_plain_connector_error() -> None:
    error = map_client_error(ClientError({}, "Op"))
    assert type(error) is ConnectorError
    assert error.code is None


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("ThrottlingException", True),
        ("ProvisionedThroughputExceededException", True),
        ("InternalFailure", True),
        ("ServiceUnavailableException", True),
        ("SomethingNew", True),  # unknown: retried, like the JS library does
        ("ValidationException", False),
        ("MalformedDetail", False),
        ("AccessDeniedException", False),
        ("ResourceNotFoundException", False),
    ],
)
def test_which_entry_codes_are_retried(code: str, retryable: bool) -> None:
    assert is_retryable_code(code) is retryable


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("RequestThrottled", ThrottledError),
        ("RequestThrottledException", ThrottledError),
        ("LimitExceededException", ThrottledError),  # Kinesis / Firehose throttling
        ("BandwidthLimitExceeded", ThrottledError),
        ("InternalServerError", ThrottledError),
        ("InvalidArgumentException", AwsValidationError),  # Kinesis / Firehose
        ("InvalidParameter", AwsValidationError),  # SNS
        ("InvalidParameterValueException", AwsValidationError),  # Lambda
    ],
)
def test_more_throttling_and_validation_codes(code: str, cls: type[ConnectorError]) -> None:
    error = map_client_error(client_error(code))
    assert type(error) is cls
    assert error.code == code
    assert is_retryable_code(code) is (cls is ThrottledError)
