"""batch, batch_with_time_or_count, group, reduce, rate_limit, and property tests against plain Python."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_stream import Stream

from .helpers import AsyncCountingSource, CountingSource


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.parametrize("size", [1, 2, 3, 16])
def test_batch(size: int) -> None:
    data = list(range(10))
    expected = [data[i : i + size] for i in range(0, 10, size)]
    for src in (data, CountingSource(10), AsyncCountingSource(10)):
        assert run(Stream(src).batch(size).to_list()) == expected


def test_batch_passes_errors_through_in_place() -> None:
    def boom(x: int) -> int:
        if x == 2:
            raise ValueError(x)
        return x

    out = run(Stream(range(5)).map(boom).batch(2).errors(lambda e, push: push("err")).to_list())
    assert out == [[0, 1], "err", [3, 4]]


def test_batch_with_time_or_count_by_count() -> None:
    out = run(Stream(range(7)).batch_with_time_or_count(10_000, 3).to_list())
    assert out == [[0, 1, 2], [3, 4, 5], [6]]


def test_batch_with_time_or_count_flushes_on_time_while_the_source_is_idle() -> None:
    async def go() -> list[Any]:
        gate = asyncio.Event()
        got: list[Any] = []

        async def source() -> Any:
            yield 1
            yield 2
            await gate.wait()  # idle until the first batch came out on time
            yield 3
            yield 4

        async def consume() -> None:
            async for batch in Stream(source()).batch_with_time_or_count(20, 10):
                got.append(batch)
                gate.set()

        await asyncio.wait_for(consume(), timeout=10)  # without the timer this would hang
        return got

    assert run(go()) == [[1, 2], [3, 4]]


def test_batch_with_time_or_count_loses_nothing_across_many_timeouts() -> None:
    async def source() -> Any:
        for i in range(30):
            if i % 7 == 0:
                await asyncio.sleep(0.005)
            yield i

    out = run(Stream(source()).batch_with_time_or_count(1, 4).to_list())
    assert [x for b in out for x in b] == list(range(30))
    assert all(1 <= len(b) <= 4 for b in out)


def test_group_is_one_dict_of_lists() -> None:
    out = run(Stream([{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "a", "v": 3}]).group("k").to_list())
    assert out == [{"a": [{"k": "a", "v": 1}, {"k": "a", "v": 3}], "b": [{"k": "b", "v": 2}]}]

    async def parity(x: int) -> str:
        return "odd" if x % 2 else "even"

    assert run(Stream(range(5)).group(parity).to_list()) == [{"even": [0, 2, 4], "odd": [1, 3]}]


def test_reduce() -> None:
    assert run(Stream(range(5)).reduce(lambda acc, x: acc + x, 100).to_list()) == [110]

    async def add(acc: list[int], x: int) -> list[int]:
        return [*acc, x]

    assert run(Stream(range(3)).reduce(add, []).to_list()) == [[0, 1, 2]]
    assert run(Stream([]).reduce(lambda a, x: a + x, 0).to_list()) == [0]


def test_rate_limit_spaces_the_elements() -> None:
    async def go() -> tuple[list[int], float]:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        out = await Stream(range(6)).rate_limit(2, 50).to_list()
        return out, loop.time() - t0

    out, elapsed = run(go())
    assert out == list(range(6))
    assert elapsed >= 0.1  # 3 windows of 2: at least two full waits


def test_rate_limit_never_exceeds_num_per_window() -> None:
    async def go() -> list[float]:
        loop = asyncio.get_running_loop()
        stamps: list[float] = []
        await (
            Stream(range(9))
            .flat_map(lambda x: [x, x])
            .rate_limit(3, 30)
            .tap(lambda _: stamps.append(loop.time()))
            .drain()
        )
        return stamps

    stamps = run(go())
    assert len(stamps) == 18
    for i in range(3, len(stamps)):
        assert stamps[i] - stamps[i - 3] >= 0.029


# -- property tests: the operators agree with plain Python ---------------------------------------

ints = st.lists(st.integers(min_value=-1000, max_value=1000), max_size=300)


@given(ints)
def test_map_filter_agree_with_python(xs: list[int]) -> None:
    out = run(
        Stream(xs).map(lambda x: x * 3).filter(lambda x: x % 2 == 0).reject(lambda x: x > 500).to_list()
    )
    assert out == [y for y in (x * 3 for x in xs) if y % 2 == 0 and not y > 500]


@given(ints)
def test_flat_map_agrees_with_python(xs: list[int]) -> None:
    out = run(Stream(iter(xs)).flat_map(lambda x: [x] * (abs(x) % 3)).to_list())
    assert out == [y for x in xs for y in [x] * (abs(x) % 3)]


@given(ints, st.integers(min_value=1, max_value=20))
def test_batch_agrees_with_python(xs: list[int], n: int) -> None:
    assert run(Stream(xs).batch(n).to_list()) == [xs[i : i + n] for i in range(0, len(xs), n)]


@given(ints, st.integers(min_value=1, max_value=8))
def test_parallel_map_agrees_with_python(xs: list[int], p: int) -> None:
    async def f(x: int) -> int:
        for _ in range(abs(x) % 3):
            await asyncio.sleep(0)
        return x + 1

    assert run(Stream(xs).map(f, parallel=p).to_list()) == [x + 1 for x in xs]


def test_rate_limit_window_opens_at_the_first_emission_not_at_the_request() -> None:
    async def go() -> list[float]:
        loop = asyncio.get_running_loop()

        async def source() -> Any:
            await asyncio.sleep(0.09)  # slow first element, then a burst
            for i in range(6):
                yield i

        stamps: list[float] = []
        await Stream(source()).rate_limit(2, 100).tap(lambda _: stamps.append(loop.time())).drain()
        return stamps

    stamps = run(go())
    assert len(stamps) == 6
    for i in range(2, 6):
        assert stamps[i] - stamps[i - 2] >= 0.099
