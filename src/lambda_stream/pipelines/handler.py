"""The Lambda entry: one event loop per container, a deadline, and partial batch responses.

``lambda_handler(build)`` turns ``build(event, context) -> Stream`` into the sync function Lambda
calls. Every record of the batch ends processed, faulted, or reported as a batch item failure:

- the records are read through a gate that stops handing out new ones ``soft_margin_ms`` before
  the function's deadline, and each pipeline stops taking uows then too; the records not started
  are reported (or, without partial batch responses, the invocation fails so that Lambda retries
  the batch); both margins are clamped to fit the time left (half / a quarter of it);
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

from .._invocation import CURRENT, Invocation
from ..core import LoopBridge, Stream
from ..errors import ConfigurationError, DeadlineExceededError
from ..faults import FaultUow


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


class RecordGate(list[Any]):
    """The batch's records, handed out one by one until the soft deadline passes.

    ``stopped_at`` is the lowest position at which any iteration withheld a record (None while
    none did). The handler reports the records from there on: some of them may have been handed
    out by another iteration and processed (they are then processed again on the retry), but
    none that was withheld from the stream goes unreported, whatever else iterated the batch.
    """

    def __init__(self, records: list[Any], deadline: float | None) -> None:
        super().__init__(records)
        self.deadline = deadline
        self.stopped_at: int | None = None

    def __iter__(self) -> Iterator[Any]:
        deadline, clock = self.deadline, time.monotonic
        for i, record in enumerate(list.__iter__(self)):
            if deadline is not None and clock() >= deadline:
                self.stopped_at = i if self.stopped_at is None else min(self.stopped_at, i)
                return
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
    """The records a fault's uow stands for; ``None`` for a part that carries none."""
    out: list[Any] = []

    def walk(uow: Any) -> None:
        if not isinstance(uow, Mapping):
            out.append(None)
        elif isinstance(uow.get("batch"), list):
            for member in uow["batch"]:
                walk(member)
        else:
            out.append(uow.get("record"))

    walk(fault.get("failed"))
    return out


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


def _margins(remaining_ms: float, soft_ms: int, hard_ms: int) -> tuple[float, float]:
    """Margins (seconds) that fit the time left: at most half of it for the soft stop and a
    quarter for the hard one, so a short timeout (Lambda's default is 3 s) still gets work done."""
    return min(soft_ms, remaining_ms / 2) / 1000, min(hard_ms, remaining_ms / 4) / 1000


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
    soft_deadline = hard_deadline = None
    if callable(remaining):
        left = float(remaining())
        soft, hard = _margins(left, soft_margin_ms, hard_margin_ms)
        end = time.monotonic() + left / 1000
        soft_deadline, hard_deadline = end - soft, end - hard
    records = event.get("Records") if isinstance(event, Mapping) else None
    gate: RecordGate | None = None
    if isinstance(records, list):
        gate = RecordGate(records, soft_deadline)
        event = {**event, "Records": gate}

    invocation = Invocation(soft_deadline, faults_as_failures)
    token = CURRENT.set(invocation)  # seen by assemble and flush_faults in this invocation only
    try:
        return await _run(build, event, context, records, gate, hard_deadline, partial, invocation)
    finally:
        CURRENT.reset(token)


async def _run(
    build: Callable[[dict[str, Any], Any], Stream[Any]],
    event: dict[str, Any],
    context: Any,
    records: Any,
    gate: RecordGate | None,
    hard_deadline: float | None,
    partial: bool,
    invocation: Invocation,
) -> BatchResponse | None:
    stream = build(event, context)
    timed_out = False
    delay = None if hard_deadline is None else max(0.0, hard_deadline - time.monotonic())
    try:
        async with asyncio.timeout(delay) as scope:
            await stream.drain()
    except TimeoutError:
        if not scope.expired():  # a step's own TimeoutError: not the deadline, fail loudly
            raise
        timed_out = True

    faulted = invocation.faults if invocation.report_faults else []
    if not isinstance(records, list) or gate is None:
        if timed_out or invocation.skipped:
            raise DeadlineExceededError("the invocation ran out of time")
        if faulted:  # nothing to report the record by: fail so that the source retries it
            raise faulted[0]["error"]
        return {"batchItemFailures": []} if partial else None

    late = [] if gate.stopped_at is None else list(range(gate.stopped_at, len(records)))
    if not (timed_out or late or invocation.skipped or faulted):
        return {"batchItemFailures": []} if partial else None
    if not partial:  # faults_as_failures requires partial: only the deadline gets here
        if timed_out:
            raise DeadlineExceededError("the invocation ran out of time with work in flight")
        unprocessed = len(late) + len({id(r) for r in invocation.skipped})
        raise DeadlineExceededError(f"{unprocessed} of {len(records)} records were not processed in time")

    index = _index(records)
    bad = set(range(len(records))) if timed_out else set(late)
    for record in invocation.skipped:
        at = _position(index, record)
        if at is None:  # cannot happen: skipped records come from this batch
            raise DeadlineExceededError("a record skipped at the deadline is not in the batch")
        bad.add(at)
    for fault in faulted:
        found = [_position(index, r) for r in _records_of_fault(fault)]
        if not found or None in found:  # a fault that names no record of this batch
            raise fault["error"]
        bad.update(i for i in found if i is not None)
    positions = sorted(bad)
    if _ordered(records) and positions:
        positions = list(range(positions[0], len(records)))
    out: list[BatchItemFailure] = []
    for i in positions:
        ident = _identifier(records[i])
        if ident is None:
            raise ConfigurationError(
                f"partial_batch_response: record {i} has no identifier to report it by "
                "(batch item failures exist for SQS, Kinesis and DynamoDB Streams only)"
            )
        out.append({"itemIdentifier": ident})
    return {"batchItemFailures": out}


def _index(records: list[Any]) -> dict[int, int]:
    return {id(r): i for i, r in enumerate(records)}


def _position(index: dict[int, int], record: Any) -> int | None:
    """Where a uow's record sits in the batch (``from_sqs_sns_s3`` wraps the SQS record)."""
    i = index.get(id(record))
    if i is None and isinstance(record, Mapping):
        i = index.get(id(record.get("sqs")))
    return i
