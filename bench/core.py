"""Stream core benchmark: ratios against baselines measured in the same run.

(a) 100k ints through map -> filter -> map -> to_list vs a plain Python loop (target <= 3x)
(b) 2,000 items through an async step sleeping 5 ms at parallel=16 vs a bare asyncio sliding
    window of 16 tasks (target <= 1.05x); also the ratio to the queueing limit 0.625 s
(c) 100k items forked into 4 branches each with a map, merged: us per input item (target <= 5)

Run: make bench  (or .venv/bin/python bench/core.py)
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Callable

from lambda_stream import Stream

N = 100_000


def best_of(fn: Callable[[], object], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def f(x: int) -> int:
    return x * 3


def p(x: int) -> bool:
    return x % 2 == 0


def g(x: int) -> int:
    return x + 1


def plain_loop(data: list[int]) -> list[int]:
    out = []
    for x in data:
        y = f(x)
        if p(y):
            out.append(g(y))
    return out


def bench_a() -> float:
    data = list(range(N))
    loop = asyncio.new_event_loop()
    try:
        expected = plain_loop(data)
        got = loop.run_until_complete(Stream(data).map(f).filter(p).map(g).to_list())
        assert got == expected
        t_plain = best_of(lambda: plain_loop(data))
        t_stream = best_of(lambda: loop.run_until_complete(Stream(data).map(f).filter(p).map(g).to_list()))
    finally:
        loop.close()
    ratio = t_stream / t_plain
    print(
        f"(a) map->filter->map 100k: stream {t_stream * 1e3:.1f} ms, plain loop {t_plain * 1e3:.1f} ms, ratio {ratio:.2f}x (target <= 3x)"
    )
    return ratio


async def sleepy(x: int) -> int:
    await asyncio.sleep(0.005)
    return x


async def bare_window(items: list[int], width: int) -> list[int]:
    """A bare sliding window of ``width`` tasks, results in input order."""
    results: dict[int, int] = {}
    pending: set[asyncio.Task[int]] = set()
    index: dict[asyncio.Task[int], int] = {}
    it = iter(enumerate(items))
    for i, x in it:
        t = asyncio.ensure_future(sleepy(x))
        index[t] = i
        pending.add(t)
        if len(pending) >= width:
            break
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            results[index.pop(t)] = t.result()
        for i, x in it:
            t = asyncio.ensure_future(sleepy(x))
            index[t] = i
            pending.add(t)
            if len(pending) >= width:
                break
    return [results[i] for i in range(len(items))]


def bench_b() -> float:
    items = list(range(2000))
    limit = 2000 / 16 * 0.005
    ratios, t_bare_all, t_stream_all = [], [], []
    for _ in range(5):  # interleave the two so machine noise hits both alike
        t0 = time.perf_counter()
        assert asyncio.run(bare_window(items, 16)) == items
        t_bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert asyncio.run(Stream(items).map(sleepy, parallel=16).to_list()) == items
        t_stream = time.perf_counter() - t0
        ratios.append(t_stream / t_bare)
        t_bare_all.append(t_bare)
        t_stream_all.append(t_stream)
    ratio = statistics.median(ratios)
    tb, ts = statistics.median(t_bare_all), statistics.median(t_stream_all)
    print(
        f"(b) 2,000 x 5 ms at parallel=16: stream {ts:.3f} s, bare window {tb:.3f} s, ratio {ratio:.3f}x "
        f"(target <= 1.05x); vs queueing limit {limit:.3f} s: stream {ts / limit:.3f}x, bare {tb / limit:.3f}x"
    )
    return ratio


def bench_c() -> float:
    data = list(range(N))

    def run() -> None:
        async def go() -> int:
            head = Stream(data)
            branches = [head.fork().map(lambda x, k=k: x + k) for k in range(4)]
            return len(await Stream.merge(branches).to_list())

        assert asyncio.run(go()) == 4 * N

    t = best_of(run, repeat=5)
    us = t / N * 1e6
    print(f"(c) fork x4 -> map -> merge 100k: {t * 1e3:.1f} ms, {us:.2f} us per input item (target <= 5 us)")
    return us


if __name__ == "__main__":
    bench_a()
    bench_b()
    bench_c()
