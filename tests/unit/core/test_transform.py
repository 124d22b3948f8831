"""Element-wise steps: laziness, sync/async callables, errors as values."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_stream import Stream

from .helpers import CountingSource


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_nothing_runs_until_a_terminal_pulls() -> None:
    calls: list[int] = []
    src = CountingSource(5)
    s = Stream(src).map(lambda x: calls.append(x) or x)
    assert src.pulled == 0 and calls == []
    assert run(s.to_list()) == [0, 1, 2, 3, 4]
    assert calls == [0, 1, 2, 3, 4]


def test_sync_async_and_coroutine_returning_callables() -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    async def is_big(x: int) -> bool:
        return x > 4

    out = run(
        Stream([1, 2, 3, 4])
        .map(double)
        .map(lambda x: double(x))  # a sync lambda returning a coroutine
        .filter(is_big)
        .reject(lambda x: x == 12)
        .to_list()
    )
    assert out == [8, 16]


def test_tap_sees_elements_and_passes_them_unchanged() -> None:
    first: list[int] = []
    second: list[int] = []

    async def record(x: int) -> None:
        first.append(x)

    assert run(Stream([1, 2]).tap(record).tap(second.append).to_list()) == [1, 2]
    assert first == second == [1, 2]


def test_flat_map_splices_iterables_and_streams() -> None:
    async def twice(x: int) -> list[int]:
        return [x, x]

    out = run(Stream([1, 2]).flat_map(twice).flat_map(lambda x: Stream(range(x))).to_list())
    assert out == [0, 0, 0, 1, 0, 1]


def test_an_error_skips_only_its_elements_remaining_steps() -> None:
    later: list[int] = []

    def boom(x: int) -> int:
        if x == 2:
            raise ValueError("two")
        return x

    errors: list[BaseException] = []
    out = run(
        Stream([1, 2, 3]).map(boom).tap(later.append).errors(lambda err, push: errors.append(err)).to_list()
    )
    assert out == [1, 3]
    assert later == [1, 3]
    assert [str(e) for e in errors] == ["two"]


def test_errors_handler_push_replaces_and_raise_reraises() -> None:
    def boom(x: int) -> int:
        if x % 2:
            raise KeyError(x)
        return x

    out = run(Stream(range(5)).map(boom).errors(lambda err, push: push(-1)).to_list())
    assert out == [0, -1, 2, -1, 4]

    def reraise(err: BaseException, push: Any) -> None:
        raise err

    with pytest.raises(KeyError) as info:
        run(Stream(range(5)).map(boom).errors(reraise).to_list())
    assert info.value.args == (1,)


def test_async_errors_handler_and_a_new_error_from_the_handler() -> None:
    async def handler(err: BaseException, push: Any) -> None:
        await asyncio.sleep(0)
        if isinstance(err, KeyError):
            push("recovered")
        else:
            raise RuntimeError("handler failed") from err

    def boom(x: int) -> int:
        raise KeyError(x) if x == 0 else ValueError(x)

    assert run(Stream([0]).map(boom).errors(handler).to_list()) == ["recovered"]
    with pytest.raises(RuntimeError, match="handler failed"):
        run(Stream([1]).map(boom).errors(handler).to_list())


def test_unhandled_error_raises_the_original_exception_at_the_terminal() -> None:
    def boom(x: int) -> int:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        run(Stream([1]).map(boom).drain())
    with pytest.raises(KeyError):
        run(Stream([1]).map(boom).to_list())


def test_filter_predicate_errors_are_errors_not_drops() -> None:
    def bad(x: int) -> bool:
        raise ValueError(x)

    with pytest.raises(ValueError):
        run(Stream([1]).filter(bad).to_list())


def test_a_failing_source_iterator_passes_its_error_on() -> None:
    def source() -> Any:
        yield 1
        raise OSError("disk")

    errors: list[BaseException] = []
    out = run(Stream(source()).errors(lambda e, push: errors.append(e)).to_list())
    assert out == [1]
    assert isinstance(errors[0], OSError)


def test_async_iterable_source() -> None:
    async def gen() -> Any:
        for i in range(3):
            await asyncio.sleep(0)
            yield i

    assert run(Stream(gen()).map(lambda x: x * 10).to_list()) == [0, 10, 20]


def test_a_stream_is_consumed_once() -> None:
    s = Stream([1]).map(lambda x: x)

    async def twice() -> None:
        await s.to_list()
        await s.to_list()

    with pytest.raises(RuntimeError, match="already consumed"):
        run(twice())


def test_through_applies_a_curried_step() -> None:
    def add(n: int) -> Any:
        return lambda s: s.map(lambda x: x + n)

    assert run(Stream([1, 2]).through(add(10)).to_list()) == [11, 12]


def test_async_for_iterates_and_raises_errors() -> None:
    async def go() -> list[int]:
        out = []
        async for x in Stream([1, 2, 3]).map(lambda x: x * 2):
            out.append(x)
        return out

    assert run(go()) == [2, 4, 6]


def test_rejects_what_is_not_iterable() -> None:
    with pytest.raises(TypeError, match="iterable"):
        run(Stream(42).to_list())  # type: ignore[arg-type]


def test_a_stream_that_was_extended_cannot_be_extended_again() -> None:
    s = Stream(iter([1, 2, 3]))
    s.map(lambda x: x * 2)
    with pytest.raises(RuntimeError, match="already consumed"):
        s.map(lambda x: x * 3)


def test_a_run_of_sync_steps_takes_each_element_through_the_whole_run_in_turn() -> None:
    order: list[tuple[str, int]] = []
    out = run(
        Stream([1, 2])
        .tap(lambda x: order.append(("a", x)))
        .map(lambda x: x * 10)
        .tap(lambda x: order.append(("b", x)))
        .to_list()
    )
    assert out == [10, 20]
    assert order == [("a", 1), ("b", 10), ("a", 2), ("b", 20)]


def test_a_chain_awaits_awaitables_and_keeps_errors_per_element() -> None:
    async def halve(x: int) -> float:
        return x / 2

    async def keep(x: float) -> bool:
        return x != 1.5

    def boom(x: float) -> float:
        if x == 2:
            raise ValueError("two")
        return x

    errors: list[str] = []
    out = run(
        Stream([1, 2, 3, 4, 5, 6])
        .map(lambda x: halve(x))  # sync lambdas returning coroutines stay in the chain
        .filter(lambda x: keep(x))
        .map(boom)
        .reject(lambda x: x == 0.5)
        .tap(lambda x: None)
        .errors(lambda e, push: errors.append(str(e)))
        .to_list()
    )
    assert out == [1.0, 2.5, 3.0]
    assert errors == ["two"]


class Ambiguous:
    """A verdict whose truth cannot be told (like a numpy array)."""

    def __bool__(self) -> bool:
        raise ValueError("truth value is ambiguous")


def test_a_verdict_that_cannot_be_told_is_that_elements_error_fused_or_not() -> None:
    async def apred(x: int) -> Any:
        return Ambiguous() if x == 1 else True

    def pred(x: int) -> Any:
        return Ambiguous() if x == 1 else x != 3

    for make in (
        lambda s: s.filter(pred),
        lambda s: s.reject(lambda x: not pred(x) if x != 1 else Ambiguous()),
        lambda s: s.map(lambda x: x).filter(pred),
        lambda s: s.filter(apred),
    ):
        errors: list[str] = []
        out = run(
            make(Stream([0, 1, 2])).errors(lambda e, push, errors=errors: errors.append(str(e))).to_list()
        )
        assert out == [0, 2]
        assert errors == ["truth value is ambiguous"]


def test_callable_objects_and_partials_of_async_functions_run_one_element_at_a_time() -> None:
    import functools

    log: list[str] = []

    class AsyncStep:
        async def __call__(self, x: int) -> int:
            log.append(f"call {x}")
            return x

    async def add(k: int, x: int) -> int:
        log.append(f"add {x}")
        return x + k

    def source() -> Any:
        for i in range(5):
            log.append(f"read {i}")
            yield i

    async def first_two(s: Stream[int]) -> list[int]:
        got: list[int] = []
        from contextlib import aclosing

        async with aclosing(s.__aiter__()) as it:
            async for x in it:
                got.append(x)
                if len(got) == 2:
                    break
        return got

    assert run(first_two(Stream(source()).map(AsyncStep()))) == [0, 1]
    assert log == ["read 0", "call 0", "read 1", "call 1"]
    log.clear()
    assert run(first_two(Stream(source()).map(functools.partial(add, 10)))) == [10, 11]
    assert log == ["read 0", "add 0", "read 1", "add 1"]
