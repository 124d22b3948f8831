"""The connector base: one lazily created boto3 client, its own thread pool, AWS errors mapped once.

A connector is the only place that talks to AWS. ``call`` runs a blocking boto3 call on the
connector's own ``ThreadPoolExecutor(max_workers=parallel)`` (not the loop's default executor,
whose size follows the CPU count), so ``parallel=n`` really means n requests in flight, and the
client's connection pool is sized to match. boto3/botocore are imported on first use only.

Batch APIs (EventBridge, Kinesis, Firehose, SQS, SNS) report failures per entry; they share
``send_batch_with_retries``, which resends only the failed entries with exponential backoff and
full jitter, and reports the entries still failing by their original index.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from ..errors import (
    AwsValidationError,
    ConditionalCheckFailedError,
    ConfigurationError,
    ConnectorError,
    LambdaStreamError,
    NotFoundError,
    ThrottledError,
)

T = TypeVar("T")
K = TypeVar("K")
E = TypeVar("E")

# ---------------------------------------------------------------------------------------------
# Error mapping: AWS error code -> our exception class. Anything else is a plain ConnectorError.
# ---------------------------------------------------------------------------------------------

ERROR_CODES: dict[str, type[ConnectorError]] = {
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
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    if isinstance(error, ClientError):
        return map_client_error(error)
    if isinstance(error, ParamValidationError):
        return AwsValidationError(str(error), code="ParamValidationError")
    if isinstance(error, BotoCoreError):  # connection errors, timeouts, ...
        return ConnectorError(str(error), code=type(error).__name__)
    return error


# ---------------------------------------------------------------------------------------------
# Connector
# ---------------------------------------------------------------------------------------------


class Connector:
    """A thin wrapper around one boto3 client; subclasses name the ``service`` and add methods."""

    service: ClassVar[str]

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        parallel: int = 8,
        timeout: float = 10.0,
        max_attempts: int = 3,
        retry_mode: str = "adaptive",
        max_retries: int = 8,
        retry_base_delay: float = 0.05,
        client: Any = None,
    ) -> None:
        if parallel < 1:
            raise ValueError("parallel must be >= 1")
        self.region = region
        self.endpoint_url = endpoint_url
        self.parallel = parallel
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_mode = retry_mode
        self.max_retries = max_retries
        self.retry_base_delay = retry_base_delay
        self._client: Any = client
        self._owns_client = client is None  # a client handed in (a fake, a stub) is never closed
        self._executor: ThreadPoolExecutor | None = None

    @property
    def client(self) -> Any:
        """The boto3 client, created on first use (boto3 is imported here, not at import time)."""
        if self._client is None:
            self._client = self._create_client()
        return self._client

    def _create_client(self) -> Any:
        import boto3.session
        from botocore.config import Config

        config = Config(
            max_pool_connections=max(self.parallel, 10),
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            # total_max_attempts: the retries dict's "max_attempts" counts retries, not attempts
            # (it becomes total_max_attempts = max_attempts + 1); ours means attempts, like AWS_MAX_ATTEMPTS.
            retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
        )
        region = self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        # A session of its own: boto3's default session is shared module state and not thread-safe.
        # endpoint_url=None lets botocore honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>.
        session = boto3.session.Session()
        return session.client(self.service, region_name=region, endpoint_url=self.endpoint_url, config=config)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.parallel, thread_name_prefix=f"lambda-stream-{self.service}"
            )
        return self._executor

    async def run(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(client)`` on the connector's thread pool, mapping AWS errors on the way out.

        Anything that must touch the network (reading a streaming ``Body``) belongs in ``fn``.
        """
        try:
            client = self.client  # created on the loop thread, once, before any worker uses it
        except Exception as e:
            raise self._client_error(e) from e
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), fn, client)
        except Exception as e:
            mapped = map_exception(e)
            if mapped is e:
                raise
            raise mapped from e

    def _client_error(self, error: Exception) -> BaseException:
        """The error to raise when the client cannot be created (no region, bad endpoint, ...)."""
        if isinstance(error, LambdaStreamError):
            return error
        from botocore.exceptions import NoRegionError

        if isinstance(error, NoRegionError):
            return ConfigurationError(
                f"cannot create the {self.service} client: no AWS region (set AWS_REGION or pass region=)"
            )
        mapped = map_exception(error)
        if isinstance(mapped, ConnectorError):
            return type(mapped)(f"cannot create the {self.service} client: {mapped}", code=mapped.code)
        return ConnectorError(
            f"cannot create the {self.service} client: {type(error).__name__}: {error}",
            code=type(error).__name__,
        )

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run ``client.<operation>(**params)`` in the connector's pool; errors are mapped."""

        def invoke(client: Any) -> dict[str, Any]:
            result: dict[str, Any] = getattr(client, operation)(**params)
            return result

        return await self.run(invoke)

    def close(self) -> None:
        """Shut the thread pool down and close the client it created (both re-created on use).

        Waits for calls still running on the pool: call it when the work is done.
        """
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._client is not None and self._owns_client:
            closer = getattr(self._client, "close", None)
            if callable(closer):
                closer()
            self._client = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region={self.region!r}, parallel={self.parallel})"


