"""The Lambda entry: pipelines built once per container, one event loop, a deadline, and the answer.

``lambda_handler(initialize(PIPELINES, OPT), source=from_kinesis)`` is the sync function Lambda
calls. Every record of the batch ends processed, faulted, or reported:

- a gate right after the source stops handing out records ``soft_margin_ms`` before the
  function's deadline, and each pipeline stops taking uows then too; the records not started
  are reported (or, without partial batch responses, the invocation fails so that Lambda retries
  the batch); both margins are clamped to fit the time left (half / a quarter of it);
- work still running ``hard_margin_ms`` before the deadline is cancelled, the AWS calls already
  in flight are waited for (within the time left: a cancelled boto3 call cannot be stopped), and
  every record of the batch is reported (or the invocation fails): better a retry than a kill in
  the middle of a write;
- with ``faults_as_failures`` the records of fault events are reported instead of published
  (the source retries them, then its own DLQ / on-failure destination takes over);
- an error that carries no uow fails the invocation loudly.

For Kinesis, DynamoDB Streams and SQS FIFO the report runs from the first failed record to the
end of the batch, so a shard checkpoint (or a message group) never skips past a failure. A
Firehose transformation is answered with ``{"records": [{recordId, result, data}]}``.

Records are found by identity first, then by their identifier (messageId, sequenceNumber,
eventID, recordId), so a uow a step copied (``copy.deepcopy``, rebuilt from JSON) still reports
the right record.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Required, TypedDict

from ..core import LoopBridge, Stream
from ..core._eager import deadline_at
from ..core.gate import Gate
from ..errors import ConfigurationError, DeadlineExceededError
from ..faults import FaultUow
from .assemble import Pipelines
from .invocation import Invocation

__all__ = [
    "BatchItemFailure",
    "BatchResponse",
    "FirehoseRecord",
    "FirehoseResponse",
    "LambdaHandler",
    "lambda_handler",
]


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


class FirehoseRecord(TypedDict, total=False):
    recordId: Required[str]
    result: Required[str]  # "Ok" | "Dropped" | "ProcessingFailed"
    data: Required[str]
    metadata: dict[str, Any]  # {"partitionKeys": {...}} for dynamic partitioning


class FirehoseResponse(TypedDict):
    records: list[FirehoseRecord]


Response = BatchResponse | FirehoseResponse | None
Build = Callable[[dict[str, Any], Any], Stream[Any]]
Source = Callable[[dict[str, Any]], Stream[Any]]

_FIREHOSE_RESULTS = ("Dropped", "Ok", "ProcessingFailed")  # in order of precedence


class LambdaHandler:
    """The sync function Lambda calls (``handler(event, context)``).

    ``await handler.invoke(event, context)`` is the same for a caller already inside an event
    loop. Calls from several threads are serialized: one invocation at a time, as Lambda does per
    container, so no two ever share the loop or each other's records. ``close()`` (or ``with``)
    closes the handler's event loop.
    """

    def __init__(
        self,
        target: Pipelines | Build,
        *,
        source: Source | None,
        partial_batch_response: bool,
        faults_as_failures: bool,
        soft_margin_ms: int,
        hard_margin_ms: int,
    ) -> None:
        for name, flag in (
            ("partial_batch_response", partial_batch_response),
            ("faults_as_failures", faults_as_failures),
        ):
            if not isinstance(flag, bool):
                raise ConfigurationError(f"lambda_handler: {name} must be True or False, got {flag!r}")
        for name, ms in (("soft_margin_ms", soft_margin_ms), ("hard_margin_ms", hard_margin_ms)):
            if isinstance(ms, bool) or not isinstance(ms, int | float) or ms < 0:
                raise ConfigurationError(f"lambda_handler: {name} must be a number of ms >= 0, got {ms!r}")
        if soft_margin_ms < hard_margin_ms:
            raise ConfigurationError(
                f"lambda_handler: soft_margin_ms ({soft_margin_ms}) must be >= hard_margin_ms ({hard_margin_ms}):"
                " the soft stop (no new records) comes before the hard one (cancel what is in flight)"
            )
        if faults_as_failures and not partial_batch_response:
            raise ConfigurationError("lambda_handler: faults_as_failures needs partial_batch_response=True")
        if isinstance(target, Pipelines):
            if source is None or not callable(source):
                raise ConfigurationError(
                    "lambda_handler(initialize(...), source=...): give the source the batch comes "
                    f"from, e.g. source=from_kinesis (got {source!r})"
                )
        elif callable(target):
            if source is not None:
                raise ConfigurationError(
                    "lambda_handler: source= goes with pipelines: lambda_handler(initialize(PIPELINES, "
                    "OPT), source=...); a build function calls its source itself"
                )
            if faults_as_failures:
                raise ConfigurationError(
                    "lambda_handler: faults_as_failures needs the pipelines, not a build function: "
                    "lambda_handler(initialize(PIPELINES, OPT), source=..., faults_as_failures=True)"
                )
        else:
            raise ConfigurationError(
                "lambda_handler takes initialize(PIPELINES, OPT) (with source=...) or a function "
                f"(event, context) -> Stream, got {type(target).__name__}"
            )
        self.target = target
        self.source = source
        self.partial_batch_response = partial_batch_response
        self.faults_as_failures = faults_as_failures
        self.soft_margin_ms = soft_margin_ms
        self.hard_margin_ms = hard_margin_ms
        self.bridge = LoopBridge()
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any = None) -> Response:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                "lambda_handler: called from inside a running event loop (pytest-asyncio, Jupyter, "
                "an async server): use `await handler.invoke(event, context)` there"
            )
        with self._lock:  # one invocation at a time: never two on one loop
            try:
                return self.bridge.run(self.invoke(event, context))
            except BaseException as e:
                if not isinstance(e, Exception):  # KeyboardInterrupt, SystemExit: the next starts clean
                    self.bridge.close()
                raise

    async def invoke(self, event: dict[str, Any], context: Any = None) -> Response:
        """Run one invocation on the running loop; returns what Lambda is answered."""
        left = _remaining_ms(context)
        soft_deadline = hard_deadline = end = None
        if left is not None:
            soft, hard = _margins(left, self.soft_margin_ms, self.hard_margin_ms)
            end = time.monotonic() + left / 1000
            soft_deadline, hard_deadline = end - soft, end - hard
        connectors = self._connectors()
        if connectors is not None:  # a call the previous invocation left running ends first
            _wait_idle(connectors, None if hard_deadline is None else hard_deadline - time.monotonic())
        records = _records_of(event)
        invocation = Invocation(soft_deadline, self.faults_as_failures)
        gate = Gate(soft_deadline)
        stream = self._build(event, context, gate, invocation)
        firehose = _is_firehose(event)
        out = _Outcome(firehose)
        timed_out = False
        scope = deadline_at(hard_deadline)  # loop time is time.monotonic(); armed only if it suspends
        try:
            async with scope:
                await stream._run(out.take)
        except TimeoutError:
            if not scope.expired():  # a step's own TimeoutError: not the deadline, fail loudly
                raise
            timed_out = True
            if connectors is not None and end is not None and hard_deadline is not None:
                # a boto3 call cannot be stopped: let writes cancelled mid-flight finish before we
                # answer (and before the next invocation), within most of the time that is left
                _wait_idle(connectors, max(0.0, end - time.monotonic() - (end - hard_deadline) / 5))
        return _answer(
            records,
            out,
            gate,
            invocation,
            timed_out=timed_out,
            partial=self.partial_batch_response,
            firehose=firehose,
        )

    def _connectors(self) -> Any:
        return self.target.opt.get("connectors") if isinstance(self.target, Pipelines) else None

    def _build(self, event: dict[str, Any], context: Any, gate: Gate, invocation: Invocation) -> Stream[Any]:
        if isinstance(self.target, Pipelines):
            assert self.source is not None
            head = self.source(event)
            if not isinstance(head, Stream):
                raise ConfigurationError(
                    f"lambda_handler: source {getattr(self.source, '__name__', self.source)!r} returned "
                    f"{type(head).__name__}, not a Stream (pass the function itself, e.g. source=from_kinesis)"
                )
            return self.target.assemble(head.through(gate), invocation=invocation)
        stream = self.target(event, context)
        if not isinstance(stream, Stream):
            raise ConfigurationError(
                f"lambda_handler: the build function returned {type(stream).__name__}, not a Stream "
                "(return e.g. initialize(PIPELINES, OPT).assemble(from_kinesis(event)))"
            )
        return stream

    def close(self) -> None:
        """Close the handler's event loop (a new one opens on the next call)."""
        self.bridge.close()

    def __enter__(self) -> LambdaHandler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def lambda_handler(
    pipelines: Pipelines | Build,
    *,
    source: Source | None = None,
    partial_batch_response: bool = False,
    faults_as_failures: bool = False,
    soft_margin_ms: int = 5000,
    hard_margin_ms: int = 1000,
) -> LambdaHandler:
    """The sync Lambda handler for pipelines built once per container:

        handler = lambda_handler(initialize(PIPELINES, OPT), source=from_kinesis, partial_batch_response=True)

    (also accepted: a function ``(event, context) -> Stream``, the earlier form). Returns
    ``{"batchItemFailures": [...]}`` when ``partial_batch_response`` (enable
    ``ReportBatchItemFailures`` on the event source mapping), ``{"records": [...]}`` for a
    Firehose transformation, else None.
    """
    return LambdaHandler(
        pipelines,
        source=source,
        partial_batch_response=partial_batch_response,
        faults_as_failures=faults_as_failures,
        soft_margin_ms=soft_margin_ms,
        hard_margin_ms=hard_margin_ms,
    )


