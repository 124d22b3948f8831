"""map(parallel=n), parallel(n), fork/observe/merge: exact in-flight counts, order, cancellation."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

import pytest

from lambda_stream import Stream

from .helpers import AsyncCountingSource, CountingSource, Gauge, other_tasks

LIMITS = [1, 2, 16]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def sources(n: int) -> list[Any]:
    """A re-iterable source, a one-shot generator and an async one: each operator sees all three."""
    return [list(range(n)), CountingSource(n), AsyncCountingSource(n)]


@pytest.mark.parametrize("limit", LIMITS)
@pytest.mark.parametrize("kind", range(3))
def test_map_parallel_peak_in_flight_and_order(limit: int, kind: int) -> None:
    n = 50
    g = Gauge()

    base = 100 if kind == 2 else 1  # the async source takes a loop hop per item: let calls outlast it

    async def work(x: int) -> int:
        return int(await g.work(x, hops=base + (n - x) % 7))  # later items often finish first

    out = run(Stream(sources(n)[kind]).map(work, parallel=limit).to_list())
    assert out == list(range(n))
    assert g.peak == limit
    if limit > 1 and kind == 0:
        assert g.finished != sorted(g.finished)  # completion order really differed


@pytest.mark.parametrize("limit", LIMITS)
def test_map_parallel_pulls_the_next_input_only_when_a_slot_frees(limit: int) -> None:
    src = CountingSource(40)
    g = Gauge()
    pulled_at_start: list[int] = []

    async def work(x: int) -> int:
        pulled_at_start.append(src.pulled - len(g.finished))
        return int(await g.work(x))

    run(Stream(src).map(work, parallel=limit).to_list())
    # pulled minus finished never exceeds the window
    assert max(pulled_at_start) <= limit


@pytest.mark.parametrize("limit", LIMITS)
def test_slow_consumer_keeps_the_source_a_few_items_ahead(limit: int) -> None:
    src = CountingSource(100)
    ahead: list[int] = []
    consumed = 0

    async def slow(x: int) -> int:
        nonlocal consumed
        await asyncio.sleep(0)
        consumed += 1
        ahead.append(src.pulled - consumed)
        return x

    run(Stream(src).map(lambda x: x + 1).map(slow, parallel=limit).drain())
    assert max(ahead) <= limit


@pytest.mark.parametrize("limit", LIMITS)
def test_map_parallel_error_cancels_and_awaits_in_flight_calls(limit: int) -> None:
    g = Gauge()

    async def work(x: int) -> int:
        if x == 3:
            await asyncio.sleep(0)
            raise KeyError("three")
        return int(await g.work(x, hops=50))

    async def go() -> set[Any]:
        with pytest.raises(KeyError):
            await Stream(range(100)).map(work, parallel=limit).to_list()
        return other_tasks()

    left = run(go())
    assert left == set()
    assert g.in_flight == 0
    assert g.started, "some calls ran"
    assert len(g.finished) + g.cancelled == len(g.started)


@pytest.mark.parametrize("limit", LIMITS)
def test_map_parallel_errors_are_values_others_keep_flowing(limit: int) -> None:
    async def work(x: int) -> int:
        await asyncio.sleep(0)
        if x % 5 == 0:
            raise ValueError(x)
        return x

    errors: list[Any] = []
    out = run(
        Stream(range(20)).map(work, parallel=limit).errors(lambda e, p: errors.append(e.args[0])).to_list()
    )
    assert out == [x for x in range(20) if x % 5]
    assert errors == [0, 5, 10, 15]


@pytest.mark.parametrize("limit", LIMITS)
def test_early_stop_cancels_in_flight_and_leaves_no_task(limit: int) -> None:
    g = Gauge()

    async def go() -> tuple[list[int], set[Any]]:
        got = []

        async def work(x: int) -> int:
            return int(await g.work(x, hops=5))

        s = Stream(range(1000)).map(work, parallel=limit)
        async with aclosing(s.__aiter__()) as it:
            async for x in it:
                got.append(x)
                if len(got) == 3:
                    break
        return got, other_tasks()

    got, left = run(go())
    assert got == [0, 1, 2]
    assert left == set()
    assert g.in_flight == 0
    assert len(g.started) <= 3 + limit


@pytest.mark.parametrize("limit", LIMITS)
def test_parallel_of_awaitables_and_streams_keeps_order(limit: int) -> None:
    g = Gauge()

    def make(x: int) -> Any:
        if x % 2:
            return Stream([x, x]).map(lambda y: g.work(y, hops=1 + (10 - x) % 4))
        return g.work(x, hops=1 + (10 - x) % 4)

    # a lazy source of awaitables and streams: each is created when parallel() pulls it
    out = run(Stream(make(x) for x in range(10)).parallel(limit).to_list())
    assert out == [0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9]
    assert 1 <= g.peak <= limit


def test_parallel_starts_exactly_limit_awaitables() -> None:
    for limit in LIMITS:
        g = Gauge()
        out = run(Stream(g.work(x) for x in range(40)).parallel(limit).to_list())
        assert out == list(range(40))
        assert g.peak == limit


# -- fork / observe / merge ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", range(3))
def test_fork_gives_every_branch_every_element(kind: int) -> None:
    async def go() -> list[Any]:
        head = Stream(sources(30)[kind])
        a = head.fork().map(lambda x: ("a", x))
        b = head.fork().filter(lambda x: x % 3 == 0).map(lambda x: ("b", x))
        c = head.fork().map(lambda x: g_async(x))
        return list(await Stream.merge([a, b, c]).to_list())

    async def g_async(x: int) -> tuple[str, int]:
        await asyncio.sleep(0)
        return ("c", x)

    out = run(go())
    assert [x for t, x in out if t == "a"] == list(range(30))
    assert [x for t, x in out if t == "b"] == list(range(0, 30, 3))
    assert [x for t, x in out if t == "c"] == list(range(30))


def test_bounded_fork_slowest_branch_sets_the_pace() -> None:
    src = CountingSource(200)
    max_lead = 0
    slow_seen = 0

    async def slow(x: int) -> int:
        nonlocal slow_seen
        for _ in range(3):
            await asyncio.sleep(0)
        slow_seen += 1
        return x

    def fast(x: int) -> int:
        nonlocal max_lead
        max_lead = max(max_lead, src.pulled - slow_seen)
        return x

    async def go() -> int:
        head = Stream(src)
        a = head.fork(buffer=8).map(fast)
        b = head.fork(buffer=8).map(slow)
        return len(await Stream.merge([a, b]).to_list())

    assert run(go()) == 400
    assert max_lead <= 8 + 8  # the buffer plus one pull


def test_observe_never_holds_the_others_back() -> None:
    release = None

    async def go() -> list[int]:
        nonlocal release
        release = asyncio.Event()
        head = Stream(range(50))
        fast = head.observe()
        blocked = head.observe().map(lambda x: wait_then(x))

        async def wait_then(x: int) -> int:
            assert release is not None
            await release.wait()
            return x

        fast_out = await fast.to_list()  # completes while the other branch is stuck
        release.set()
        slow_out = await blocked.to_list()
        assert slow_out == list(range(50))
        return list(fast_out)

    assert run(go()) == list(range(50))


def test_merge_interleaves_fairly_and_ends_when_all_end() -> None:
    async def ticks(tag: str, n: int) -> Any:
        for i in range(n):
            await asyncio.sleep(0)
            yield (tag, i)

    out = run(Stream.merge([Stream(ticks("a", 5)), Stream(ticks("b", 2)), Stream([])]).to_list())
    assert sorted(out) == sorted([("a", i) for i in range(5)] + [("b", 0), ("b", 1)])
    # fair: b's two items are not all left for the end
    assert out.index(("b", 1)) < out.index(("a", 4))


def test_merge_error_cancels_other_branches() -> None:
    g = Gauge()

    async def boom(x: int) -> int:
        raise KeyError(x)

    async def go() -> set[Any]:
        with pytest.raises(KeyError):
            await Stream.merge(
                [Stream(range(100)).map(lambda x: g.work(x, hops=20), parallel=4), Stream([1]).map(boom)]
            ).to_list()
        return other_tasks()

    assert run(go()) == set()
    assert g.in_flight == 0


@pytest.mark.parametrize("limit", LIMITS)
def test_map_parallel_waits_for_a_source_slower_than_the_calls(limit: int) -> None:
    async def src() -> Any:
        yield 1
        await asyncio.sleep(0.01)
        yield 2
        await asyncio.sleep(0.01)
        yield 3

    async def same(x: int) -> int:
        return x

    assert run(Stream(src()).map(same, parallel=limit).to_list()) == [1, 2, 3]


def test_a_fork_broadcasts_errors_to_every_branch() -> None:
    """A plain broadcast: ``assemble`` makes a record's error one fault before its fork."""

    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("three")
        return x

    async def go() -> tuple[list[Any], list[Any]]:
        head = Stream(range(6)).map(boom)
        errors: list[Any] = []
        branches = [head.observe().map(lambda x, k=k: (k, x)) for k in range(3)]
        out = await Stream.merge(branches).errors(lambda e, push: errors.append(e)).to_list()
        return out, errors

    out, errors = run(go())
    assert len(errors) == 3 and {str(e) for e in errors} == {"three"}
    for k in range(3):
        assert [x for b, x in out if b == k] == [0, 1, 2, 4, 5]


def test_concat_makes_the_second_stream_only_after_the_first_ends() -> None:
    seen: list[int] = []

    def then() -> Stream[int]:
        return Stream([len(seen)])

    out = run(Stream([1, 2, 3]).tap(seen.append).concat(then).to_list())
    assert out == [1, 2, 3, 3]
    assert run(Stream([1]).concat(Stream([2])).to_list()) == [1, 2]


def test_a_forked_stream_says_so_when_extended() -> None:
    async def step(x: int) -> int:
        return x

    s = Stream([1])
    s.fork()
    with pytest.raises(RuntimeError, match="forked"):
        s.map(step)
    with pytest.raises(RuntimeError, match="forked"):
        s.map(lambda x: x)
