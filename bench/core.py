"""Stream core benchmark: ratios against baselines measured in the same run.

(a) 100k ints through map -> filter -> map -> to_list vs a plain Python loop (target <= 2x)
(b) 2,000 items through an async step sleeping 5 ms at parallel=16 vs the best of two bare
    asyncio windows of 16 (an ``asyncio.wait`` sliding window, and 16 workers pulling one
    iterator), interleaved, medians (target <= 1.02x the best); also the queueing limit 0.625 s
(c) 100k items forked into 4 branches each with a map, merged: us per input item (target <= 5)

Run: make bench  (or .venv/bin/python bench/core.py)
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Callable

from _harness import interleaved, median, paired_ratio
from lambda_stream import Stream

N = 100_000


def best_of(fn: Callable[[], object], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
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


def bench_a(rounds: int = 9) -> float:
    data = list(range(N))
    loop = asyncio.new_event_loop()
    try:
        expected = plain_loop(data)
        assert loop.run_until_complete(Stream(data).map(f).filter(p).map(g).to_list()) == expected
        t = interleaved(
            {
                "plain": lambda: plain_loop(data),
                "stream": lambda: loop.run_until_complete(Stream(data).map(f).filter(p).map(g).to_list()),
            },
            rounds,
            lambda side, out: None,
        )
    finally:
        loop.close()
    ratio = paired_ratio(t["stream"], t["plain"])
    print(
        f"(a) map->filter->map 100k, CPU time, median of {rounds} interleaved rounds: stream "
        f"{median(t['stream']) * 1e3:.1f} ms, plain loop {median(t['plain']) * 1e3:.1f} ms, "
        f"ratio {ratio:.2f}x (target <= 2x)"
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


async def workers(items: list[int], width: int) -> list[int]:
    """``width`` workers pulling one shared iterator, results in input order."""
    results: list[int] = [0] * len(items)
    it = iter(enumerate(items))

    async def worker() -> None:
        for i, x in it:
            results[i] = await sleepy(x)

    await asyncio.gather(*(worker() for _ in range(width)))
    return results


def bench_b(rounds: int = 7) -> float:
    items = list(range(2000))
    limit = 2000 / 16 * 0.005
    sides = {
        "asyncio.wait window": lambda: bare_window(items, 16),
        "16 workers, one iterator": lambda: workers(items, 16),
        "stream map(parallel=16)": lambda: Stream(items).map(sleepy, parallel=16).to_list(),
    }
    times: dict[str, list[float]] = {k: [] for k in sides}
    names = list(sides)
    with asyncio.Runner() as runner:
        for r in range(rounds):  # interleaved, the first side rotating, so machine noise hits all alike
            for name in names[r % 3 :] + names[: r % 3]:
                t0 = time.perf_counter()
                assert runner.run(sides[name]()) == items
                times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    best = min(("asyncio.wait window", "16 workers, one iterator"), key=med.__getitem__)
    ratio = med["stream map(parallel=16)"] / med[best]
    for name, t in med.items():
        print(
            f"(b) 2,000 x 5 ms at 16 in flight, {name:26} median {t:.3f} s ({t / limit:.3f}x the queueing limit)"
        )
    print(f"(b) stream / best bare window ({best}): {ratio:.3f}x (target <= 1.02x)")
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
