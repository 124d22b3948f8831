"""Shared by the bench scripts: interleaved timing in one process, medians, ratios (not a bench)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

# CPU time of this process, not wall time: the build box is shared (2 cores, several sessions
# running test suites), and wall time counts the time this process waited for a core. Benches
# that wait on timers (I/O, sinks) use wall time instead.
CLOCK = time.process_time


def interleaved(
    sides: dict[str, Callable[[], Any]], repeat: int, check: Callable[[str, Any], None]
) -> dict[str, list[float]]:
    """Run every side ``repeat`` times, rotating which goes first; ``gc.collect()`` before each run.

    ``check(side, result)`` is called on each result after its timer stopped (the result is kept
    alive until then, so every side pays the collector for what it returns).
    """
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(repeat):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            gc.collect()
            t = CLOCK()
            out = sides[name]()
            times[name].append(CLOCK() - t)
            check(name, out)
            del out
    return times


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def paired_ratio(a: list[float], b: list[float]) -> float:
    """The median of the per-repetition ratios ``a[i] / b[i]`` (both measured in the same round)."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def verdict(ratio: float, target: float) -> str:
    return f"target <= {target:g}x: {'met' if ratio <= target else 'MISSED'}"


def cli(run: Callable[[int, int], None], doc: str, default_n: list[int]) -> None:
    """``--n N [N ...] --repeat R``: ``run(n, repeat)`` for each n (the bench scripts' command line)."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=default_n)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for n in args.n:
        run(n, args.repeat)
