"""SQS queues as Lambda polls them: up to ``maximum_concurrency`` batches at once, records shaped
like Lambda's ``aws:sqs`` events, successes deleted.

A message the function fails (an error, the timeout, or a ``batchItemFailures`` entry) is left on
the queue and made visible again after ``retry_visibility_s`` (0: at once; Lambda waits for the
queue's visibility timeout); the queue's own RedrivePolicy moves it to a dead-letter queue after
``maxReceiveCount`` receives, as with Lambda. A FIFO queue is read one batch at a time, so each
message group stays in order.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from typing import Any

from .aws import Clients, arn_parts, queue_arn, queue_url
from .function import Function
from .mapping import EventSourceMapping
from .shards import wait_for_event
from .stats import Activity, Quietness, SourceStats

log = logging.getLogger("lambda_stream.cli.runner")

# The attributes Lambda puts on an SQS record (the FIFO ones only for FIFO queues).
ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


def message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A boto3 message attribute as Lambda's event carries it (camelCase, lists always present)."""
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return out


class SqsSource:
    """One queue mapping: pollers that receive, invoke, delete the successes."""

    def __init__(
        self,
        clients: Clients,
        mapping: EventSourceMapping,
        function: Function,
        stats: SourceStats,
        activity: Activity,
        *,
        poll_interval_s: float,
    ) -> None:
        self.clients = clients
        self.mapping = mapping
        self.function = function
        self.stats = stats
        self.activity = activity
        self.poll_interval_s = poll_interval_s
        self.url = ""
        self.arn = ""
        self.region = ""
        self.fifo = False
        self.pollers: list[Quietness] = []
        # SQS delivers at least once: a message done twice counts once (and as a duplicate)
        self._done_ids: set[str] = set()

    async def resolve(self) -> None:
        ref = self.mapping.ref
        self.url = await asyncio.to_thread(queue_url, self.clients, ref.arn or ref.name)
        self.arn = await asyncio.to_thread(queue_arn, self.clients, self.url)
        self.region, _ = arn_parts(self.arn)
        self.fifo = self.arn.endswith(".fifo")

    @property
    def quietness(self) -> list[Quietness]:
        return self.pollers

    async def prepare(self) -> None:
        """The pollers (before polling starts, so that "quiet" waits for them)."""
        concurrency = 1 if self.fifo else self.mapping.maximum_concurrency
        self.pollers = [Quietness(self.activity) for _ in range(concurrency)]

    async def run(self, stopping: asyncio.Event) -> None:
        async with asyncio.TaskGroup() as tg:
            for quiet in self.pollers:
                tg.create_task(self._poll(quiet, stopping))

    def _receive(self, count: int) -> list[dict[str, Any]]:
        response = self.clients.get("sqs").receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=min(10, count),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    async def _batch(self, stopping: asyncio.Event) -> list[dict[str, Any]]:
        size, window = self.mapping.size, self.mapping.batching_window_s
        messages = await asyncio.to_thread(self._receive, size)
        if not messages or window <= 0:
            return messages
        ends = time.monotonic() + window
        while len(messages) < size and time.monotonic() < ends and not stopping.is_set():
            more = await asyncio.to_thread(self._receive, size - len(messages))
            if more:
                messages += more
            else:
                await asyncio.sleep(min(self.poll_interval_s, max(0.0, ends - time.monotonic())))
        return messages

    async def _poll(self, quiet: Quietness, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            messages = await self._batch(stopping)
            if not messages:
                quiet.empty_poll()
                await wait_for_event(stopping, quiet.backoff(self.poll_interval_s))
                continue
            quiet.outstanding += len(messages)
            self.stats.records_read += len(messages)
            self.activity.touch()
            try:
                await self._deliver(messages)
            finally:
                quiet.outstanding -= len(messages)
                self.activity.touch()

    def to_record(self, m: dict[str, Any]) -> dict[str, Any]:
        attributes = m.get("Attributes") or {}
        record: dict[str, Any] = {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m.get("Body", ""),
            "attributes": {k: attributes[k] for k in ATTRIBUTES if k in attributes},
            "messageAttributes": {
                name: message_attribute(v) for name, v in (m.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": m.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": self.region,
        }
        if m.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = m["MD5OfMessageAttributes"]
        return record

    async def _deliver(self, messages: list[dict[str, Any]]) -> None:
        stats = self.stats
        records = [self.to_record(m) for m in messages]
        stats.invocations += 1
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            outcome = await self.function.invoke({"Records": records})
        finally:
            stats.in_flight -= 1
        stats.busy_ms += outcome.duration_ms
        failed: set[str] = set()
        if outcome.failed:
            stats.function_errors += 1
            log.warning("%s: %s failed: %s", self.arn, self.function.name, outcome.error)
            failed = {r["messageId"] for r in records}
        elif self.mapping.report_batch_item_failures and isinstance(outcome.response, dict):
            failures = outcome.response.get("batchItemFailures") or []
            if failures:
                stats.partial_failures += 1
            ids = {r["messageId"] for r in records}
            for failure in failures:
                ident = failure.get("itemIdentifier") if isinstance(failure, dict) else None
                if not ident or ident not in ids:
                    log.warning("%s: batchItemFailures names %r: the whole batch failed", self.arn, ident)
                    failed = ids
                    break
                failed.add(ident)
        done = [m for m in messages if m["MessageId"] not in failed]
        again = [m for m in messages if m["MessageId"] in failed]
        await asyncio.to_thread(self._settle, done, again)
        fresh = {m["MessageId"] for m in done} - self._done_ids
        self._done_ids |= fresh
        stats.records_done += len(fresh)
        stats.duplicates += len(done) - len(fresh)
        stats.redelivered += len(again)

    def _settle(self, done: list[dict[str, Any]], again: list[dict[str, Any]]) -> None:
        sqs = self.clients.get("sqs")
        for i in range(0, len(done), 10):
            chunk = done[i : i + 10]
            sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)],
            )
        for i in range(0, len(again), 10):
            chunk = again[i : i + 10]
            sqs.change_message_visibility_batch(
                QueueUrl=self.url,
                Entries=[
                    {
                        "Id": str(n),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self.mapping.retry_visibility_s,
                    }
                    for n, m in enumerate(chunk)
                ],
            )
