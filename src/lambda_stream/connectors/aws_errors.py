"""AWS errors mapped into the lambda-stream exception tree, once, here (see ``lambda_stream.errors``)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ..errors import (
    AwsValidationError,
    ConditionalCheckFailedError,
    ConnectorError,
    NotFoundError,
    ThrottledError,
)

__all__ = [
    "ERROR_CODES",
    "PERMANENT_ENTRY_CODES",
    "error_class_for",
    "is_retryable_code",
    "map_client_error",
    "map_exception",
]

# ---------------------------------------------------------------------------------------------
# Error mapping: AWS error code -> our exception class. Anything else is a plain ConnectorError.
# ---------------------------------------------------------------------------------------------

ERROR_CODES: MappingProxyType[str, type[ConnectorError]] = MappingProxyType(
    {
        # throttling and transient service-side failures (retryable)
        "ThrottlingException": ThrottledError,
        "Throttling": ThrottledError,
        "ProvisionedThroughputExceededException": ThrottledError,
        "RequestLimitExceeded": ThrottledError,
        "TooManyRequestsException": ThrottledError,
        "SlowDown": ThrottledError,
        "ThrottledException": ThrottledError,
        "KMSThrottlingException": ThrottledError,
        "ServiceUnavailable": ThrottledError,
        "ServiceUnavailableException": ThrottledError,
        "InternalFailure": ThrottledError,  # per-entry code of EventBridge / Kinesis / Firehose
        "InternalServerError": ThrottledError,
        "RequestThrottled": ThrottledError,
        "RequestThrottledException": ThrottledError,
        "LimitExceededException": ThrottledError,  # Kinesis / Firehose throttling
        "BandwidthLimitExceeded": ThrottledError,
        # a conditional write lost
        "ConditionalCheckFailedException": ConditionalCheckFailedError,
        "ConditionalCheckFailed": ConditionalCheckFailedError,
        # the resource does not exist
        "ResourceNotFoundException": NotFoundError,
        "NoSuchKey": NotFoundError,
        "NoSuchBucket": NotFoundError,
        "QueueDoesNotExist": NotFoundError,
        "AWS.SimpleQueueService.NonExistentQueue": NotFoundError,
        "NotFoundException": NotFoundError,
        "NotFound": NotFoundError,
        "404": NotFoundError,  # S3 HEAD requests carry no error body, only the status
        # the request was malformed
        "ValidationException": AwsValidationError,
        "ValidationError": AwsValidationError,
        "InvalidParameterValue": AwsValidationError,
        "InvalidParameterException": AwsValidationError,
        "SerializationException": AwsValidationError,
        "InvalidArgumentException": AwsValidationError,  # Kinesis / Firehose
        "InvalidParameter": AwsValidationError,  # SNS
        "InvalidParameterValueException": AwsValidationError,  # Lambda
    }
)

# Per-entry codes that no retry will fix (besides the validation / not-found / conditional classes).
PERMANENT_ENTRY_CODES: frozenset[str] = frozenset(
    {
        "AccessDeniedException",
        "InvalidArgument",
        "MalformedDetail",
        "NotAuthorizedForSourceException",
        "KMSAccessDeniedException",
        "KMSDisabledException",
        "KMSInvalidStateException",
        "KMSNotFoundException",
        "KMSOptInRequired",
    }
)


def error_class_for(code: str | None) -> type[ConnectorError]:
    """The exception class an AWS error code maps to (``ConnectorError`` when unknown)."""
    return ERROR_CODES.get(code or "", ConnectorError)


def is_retryable_code(code: str | None) -> bool:
    """Whether a failed batch entry with this code is worth resending.

    Throttling and unknown codes are retried (as the JS library retries every failed entry);
    codes that say the entry itself is wrong are not.
    """
    if code in PERMANENT_ENTRY_CODES:
        return False
    cls = error_class_for(code)
    return cls is ThrottledError or cls is ConnectorError


def map_client_error(error: Any) -> ConnectorError:
    """Map a botocore ``ClientError`` into the lambda-stream exception tree (once, here)."""
    response: dict[str, Any] = getattr(error, "response", None) or {}
    info: dict[str, Any] = response.get("Error") or {}
    code = str(info.get("Code") or "") or None
    message = str(info.get("Message") or error)
    cls = error_class_for(code)
    if code == "TransactionCanceledException" and _cancelled_by_condition(response, message):
        cls = ConditionalCheckFailedError
    return cls(message, code=code)


def _cancelled_by_condition(response: dict[str, Any], message: str) -> bool:
    reasons = response.get("CancellationReasons") or []
    if any(isinstance(r, dict) and r.get("Code") == "ConditionalCheckFailed" for r in reasons):
        return True
    return "ConditionalCheckFailed" in message


def map_exception(error: BaseException) -> BaseException:
    """Map an exception a boto3 call raised; exceptions that are not botocore's pass through."""
    if isinstance(error, ConnectorError):
        return error
    try:
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
    except ImportError:  # no botocore: the error cannot be one of its
        return error

    if isinstance(error, ClientError):
        return map_client_error(error)
    if isinstance(error, ParamValidationError):
        return AwsValidationError(str(error), code="ParamValidationError")
    if isinstance(error, BotoCoreError):  # connection errors, timeouts, ...
        return ConnectorError(str(error), code=type(error).__name__)
    return error
