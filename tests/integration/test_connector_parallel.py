"""``parallel=n`` means n requests in flight, over real HTTP: measured with a botocore hook.

Each call waits in ``before-call`` on a ``threading.Barrier(n)``: the barrier only opens when n
calls are inside at once, so the test passes only if n really are in flight (no sleeps), and the
peak count shows no more than n ever are.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache, SqsConnector


@pytest.mark.parametrize("parallel", [1, 2, 16])
def test_parallel_n_gives_n_calls_in_flight(aws: str, connectors: ConnectorCache, parallel: int) -> None:
    connector = connectors.get(SqsConnector, parallel=parallel)
    barrier = threading.Barrier(parallel, timeout=20)
    lock = threading.Lock()
    in_flight = 0
    peak = 0

    def enter(**_: Any) -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        barrier.wait()  # raises BrokenBarrierError if n calls never get here together

    def leave(**_: Any) -> None:
        nonlocal in_flight
        with lock:
            in_flight -= 1

    connector.client.meta.events.register("before-call.sqs.ListQueues", enter)
    connector.client.meta.events.register("after-call.sqs.ListQueues", leave)

    async def main() -> None:
        await asyncio.gather(*(connector.call("list_queues") for _ in range(2 * parallel)))

    asyncio.run(main())
    assert peak == parallel
    assert connector.client.meta.config.max_pool_connections == max(parallel, 10)
