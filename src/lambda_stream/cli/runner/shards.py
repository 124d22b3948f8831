"""The stream-source engine shared by Kinesis and DynamoDB Streams: one worker per shard.

A shard's records are split into ``parallelization_factor`` lanes by a stable hash of their
partition key (Lambda's rule: records of one key stay in order, different keys may run
concurrently); each lane delivers one batch at a time, so with a factor of 1 the shard is in
order. A batch is ``batch_size`` records, or fewer once ``batching_window_s`` has passed since
its first record arrived (at once with no window).

What happens to a batch:
- a response with ``batchItemFailures`` (when ``report_batch_item_failures``): the records
  before the lowest reported one are done (the checkpoint moves up to them); the rest are
  delivered again. An identifier that is empty or names no record of the batch fails the batch.
- a function error (an exception, or the timeout): with ``bisect_on_error`` a batch of two or
  more records is split in two and each half is delivered on its own, first half first (a split
  is not counted as a retry: it isolates the bad record first); otherwise the batch is retried.
- after ``maximum_retry_attempts`` retries (-1: forever) the records still failing are given up
  on: a record of them (Lambda's shape: ``KinesisBatchInfo`` / ``DDBStreamBatchInfo``) goes to the
  on-failure destination, and the shard moves on.

Records are ordered by their position in the shard as read, never by comparing sequence numbers
as strings (moto's Kinesis sequence numbers are small integers: "10" < "9"); the lowest reported
failure is the one earliest in the batch. The shard's checkpoint is the last record such that it and every record before it are done or
given up on. Stopping (Ctrl-C) lets each lane finish the invocation in flight; what is not
checkpointed then would be redelivered by a new run from the checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from .function import Function, Outcome
from .mapping import EventSourceMapping
from .stats import Activity, Quietness, SourceStats

log = logging.getLogger("lambda_stream.cli.runner")


@dataclass
class StreamRecord:
    """A record as the function gets it, with what the engine needs to order and report it."""

    ident: str  # the sequence number (Lambda's batchItemFailures itemIdentifier)
    key: str  # the partition key (Kinesis) / the item's key (DynamoDB)
    record: dict[str, Any]
    arrival: float  # epoch seconds


class ShardReader(Protocol):
    shard_id: str

    async def read(self, limit: int) -> tuple[list[StreamRecord], bool]:
        """The next records of the shard, and whether the shard has ended (closed and read)."""
        ...


class IteratorReader:
    """A shard read through shard iterators (Kinesis and DynamoDB Streams share the API's shape):
    from the mapping's starting position, then re-opened after the last record read when an
    iterator expires (Kinesis iterators live five minutes)."""

    max_limit = 10_000

    def __init__(self, client: Any, shard_id: str, starting_position: str) -> None:
        self.client = client
        self.shard_id = shard_id
        self.starting_position = starting_position
        self.iterator: str | None = None
        self.last: str | None = None

    def where(self) -> dict[str, Any]:
        """The stream and shard arguments of ``get_shard_iterator``."""
        raise NotImplementedError

    def after(self, sequence_number: str) -> dict[str, Any]:
        """The arguments that start after ``sequence_number``."""
        raise NotImplementedError

    def shape(self, record: dict[str, Any]) -> StreamRecord:
        raise NotImplementedError

    def _open(self) -> str:
        where = self.where()
        if self.last is not None:
            where |= self.after(self.last)
        else:
            where["ShardIteratorType"] = self.starting_position
        return str(self.client.get_shard_iterator(**where)["ShardIterator"])

    def _get(self, limit: int) -> dict[str, Any]:
        if self.iterator is None:
            self.iterator = self._open()
        try:
            return dict(self.client.get_records(ShardIterator=self.iterator, Limit=limit))
        except self.client.exceptions.ExpiredIteratorException:
            self.iterator = self._open()
            return dict(self.client.get_records(ShardIterator=self.iterator, Limit=limit))

    def _read(self, limit: int) -> tuple[list[StreamRecord], bool]:
        response = self._get(min(limit, self.max_limit))
        self.iterator = response.get("NextShardIterator")
        records = [self.shape(r) for r in response.get("Records", [])]
        if records:
            self.last = records[-1].ident
        return records, self.iterator is None

    async def read(self, limit: int) -> tuple[list[StreamRecord], bool]:
        return await asyncio.to_thread(self._read, limit)


@dataclass
class StreamSource:
    """What a worker needs to know of its stream."""

    arn: str
    batch_info_key: str  # "KinesisBatchInfo" | "DDBStreamBatchInfo"
    send_to_destination: Callable[[dict[str, Any]], Awaitable[None]] | None


@dataclass
class _Lane:
    pending: deque[tuple[StreamRecord, float]] = field(default_factory=deque)  # (record, enqueued)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False


def lane_of(key: str, lanes: int) -> int:
    """The lane of a partition key: a stable hash (the same on every run)."""
    return zlib.crc32(key.encode()) % lanes if lanes > 1 else 0


class ShardWorker:
    """Reads one shard and delivers its records through its lanes (see the module docstring)."""

    def __init__(
        self,
        mapping: EventSourceMapping,
        function: Function,
        reader: ShardReader,
        source: StreamSource,
        stats: SourceStats,
        activity: Activity,
        *,
        poll_interval_s: float,
    ) -> None:
        self.mapping = mapping
        self.function = function
        self.reader = reader
        self.source = source
        self.stats = stats
        self.activity = activity
        self.quiet = Quietness(activity)
        self.poll_interval_s = poll_interval_s
        self.lanes = [_Lane() for _ in range(mapping.parallelization_factor)]
        self._order: deque[StreamRecord] = deque()  # read, not yet checkpointed
        self._finished: set[int] = set()  # ids of finished records not yet checkpointed
        self.ended = False

    @property
    def shard_id(self) -> str:
        return self.reader.shard_id

    async def run(self, stopping: asyncio.Event) -> None:
        async with asyncio.TaskGroup() as tg:
            for lane in self.lanes:
                tg.create_task(self._lane(lane, stopping))
            try:
                await self._read(stopping)
            finally:
                for lane in self.lanes:
                    lane.closed = True
                    lane.wake.set()

    # -- reading ----------------------------------------------------------------------------------

    async def _read(self, stopping: asyncio.Event) -> None:
        size, lanes = self.mapping.size, len(self.lanes)
        high_water = 4 * size * lanes  # read ahead at most this many records
        while not stopping.is_set():
            if self.quiet.outstanding >= high_water:
                await wait_for_event(stopping, self.poll_interval_s)
                continue
            records, ended = await self.reader.read(min(size * lanes, 10_000))
            if records:
                self.stats.records_read += len(records)
                self.quiet.outstanding += len(records)
                self.activity.touch()
                now = time.monotonic()
                for r in records:
                    self._order.append(r)
                    lane = self.lanes[lane_of(r.key, lanes)]
                    lane.pending.append((r, now))
                    lane.wake.set()
            if ended:
                self.ended = True
                return
            if not records:
                self.quiet.empty_poll()
                await wait_for_event(stopping, self.quiet.backoff(self.poll_interval_s))

    # -- delivering -------------------------------------------------------------------------------

    async def _lane(self, lane: _Lane, stopping: asyncio.Event) -> None:
        size, window = self.mapping.size, self.mapping.batching_window_s
        while True:
            while not lane.pending and not lane.closed:
                lane.wake.clear()
                await lane.wake.wait()
            if not lane.pending or stopping.is_set():
                return
            if window > 0:
                first_at = lane.pending[0][1]
                while len(lane.pending) < size and not lane.closed:
                    left = first_at + window - time.monotonic()
                    if left <= 0:
                        break
                    lane.wake.clear()
                    await wait_for_event(lane.wake, left)
                if stopping.is_set():
                    return
            batch = [lane.pending.popleft()[0] for _ in range(min(size, len(lane.pending)))]
            await self._deliver(batch, stopping)

    async def _deliver(self, batch: list[StreamRecord], stopping: asyncio.Event) -> None:
        todo: deque[tuple[list[StreamRecord], int, int]] = deque(
            [(batch, 0, 0)]
        )  # (records, retries, invokes)
        while todo:
            records, retries, invokes = todo.popleft()
            outcome = await self._invoke(records)
            invokes += 1
            failed_at = self._failed_at(records, outcome)
            if failed_at is None:
                self._finish(records)
                continue
            self._finish(records[:failed_at])
            rest = records[failed_at:]
            if outcome.failed and self.mapping.bisect_on_error and len(rest) > 1:
                half = len(rest) // 2
                self.stats.bisects += 1
                todo.appendleft((rest[half:], retries, invokes))
                todo.appendleft((rest[:half], retries, invokes))
                continue
            limit = self.mapping.maximum_retry_attempts
            if limit >= 0 and retries >= limit:
                await self._give_up(rest, outcome, invokes)
                continue
            if stopping.is_set():
                return  # not checkpointed: a new run starts from the checkpoint
            self.stats.redelivered += len(rest)
            todo.appendleft((rest, retries + 1, invokes))

    async def _invoke(self, records: list[StreamRecord]) -> Outcome:
        stats = self.stats
        stats.invocations += 1
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            outcome = await self.function.invoke({"Records": [r.record for r in records]})
        finally:
            stats.in_flight -= 1
            self.activity.touch()
        stats.busy_ms += outcome.duration_ms
        if outcome.failed:
            stats.function_errors += 1
            log.warning(
                "%s: %s failed on %d records (%s..%s): %s",
                self.shard_id,
                self.function.name,
                len(records),
                records[0].ident,
                records[-1].ident,
                outcome.error,
            )
        return outcome

    def _failed_at(self, records: list[StreamRecord], outcome: Outcome) -> int | None:
        """Where redelivery starts (0: the whole batch), or None when the batch is done."""
        if outcome.failed:
            return 0
        response = outcome.response
        if not self.mapping.report_batch_item_failures or not isinstance(response, dict):
            return None
        failures = response.get("batchItemFailures")
        if not failures:
            return None
        self.stats.partial_failures += 1
        where = {r.ident: i for i, r in enumerate(records)}
        found: list[int] = []
        for failure in failures if isinstance(failures, list) else [failures]:
            ident = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not ident or ident not in where:
                log.warning("%s: batchItemFailures names %r: the whole batch failed", self.shard_id, ident)
                return 0
            found.append(where[ident])
        return min(found)

    def _finish(self, records: list[StreamRecord], *, given_up: bool = False) -> None:
        if not records:
            return
        if given_up:
            self.stats.discarded += len(records)
        else:
            self.stats.records_done += len(records)
        self.quiet.outstanding -= len(records)
        self._finished.update(id(r) for r in records)
        last = None
        while self._order and id(self._order[0]) in self._finished:
            last = self._order.popleft()
            self._finished.discard(id(last))
        if last is not None:
            self.stats.checkpoints[self.shard_id] = last.ident

    async def _give_up(self, records: list[StreamRecord], outcome: Outcome, invokes: int) -> None:
        log.warning(
            "%s: giving up on %d records (%s..%s) after %d invocations",
            self.shard_id,
            len(records),
            records[0].ident,
            records[-1].ident,
            invokes,
        )
        send = self.source.send_to_destination
        if send is not None:
            await send(self.failure_record(records, outcome, invokes))
        self._finish(records, given_up=True)

    def failure_record(self, records: list[StreamRecord], outcome: Outcome, invokes: int) -> dict[str, Any]:
        """What Lambda sends to an on-failure destination for a stream batch (metadata only)."""
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if outcome.failed:
            response["functionError"] = "Unhandled"
        return {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function.arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invokes,
            },
            "responseContext": response,
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            self.source.batch_info_key: {
                "shardId": self.shard_id,
                "startSequenceNumber": records[0].ident,
                "endSequenceNumber": records[-1].ident,
                "approximateArrivalOfFirstRecord": _iso(records[0].arrival),
                "approximateArrivalOfLastRecord": _iso(records[-1].arrival),
                "batchSize": len(records),
                "streamArn": self.source.arn,
            },
        }


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def wait_for_event(event: asyncio.Event, seconds: float) -> None:
    """Wait for ``event`` at most ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


@dataclass
class ShardInfo:
    shard_id: str
    parent: str | None


class ShardedSource:
    """A stream mapping: finds the shards (again every ``discover_interval_s``, for resharding),
    starts a worker for each once its parent shard has been read to its end (Lambda's order)."""

    batch_info_key = ""

    def __init__(
        self,
        mapping: EventSourceMapping,
        function: Function,
        stats: SourceStats,
        activity: Activity,
        destination: Callable[[dict[str, Any]], Awaitable[None]] | None,
        *,
        poll_interval_s: float,
        discover_interval_s: float = 1.0,
    ) -> None:
        self.mapping = mapping
        self.function = function
        self.stats = stats
        self.activity = activity
        self.destination = destination
        self.poll_interval_s = poll_interval_s
        self.discover_interval_s = discover_interval_s
        self.workers: dict[str, ShardWorker] = {}
        self._ready: list[ShardWorker] = []
        self.arn = ""

    async def resolve(self) -> None:
        """Find the stream (its ARN); fails loudly when it does not exist."""
        raise NotImplementedError

    async def list_shards(self) -> list[ShardInfo]:
        raise NotImplementedError

    def reader(self, shard_id: str) -> ShardReader:
        raise NotImplementedError

    @property
    def quietness(self) -> list[Quietness]:
        """The pollers that count for "quiet": a shard read to its end counts until its records are done."""
        return [w.quiet for w in self.workers.values() if not (w.ended and w.quiet.outstanding == 0)]

    async def discover(self) -> list[ShardWorker]:
        """Workers for the shards not seen yet whose parents are read to their end (not started)."""
        source = StreamSource(self.arn, self.batch_info_key, self.destination)
        known = {s.shard_id: s for s in await self.list_shards()}
        new: list[ShardWorker] = []
        for shard in known.values():
            if shard.shard_id in self.workers:
                continue
            parent = self.workers.get(shard.parent) if shard.parent else None
            if shard.parent in known and (parent is None or not parent.ended):
                continue  # the parent's records go first
            worker = ShardWorker(
                self.mapping,
                self.function,
                self.reader(shard.shard_id),
                source,
                self.stats,
                self.activity,
                poll_interval_s=self.poll_interval_s,
            )
            self.workers[shard.shard_id] = worker
            new.append(worker)
        if new:
            self.stats.shards = len(self.workers)
            self.activity.touch()
        return new

    async def prepare(self) -> None:
        """Find the shards before polling starts, so that "quiet" waits for their workers."""
        self._ready = await self.discover()

    async def run(self, stopping: asyncio.Event) -> None:
        async with asyncio.TaskGroup() as tg:
            new, self._ready = self._ready, []
            while not stopping.is_set():
                for worker in new:
                    tg.create_task(worker.run(stopping))
                await wait_for_event(stopping, self.discover_interval_s)
                if not stopping.is_set():
                    new = await self.discover()
