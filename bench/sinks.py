"""Sink throughput: ``update_dynamodb`` at parallel 1 / 4 / 16 vs the queueing limit, and vs Powertools.

Every DynamoDB call takes a fixed 10 ms (``asyncio.sleep`` in a fake connector, in process), so
the best any runner can do with ``p`` calls in flight is ``ceil(n / p) * 10 ms`` (the queueing
limit). The same workload through Powertools' ``BatchProcessor`` uses a record handler that makes
one blocking 10 ms call per record (its documented serial form); its ``AsyncBatchProcessor`` runs
an ``async`` record handler, by default for every record of the batch at once (no bound: 2,000
calls in flight against one table), and bounded to 16 in flight with a semaphore it ties with
``parallel=16``: the gain over the serial processor is the bounded concurrency, not faster code.

Run: ``.venv/bin/python bench/sinks.py [--n 2000] [--ms 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from typing import Any

from lambda_stream.core import Stream
from lambda_stream.sinks import timestamp_condition, update_dynamodb, update_expression


class SleepyDynamoDB:
    """A fake connector whose every call takes ``seconds`` (no I/O)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0
        self.in_flight = 0
        self.peak = 0

    async def update_item(self, params: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.in_flight -= 1
        return {"Attributes": {}}


def uows(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        event = {"id": f"e{i}", "type": "thing-updated", "partitionKey": f"p{i}", "timestamp": 1000 + i}
        item = {"name": f"v{i}", "timestamp": event["timestamp"]}
        out.append(
            {
                "event": event,
                "update_request": {
                    "Key": {"pk": f"p{i}", "sk": "thing"},
                    **update_expression(item),
                    **timestamp_condition(),
                },
            }
        )
    return out


def run_lambda_stream(n: int, parallel: int, seconds: float) -> tuple[float, int]:
    fake = SleepyDynamoDB(seconds)
    items = uows(n)

    async def main() -> int:
        step = update_dynamodb(connector=fake, table_name="T", parallel=parallel)
        return len(await Stream(items).through(step).to_list())

    start = time.perf_counter()
    count = asyncio.run(main())
    elapsed = time.perf_counter() - start
    assert count == n and fake.calls == n and fake.peak == parallel
    return elapsed, fake.peak


def run_bare_asyncio(n: int, parallel: int, seconds: float) -> float:
    """The floor for this machine: a bare semaphore window of ``parallel`` sleeping tasks.

    ``asyncio.sleep(0.01)`` itself overshoots (epoll waits in whole milliseconds), so even this
    baseline sits a few percent above the theoretical queueing limit.
    """

    async def main() -> None:
        sem = asyncio.Semaphore(parallel)

        async def one() -> None:
            async with sem:
                await asyncio.sleep(seconds)

        await asyncio.gather(*(one() for _ in range(n)))

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


def sqs_event(n: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": "r",
                "body": json.dumps({"id": f"e{i}", "partitionKey": f"p{i}", "timestamp": 1000 + i}),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i in range(n)
        ]
    }


def run_powertools(n: int, seconds: float) -> float:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    event = sqs_event(n)

    def record_handler(record: Any) -> None:
        json.loads(record.body)
        time.sleep(seconds)  # one blocking DynamoDB call per record

    start = time.perf_counter()
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=None
    )
    elapsed = time.perf_counter() - start
    assert response == {"batchItemFailures": []}
    return elapsed


def run_powertools_async(n: int, seconds: float, bound: int | None) -> tuple[float, int]:
    """Powertools' ``AsyncBatchProcessor`` (an ``async`` record handler making one 10 ms call):
    by default it gathers every record of the batch at once; ``bound`` caps the calls in flight
    with a semaphore, as a user would to respect the table's capacity."""
    from aws_lambda_powertools.utilities.batch import (
        AsyncBatchProcessor,
        EventType,
        async_process_partial_response,
    )

    processor = AsyncBatchProcessor(event_type=EventType.SQS)
    event = sqs_event(n)
    fake = SleepyDynamoDB(seconds)
    sem = asyncio.Semaphore(bound or n)

    async def record_handler(record: Any) -> None:
        json.loads(record.body)
        async with sem:
            await fake.update_item({})

    start = time.perf_counter()
    response = async_process_partial_response(event=event, record_handler=record_handler, processor=processor)
    elapsed = time.perf_counter() - start
    assert response == {"batchItemFailures": []} and fake.calls == n
    return elapsed, fake.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--ms", type=float, default=10.0)
    args = parser.parse_args()
    n, seconds = args.n, args.ms / 1000

    print(f"{n} updates, {args.ms:g} ms per call")
    results: dict[int, float] = {}
    for parallel in (1, 4, 16):
        elapsed, peak = run_lambda_stream(n, parallel, seconds)
        limit = math.ceil(n / parallel) * seconds
        results[parallel] = elapsed
        print(
            f"lambda-stream update_dynamodb parallel={parallel:<2}  {elapsed * 1000:8.0f} ms"
            f"  queueing limit {limit * 1000:6.0f} ms  ratio {elapsed / limit:5.3f}  peak in flight {peak}"
        )
    bare = run_bare_asyncio(n, 16, seconds)
    print(
        f"bare asyncio semaphore window parallel=16  {bare * 1000:8.0f} ms"
        f"  ratio to the queueing limit {bare / (math.ceil(n / 16) * seconds):5.3f}"
    )
    pt = run_powertools(n, seconds)
    print(f"Powertools BatchProcessor (1 blocking call per record)  {pt * 1000:8.0f} ms")
    pt16, peak16 = run_powertools_async(n, seconds, 16)
    print(
        f"Powertools AsyncBatchProcessor, semaphore of 16     {pt16 * 1000:8.0f} ms"
        f"  ratio to the queueing limit {pt16 / (math.ceil(n / 16) * seconds):5.3f}  peak in flight {peak16}"
    )
    pt_all, peak_all = run_powertools_async(n, seconds, None)
    print(
        f"Powertools AsyncBatchProcessor, default (unbounded) {pt_all * 1000:8.0f} ms"
        f"  peak in flight {peak_all} (every record of the batch at once)"
    )
    limit16 = math.ceil(n / 16) * seconds
    print(
        f"parallel=16: {results[16] / limit16:.3f}x the queueing limit (target <= 1.10), "
        f"{results[16] / bare:.3f}x a bare asyncio window"
    )
    print(
        f"  Powertools' time / parallel=16's: serial BatchProcessor {pt / results[16]:.1f}x (the gain is the "
        f"concurrency); AsyncBatchProcessor bounded to 16 {pt16 / results[16]:.2f}x (a tie: same concurrency); "
        f"unbounded {pt_all / results[16]:.3f}x ({peak_all} calls in flight: no back-pressure on the table)"
    )


if __name__ == "__main__":
    main()
