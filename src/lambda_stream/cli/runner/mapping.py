"""An event source mapping: which source feeds which function, and how (Lambda's own settings).

The names and defaults are Lambda's (``BatchSize``, ``MaximumBatchingWindowInSeconds``,
``ParallelizationFactor``, ``BisectBatchOnFunctionError``, ``MaximumRetryAttempts``,
``DestinationConfig.OnFailure``, ``FunctionResponseTypes``, ``ScalingConfig.MaximumConcurrency``)
in snake_case; a setting Lambda does not allow for a source kind fails when the mapping is made,
with a message that names the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ...errors import ConfigurationError

SourceKind = Literal["kinesis", "dynamodb", "sqs"]
KINDS: tuple[SourceKind, ...] = ("kinesis", "dynamodb", "sqs")

# Lambda's limits (the ESM API rejects values outside them).
MAX_BATCH = {"kinesis": 10_000, "dynamodb": 10_000, "sqs": 10_000}
DEFAULT_BATCH = {"kinesis": 100, "dynamodb": 100, "sqs": 10}

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class SourceRef:
    """A source named by ARN or as ``kind:name`` (``kinesis:orders``, ``dynamodb:things``, ``sqs:q``)."""

    kind: SourceKind
    name: str  # a stream name / table name / queue name or URL, or the ARN itself
    arn: str | None = None

    @classmethod
    def parse(cls, text: str) -> SourceRef:
        if text.startswith("arn:"):
            parts = text.split(":", 5)
            service = parts[2] if len(parts) > 2 else ""
            resource = parts[5] if len(parts) > 5 else ""
            if service == "kinesis" and resource.startswith("stream/"):
                return cls("kinesis", resource.split("/", 1)[1], text)
            if service == "dynamodb" and "/stream/" in resource:
                return cls("dynamodb", resource.split("/")[1], text)
            if service == "sqs":
                return cls("sqs", resource, text)
            raise ConfigurationError(
                f"event source {text!r}: not a Kinesis stream, DynamoDB stream or SQS queue ARN"
            )
        kind, sep, name = text.partition(":")
        if not sep or kind not in KINDS or not name:
            raise ConfigurationError(
                f"event source {text!r}: give an ARN or kind:name with kind one of {', '.join(KINDS)}"
                " (e.g. dynamodb:things, kinesis:events, sqs:listener)"
            )
        return cls(kind, name)

    def __str__(self) -> str:
        return self.arn or f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class EventSourceMapping:
    """One mapping from a source to a function.

    ``function`` is ``module:function`` (each concurrent batch gets its own container: the module
    is executed afresh for it, as Lambda does) or a zero-argument factory returning the handler.
    ``maximum_retry_attempts=-1`` retries until it succeeds (Lambda's default for streams).
    ``report_batch_item_failures`` is on by default here (``FunctionResponseTypes:
    [ReportBatchItemFailures]``): lambda-stream's handlers report partial failures.
    """

    source: str | SourceRef
    function: str | Callable[[], Handler]
    function_name: str | None = None
    batch_size: int | None = None
    batching_window_s: float = 0.0
    parallelization_factor: int = 1
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1
    on_failure: str | None = None  # an SQS queue (URL, ARN or name) for stream sources
    report_batch_item_failures: bool = True
    starting_position: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON"
    timeout_s: float = 30.0
    maximum_concurrency: int = 2  # SQS: concurrent batches (ScalingConfig.MaximumConcurrency)
    retry_visibility_s: int = 0  # SQS: a failed message is visible again after this many seconds
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.source, str):
            object.__setattr__(self, "source", SourceRef.parse(self.source))
        kind = self.ref.kind
        if self.batch_size is None:
            object.__setattr__(self, "batch_size", DEFAULT_BATCH[kind])
        where = f"event source mapping {self.source}"
        size = self.size
        if not 1 <= size <= MAX_BATCH[kind]:
            raise ConfigurationError(f"{where}: batch_size {size} is outside 1..{MAX_BATCH[kind]}")
        if not 0 <= self.batching_window_s <= 300:
            raise ConfigurationError(f"{where}: batching_window_s must be within 0..300 seconds")
        if kind == "sqs" and size > 10 and self.batching_window_s <= 0:
            raise ConfigurationError(
                f"{where}: an SQS batch_size above 10 needs a batching_window_s (Lambda's rule)"
            )
        if self.timeout_s <= 0:
            raise ConfigurationError(f"{where}: timeout_s must be positive")
        if self.extra:
            raise ConfigurationError(f"{where}: unknown settings {sorted(self.extra)}")
        if kind == "sqs":
            stream_only = {
                "parallelization_factor": self.parallelization_factor != 1,
                "bisect_on_error": self.bisect_on_error,
                "maximum_retry_attempts": self.maximum_retry_attempts != -1,
                "on_failure": self.on_failure is not None,
            }
            wrong = [name for name, set_ in stream_only.items() if set_]
            if wrong:
                raise ConfigurationError(
                    f"{where}: {', '.join(wrong)} apply to stream sources only; for SQS give the queue "
                    "a RedrivePolicy (maxReceiveCount and a dead-letter queue)"
                )
            if self.maximum_concurrency < 1:
                raise ConfigurationError(f"{where}: maximum_concurrency must be at least 1")
        else:
            if not 1 <= self.parallelization_factor <= 10:
                raise ConfigurationError(f"{where}: parallelization_factor must be within 1..10")
            if self.maximum_retry_attempts < -1 or self.maximum_retry_attempts > 10_000:
                raise ConfigurationError(f"{where}: maximum_retry_attempts must be -1 or within 0..10000")

    @property
    def ref(self) -> SourceRef:
        """The source, parsed."""
        assert isinstance(self.source, SourceRef)
        return self.source

    @property
    def size(self) -> int:
        """The batch size (its default filled in)."""
        assert self.batch_size is not None
        return self.batch_size

    @property
    def name(self) -> str:
        """The function's name (as the context's ``function_name`` and the function ARN carry it)."""
        if self.function_name:
            return self.function_name
        if isinstance(self.function, str):
            return self.function.rpartition(":")[2] or self.function
        return getattr(self.function, "__name__", "function")