class ConnectorCache:
    """One connector per (class, options), kept by the handler that owns the cache (no globals).

    Any class works (a fake connector too); options must be hashable.
    """

    def __init__(self) -> None:
        self._connectors: dict[tuple[Any, ...], Any] = {}

    def get(self, cls: type[K], **kwargs: Any) -> K:
        key = (cls, *sorted(kwargs.items()))
        connector = self._connectors.get(key)
        if connector is None:
            connector = cls(**kwargs)
            self._connectors[key] = connector
        result: K = connector
        return result

    def __len__(self) -> int:
        return len(self._connectors)

    def close(self) -> None:
        """Close every cached connector (those that have a ``close``) and forget them."""
        for connector in self._connectors.values():
            closer = getattr(connector, "close", None)
            if callable(closer):
                closer()
        self._connectors.clear()


# ---------------------------------------------------------------------------------------------
# Batch APIs: selective retry of failed entries
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedEntry:
    """An entry of a batch that still failed after the retries; ``index`` is its input position."""

    index: int
    code: str
    message: str


@dataclass(frozen=True)
class EntryError:
    """What a batch ``send`` function returns in place of a response for an entry that failed."""

    code: str
    message: str = ""
    retryable: bool = True


@dataclass(frozen=True)
class BatchResult:
    """Per input entry, in input order: its response, or ``None`` if it failed (see ``failed``)."""

    responses: list[dict[str, Any] | None]
    failed: list[FailedEntry]

    @property
    def ok(self) -> bool:
        return not self.failed


SendBatch = Callable[[list[E]], Awaitable[Sequence[dict[str, Any] | EntryError]]]


def backoff_delay(
    attempt: int, base: float, cap: float = 5.0, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt))."""
    return rng() * min(cap, base * 2.0**attempt)


def entry_error(code: str | None, message: str | None, *, sender_fault: bool = False) -> EntryError:
    """An ``EntryError`` for a per-entry failure; sender faults and permanent codes are not retried."""
    c = code or "UnknownError"
    return EntryError(c, message or "", retryable=not sender_fault and is_retryable_code(c))


async def send_batch_with_retries(
    entries: Sequence[E],
    send: SendBatch[E],
    *,
    max_retries: int = 8,
    base_delay: float = 0.05,
    max_delay: float = 5.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    rng: Callable[[], float] = random.random,
) -> BatchResult:
    """Send ``entries``; resend only the failed, retryable ones, up to ``max_retries`` times.

    ``send(sub)`` sends a sub-list and returns one outcome per entry of it, in order: the entry's
    response dict, or an ``EntryError``. A whole-request ``ThrottledError`` counts as every
    pending entry failing with that code. Any other exception (or an answer of the wrong length)
    on the **first** attempt propagates: nothing was sent, the caller fails the batch. On a
    retry, some entries were already accepted, so it only fails the entries still pending (they
    are listed in ``failed``, not retried further) and the accepted ones keep their responses.
    A failed entry is never counted as sent: its response stays ``None`` and it is in ``failed``.
    """
    responses: list[dict[str, Any] | None] = [None] * len(entries)
    failures: dict[int, FailedEntry] = {}
    pending = list(range(len(entries)))
    attempt = 0
    while pending:
        batch = [entries[i] for i in pending]
        try:
            try:
                outcomes: Sequence[dict[str, Any] | EntryError] = await send(batch)
            except ThrottledError as e:
                outcomes = [EntryError(e.code or "ThrottlingException", str(e))] * len(batch)
            if len(outcomes) != len(batch):
                raise ConnectorError(
                    f"batch send returned {len(outcomes)} outcomes for {len(batch)} entries",
                    code="InvalidResponse",
                )
        except Exception as e:
            if attempt == 0:
                raise
            code = getattr(e, "code", None) or type(e).__name__
            for index in pending:
                failures[index] = FailedEntry(index, str(code), str(e))
            break
        retry: list[int] = []
        for index, outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, EntryError):
                failures[index] = FailedEntry(index, outcome.code, outcome.message)
                if outcome.retryable:
                    retry.append(index)
            else:
                responses[index] = outcome
                failures.pop(index, None)
        if not retry or attempt >= max_retries:
            break
        await sleep(backoff_delay(attempt, base_delay, max_delay, rng))
        attempt += 1
        pending = retry
    return BatchResult(responses=responses, failed=[failures[i] for i in sorted(failures)])


def aligned_outcomes(items: Sequence[dict[str, Any]], sent: int) -> list[dict[str, Any] | EntryError]:
    """Outcomes of a batch API whose response lists one item per entry, in order, with ``ErrorCode``
    on the failed ones (EventBridge ``Entries``, Kinesis ``Records``, Firehose ``RequestResponses``)."""
    if len(items) != sent:
        raise ConnectorError(f"the response lists {len(items)} entries for {sent} sent")
    return [
        entry_error(item["ErrorCode"], item.get("ErrorMessage")) if item.get("ErrorCode") else item
        for item in items
    ]


def outcomes_by_id(response: dict[str, Any], ids: Sequence[str]) -> list[dict[str, Any] | EntryError]:
    """Outcomes of a batch API that answers with ``Successful`` / ``Failed`` lists keyed by ``Id``
    (SQS ``SendMessageBatch``, SNS ``PublishBatch``); an ``Id`` in neither list is a retryable failure."""
    by_id: dict[str, dict[str, Any] | EntryError] = {}
    for ok in response.get("Successful") or []:
        by_id[ok["Id"]] = ok
    for bad in response.get("Failed") or []:
        by_id[bad["Id"]] = entry_error(
            bad.get("Code"), bad.get("Message"), sender_fault=bool(bad.get("SenderFault"))
        )
    return [by_id.get(i, EntryError("MissingResponse", f"no result for entry {i!r}")) for i in ids]
