"""The one exception tree of lambda-stream.

    LambdaStreamError
    ├── ConfigurationError          bad options or an invalid rule, raised when a handler is built
    ├── DecodeError                 a record could not be normalized (bad base64, JSON, shape)
    ├── FaultError                  raised by ``throw_fault``: a uow to set aside as a fault event
    ├── DeadlineExceededError       the invocation ran out of time with records unprocessed
    └── ConnectorError              an AWS call failed (botocore errors are mapped here, once)
        ├── ThrottledError              throttling / provisioned throughput exceeded (retryable)
        ├── ConditionalCheckFailedError a conditional write lost (a stale update)
        ├── NotFoundError               the table, stream, queue, bucket or key does not exist
        ├── AwsValidationError          the request was rejected as malformed
        └── BatchEntriesFailedError     entries of a batch API still failed after the retries

Any of these may carry ``uow`` (the unit of work it belongs to); ``faults`` turns an error that
carries a uow into a fault event and re-raises any other error, failing the invocation.
"""

from __future__ import annotations

from typing import Any

__all__ = [
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
]


class LambdaStreamError(Exception):
    """Base of every error lambda-stream raises."""

    uow: Any

    def __init__(self, message: str = "", *, uow: Any = None) -> None:
        super().__init__(message)
        if uow is not None:
            self.uow = uow


class ConfigurationError(LambdaStreamError, ValueError):
    """Options or rules are invalid; raised when the handler is built, not on the first event."""


class DecodeError(LambdaStreamError, ValueError):
    """A Lambda record could not be normalized into an event."""


class FaultError(LambdaStreamError):
    """A processing error deliberately attached to a unit of work (see ``throw_fault``)."""


class ConnectorError(LambdaStreamError):
    """An AWS call failed. ``code`` is the AWS error code when there is one."""

    code: str | None = None

    def __init__(self, message: str = "", *, code: str | None = None, uow: Any = None) -> None:
        super().__init__(message, uow=uow)
        self.code = code


class ThrottledError(ConnectorError):
    """The service throttled the request (retryable)."""


class ConditionalCheckFailedError(ConnectorError):
    """A conditional write lost: the stored item is newer (a stale update)."""


class NotFoundError(ConnectorError):
    """The resource does not exist."""


class AwsValidationError(ConnectorError):
    """The service rejected the request as malformed."""


class BatchEntriesFailedError(ConnectorError):
    """Entries of a batch API call still failed after ``BATCH_MAX_RETRIES`` retries."""

    def __init__(
        self, message: str = "", *, failed: list[Any] | None = None, code: str | None = None, uow: Any = None
    ) -> None:
        super().__init__(message, code=code, uow=uow)
        self.failed = failed or []


class DeadlineExceededError(LambdaStreamError):
    """The invocation ran out of time before every record was processed.

    Raised (so Lambda retries the batch) only when the handler cannot report the unprocessed
    records as batch item failures.
    """