def _remaining_ms(context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    if not callable(remaining):
        raise ConfigurationError(
            f"lambda_handler: context.get_remaining_time_in_millis must be a method, got {remaining!r}"
        )
    left = remaining()
    if isinstance(left, bool) or not isinstance(left, int | float):
        raise ConfigurationError(
            f"lambda_handler: context.get_remaining_time_in_millis() returned {left!r}, not a number of "
            "ms: pass Lambda's context, a test double that returns an int, or None for no deadline"
        )
    return float(left)


def _margins(remaining_ms: float, soft_ms: float, hard_ms: float) -> tuple[float, float]:
    """Margins (seconds) that fit the time left: at most half of it for the soft stop and a
    quarter for the hard one, so a short timeout (Lambda's default is 3 s) still gets work done."""
    return min(soft_ms, remaining_ms / 2) / 1000, min(hard_ms, remaining_ms / 4) / 1000


def _wait_idle(connectors: Any, timeout: float | None) -> None:
    wait = getattr(connectors, "wait_idle", None)
    if callable(wait):
        wait(timeout)


def _records_of(event: Any) -> list[Any] | None:
    if not isinstance(event, Mapping):
        return None
    records = event.get("Records")
    if records is None and _is_firehose(event):
        records = event.get("records")
    return records if isinstance(records, list) else None


def _is_firehose(event: Any) -> bool:
    return (
        isinstance(event, Mapping) and "deliveryStreamArn" in event and isinstance(event.get("records"), list)
    )


class _Outcome:
    """What came out of the stream: the fault uows, and for Firehose every uow."""

    __slots__ = ("faults", "firehose", "uows")

    def __init__(self, firehose: bool) -> None:
        self.firehose = firehose
        self.faults: list[FaultUow] = []
        self.uows: list[Any] = []

    def take(self, items: list[Any]) -> None:
        if self.firehose:
            self.uows.extend(items)
        if FaultUow in set(map(type, items)):  # one C-level pass in the common case
            self.faults.extend(x for x in items if x.__class__ is FaultUow)


def _identifier(record: Any) -> str | None:
    """The id a batch item failure names a record by (and that finds a copied record)."""
    if not isinstance(record, Mapping):
        return None
    if "recordId" in record:  # Firehose
        return _str(record.get("recordId"))
    source = record.get("eventSource") or record.get("EventSource")
    if source == "aws:sqs":
        return _str(record.get("messageId"))
    if source == "aws:kinesis":
        kinesis = record.get("kinesis")
        return _str(kinesis.get("sequenceNumber")) if isinstance(kinesis, Mapping) else None
    if source == "aws:dynamodb":
        ddb = record.get("dynamodb")
        return _str(ddb.get("SequenceNumber")) if isinstance(ddb, Mapping) else None
    return None


def _lookup_key(record: Any) -> str | None:
    """A key to find a copied record by: its identifier, else an id the source gives it."""
    ident = _identifier(record)
    if ident is not None or not isinstance(record, Mapping):
        return ident
    for key in ("eventID", "messageId", "MessageId", "id"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return f"{key}:{value}"
    sns = record.get("Sns")
    if isinstance(sns, Mapping) and isinstance(sns.get("MessageId"), str):
        return f"sns:{sns['MessageId']}"
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class _BatchIndex:
    """Positions of records in the batch: by identity, then by identifier (built on first need)."""

    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self.by_id = {id(r): i for i, r in enumerate(records)}
        self._by_key: dict[str, int] | None = None

    def position(self, record: Any) -> int | None:
        i = self.by_id.get(id(record))
        if i is not None:
            return i
        if isinstance(record, Mapping) and "sqs" in record and "s3" in record:  # from_sqs_sns_s3
            return self.position(record["sqs"])
        key = _lookup_key(record)
        if key is None:
            return None
        if self._by_key is None:
            self._by_key = {}
            for j, r in enumerate(self.records):
                k = _lookup_key(r)
                if k is not None:
                    self._by_key.setdefault(k, j)
        return self._by_key.get(key)


def _records_of_fault(fault: FaultUow) -> list[Any]:
    """The records a fault's uow stands for; ``None`` for a part that carries none."""
    out: list[Any] = []
    stack: list[Any] = [fault.get("failed")]
    while stack:  # iterative: a batch of batches never recurses without bound
        uow = stack.pop()
        if not isinstance(uow, Mapping):
            out.append(None)
        elif isinstance(uow.get("batch"), list):
            stack.extend(reversed(uow["batch"]))
        else:
            out.append(uow.get("record"))
    return out


def _withheld_record(item: Any) -> Any:
    error = getattr(item, "error", None)
    if error is not None:  # a record that did not decode
        item = getattr(error, "uow", None)
    return item.get("record") if isinstance(item, Mapping) else None


def _answer(
    records: list[Any] | None,
    out: _Outcome,
    gate: Gate,
    invocation: Invocation,
    *,
    timed_out: bool,
    partial: bool,
    firehose: bool,
) -> Response:
    # A fault not published (reported on purpose, or no publisher configured) is reported: a fault
    # that was only logged would let Lambda delete its record.
    faulted = [f for f in out.faults if "published" not in f]
    withheld = gate.withheld is not None
    if records is None:
        if timed_out or withheld or invocation.skipped:
            raise DeadlineExceededError("the invocation ran out of time")
        if faulted:  # nothing to report the record by: fail so that the source retries it
            raise faulted[0]["error"]
        return {"batchItemFailures": []} if partial else None

    index = _BatchIndex(records)
    bad: set[int] = set(range(len(records))) if timed_out else set()
    if withheld and not timed_out:
        at = index.position(_withheld_record(gate.withheld))
        if at is None:
            raise DeadlineExceededError("the deadline stopped the batch at a record that cannot be reported")
        bad.update(range(at, len(records)))
    for record in invocation.skipped:
        at = index.position(record)
        if at is None:
            raise DeadlineExceededError("a record skipped at the deadline is not in the batch")
        bad.add(at)
    for fault in faulted:
        found = [index.position(r) for r in _records_of_fault(fault)]
        if not found or None in found:  # a fault that names no record of this batch
            raise fault["error"]
        bad.update(i for i in found if i is not None)

    if firehose:
        return _firehose_answer(records, index, out, bad)
    if not bad:
        return {"batchItemFailures": []} if partial else None
    if not partial:  # nothing can be reported: fail, so that Lambda retries the batch
        if timed_out:
            raise DeadlineExceededError("the invocation ran out of time with work in flight")
        if faulted:  # no publisher: the fault's error, not a silent success
            raise faulted[0]["error"]
        raise DeadlineExceededError(f"{len(bad)} of {len(records)} records were not processed in time")
    positions = sorted(bad)
    if _ordered(records):
        positions = list(range(positions[0], len(records)))
    failures: list[BatchItemFailure] = []
    for i in positions:
        ident = _identifier(records[i])
        if ident is None:
            raise ConfigurationError(
                f"partial_batch_response: record {i} has no identifier to report it by "
                "(batch item failures exist for SQS, Kinesis and DynamoDB Streams only)"
            )
        failures.append({"itemIdentifier": ident})
    return {"batchItemFailures": failures}


def _ordered(records: list[Any]) -> bool:
    """Kinesis, DynamoDB Streams and SQS FIFO: a failure must hold back every later record."""
    if not records or not isinstance(records[0], Mapping):
        return False
    first = records[0]
    source = first.get("eventSource")
    return source in ("aws:kinesis", "aws:dynamodb") or (
        source == "aws:sqs" and str(first.get("eventSourceARN", "")).endswith(".fifo")
    )


def _firehose_answer(
    records: list[Any], index: _BatchIndex, out: _Outcome, bad: set[int]
) -> FirehoseResponse:
    """One answer per record: what its uows say (ProcessingFailed > Ok > Dropped), Dropped when no
    pipeline kept it (as JS), ProcessingFailed when it was not processed (time) or its fault is
    reported; the data is the uow's ``data`` (base64) for Ok, with its ``metadata`` (partitionKeys for
    dynamic partitioning) when it has one, else the record's own data."""
    results: list[str] = ["Dropped"] * len(records)
    data: list[str | None] = [None] * len(records)
    metadata: list[Any] = [None] * len(records)
    for uow in out.uows:
        if uow.__class__ is FaultUow or not isinstance(uow, Mapping):
            continue
        at = index.position(uow.get("record"))
        if at is None:
            continue
        result = uow.get("result", "Dropped")
        if result not in _FIREHOSE_RESULTS:
            raise ConfigurationError(
                f"firehose: a uow's result must be one of {', '.join(_FIREHOSE_RESULTS)}, got {result!r}"
            )
        if _FIREHOSE_RESULTS.index(result) > _FIREHOSE_RESULTS.index(results[at]):
            results[at] = result
            data[at] = _b64(uow.get("data")) if result == "Ok" else None
            metadata[at] = uow.get("metadata") if result == "Ok" else None
    for i in bad:
        results[i] = "ProcessingFailed"
    answer: list[FirehoseRecord] = []
    for i, record in enumerate(records):
        rid = record.get("recordId") if isinstance(record, Mapping) else None
        if not isinstance(rid, str):
            raise ConfigurationError(f"firehose: record {i} has no recordId to answer it by")
        own = record.get("data")
        entry: FirehoseRecord = {
            "recordId": rid,
            "result": results[i],
            "data": data[i] or (own if isinstance(own, str) else ""),
        }
        if isinstance(metadata[i], Mapping):
            entry["metadata"] = dict(metadata[i])  # partitionKeys for dynamic partitioning
        answer.append(entry)
    return {"records": answer}


def _b64(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, str):
        return value
    raise ConfigurationError(
        f"firehose: a uow's data must be base64 text or bytes, got {type(value).__name__}"
    )
