"""The Lambda entry: one event loop per container, a deadline, and partial batch responses.

``lambda_handler(build)`` turns ``build(event, context) -> Stream`` into the sync function Lambda
calls. Every record of the batch ends processed, faulted, or reported as a batch item failure:

- the records are read through a gate that stops handing out new ones ``soft_margin_ms`` before
  the function's deadline; those never started are reported (or, without partial batch
  responses, the invocation fails so that Lambda retries the batch);
- work still running ``hard_margin_ms`` before the deadline is cancelled, and every record of the
  batch is reported (or the invocation fails): better a retry than a kill in the middle of a write;
- with ``faults_as_failures`` the records of fault events are reported instead of published
  (the source retries them, then its own DLQ / on-failure destination takes over);
- an error that carries no uow fails the invocation loudly.

For Kinesis, DynamoDB Streams and SQS FIFO the report runs from the first failed record to the
end of the batch, so a shard checkpoint (or a message group) never skips past a failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypedDict

from ..core import LoopBridge, Stream
from ..errors import DeadlineExceededError
from ..faults import REPORT_FAULTS, FaultUow


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


class RecordGate(list[Any]):
    """The batch's records, handed out one by one until the soft deadline passes."""

    def __init__(self, records: list[Any], deadline: float | None) -> None:
        super().__init__(records)
        self.deadline = deadline
        self.pulled = 0
        self.stopped = False

    def __iter__(self) -> Iterator[Any]:
        deadline, clock = self.deadline, time.monotonic
        for record in list.__iter__(self):
            if deadline is not None and clock() >= deadline:
                self.stopped = True
                return
            self.pulled += 1
            yield record


def _identifier(record: Mapping[str, Any]) -> str | None:
    source = record.get("eventSource") or record.get("EventSource")
    if source == "aws:sqs":
        return record.get("messageId")
    if source == "aws:kinesis":
        return (record.get("kinesis") or {}).get("sequenceNumber")
    if source == "aws:dynamodb":
        return (record.get("dynamodb") or {}).get("SequenceNumber")
    return None


def _ordered(records: list[Any]) -> bool:
    """Kinesis, DynamoDB Streams and SQS FIFO: a failure must hold back every later record."""
    if not records or not isinstance(records[0], Mapping):
        return False
    first = records[0]
    source = first.get("eventSource")
    return source in ("aws:kinesis", "aws:dynamodb") or (
        source == "aws:sqs" and str(first.get("eventSourceARN", "")).endswith(".fifo")
    )


def _records_of_fault(fault: FaultUow) -> list[Any]:
    uow = fault.get("failed")
    if not isinstance(uow, Mapping):
        return []
    batch = uow.get("batch")
    uows = batch if isinstance(batch, list) else [uow]
    return [u["record"] for u in uows if isinstance(u, Mapping) and u.get("record") is not None]


class LambdaHandler:
    """The sync function Lambda calls; ``bridge`` owns this handler's event loop (close it in tests)."""

    def __init__(
        self,
        build: Callable[[dict[str, Any], Any], Stream[Any]],
        *,
        partial_batch_response: bool,
        faults_as_failures: bool,
        soft_margin_ms: int,
        hard_margin_ms: int,
    ) -> None:
        if faults_as_failures and not partial_batch_response:
            raise ValueError("faults_as_failures needs partial_batch_response=True")
        self.build = build
        self.partial_batch_response = partial_batch_response
        self.faults_as_failures = faults_as_failures
        self.soft_margin_ms = soft_margin_ms
        self.hard_margin_ms = hard_margin_ms
        self.bridge = LoopBridge()

    def __call__(self, event: dict[str, Any], context: Any = None) -> BatchResponse | None:
        return self.bridge.run(
            _invoke(
                self.build,
                event,
                context,
                self.partial_batch_response,
                self.faults_as_failures,
                self.soft_margin_ms,
                self.hard_margin_ms,
            )
        )


def lambda_handler(
    build: Callable[[dict[str, Any], Any], Stream[Any]],
    *,
    partial_batch_response: bool = False,
    faults_as_failures: bool = False,
    soft_margin_ms: int = 5000,
    hard_margin_ms: int = 1000,
) -> LambdaHandler:
    """The sync Lambda handler for ``build(event, context) -> Stream`` (usually
    ``initialize(PIPELINES, OPT).assemble(from_kinesis(event))``).

    Returns ``{"batchItemFailures": [...]}`` when ``partial_batch_response`` (enable
    ``ReportBatchItemFailures`` on the event source mapping), else None.
    """
    return LambdaHandler(
        build,
        partial_batch_response=partial_batch_response,
        faults_as_failures=faults_as_failures,
        soft_margin_ms=soft_margin_ms,
        hard_margin_ms=hard_margin_ms,
    )


async def _invoke(
    build: Callable[[dict[str, Any], Any], Stream[Any]],
    event: dict[str, Any],
    context: Any,
    partial: bool,
    faults_as_failures: bool,
    soft_margin_ms: int,
    hard_margin_ms: int,
) -> BatchResponse | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    end = time.monotonic() + remaining() / 1000 if callable(remaining) else None
    records = event.get("Records") if isinstance(event, Mapping) else None
    gate: RecordGate | None = None
    if isinstance(records, list):
        gate = RecordGate(records, None if end is None else end - soft_margin_ms / 1000)
        event = {**event, "Records": gate}

    token = REPORT_FAULTS.set(faults_as_failures)  # read by flush_faults in this invocation
    try:
        return await _run(
            build, event, context, records, gate, end, partial, faults_as_failures, hard_margin_ms
        )
    finally:
        REPORT_FAULTS.reset(token)


async def _run(
    build: Callable[[dict[str, Any], Any], Stream[Any]],
    event: dict[str, Any],
    context: Any,
    records: Any,
    gate: RecordGate | None,
    end: float | None,
    partial: bool,
    faults_as_failures: bool,
    hard_margin_ms: int,
) -> BatchResponse | None:
    failed: list[Any] = []

    def note(uow: Any) -> None:
        if uow.__class__ is FaultUow:
            failed.extend(_records_of_fault(uow))

    stream = build(event, context)
    if faults_as_failures:
        stream = stream.tap(note)
    timed_out = False
    try:
        delay = None if end is None else max(0.0, end - hard_margin_ms / 1000 - time.monotonic())
        async with asyncio.timeout(delay):
            await stream.drain()
    except TimeoutError:
        timed_out = True

    if records is None or gate is None:
        if timed_out:
            raise DeadlineExceededError("the invocation ran out of time")
        return {"batchItemFailures": []} if partial else None

    if not (timed_out or gate.stopped or failed):
        return {"batchItemFailures": []} if partial else None
    if not partial:  # unreachable with failed records: faults_as_failures requires partial
        raise DeadlineExceededError(
            f"{len(records) - gate.pulled} of {len(records)} records were not processed in time"
            if not timed_out
            else "the invocation ran out of time with work in flight"
        )
    index = {id(r): i for i, r in enumerate(records)}
    bad = (
        set(range(len(records)))
        if timed_out
        else set(range(gate.pulled, len(records)))
        if gate.stopped
        else set()
    )
    bad.update(index[id(r)] for r in failed if id(r) in index)
    if _ordered(records) and bad:
        bad = set(range(min(bad), len(records)))
    out: list[BatchItemFailure] = []
    for i in sorted(bad):
        ident = _identifier(records[i])
        if ident is None:
            raise DeadlineExceededError(f"record {i} has no identifier to report it as a batch item failure")
        out.append({"itemIdentifier": ident})
    return {"batchItemFailures": out}
