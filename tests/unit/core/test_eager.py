"""The bridge's fast path: a run that never suspends skips the loop, and one that does goes on it.

Every behaviour is checked against a plain ``asyncio.Runner`` running the same coroutine: same
results, same errors, same cancellation, whichever path the bridge took.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

from lambda_stream import LoopBridge, Stream
from lambda_stream.core._eager import deadline_at

Make = Callable[[], Coroutine[Any, Any, Any]]


def outcome(run: Callable[[Coroutine[Any, Any, Any]], Any], make: Make) -> tuple[str, Any]:
    try:
        return "value", run(make())
    except BaseException as e:
        return "error", (type(e), str(e))


@pytest.fixture
def bridge() -> Iterator[LoopBridge]:
    b = LoopBridge()
    yield b
    b.close()


def same_as_runner(bridge: LoopBridge, make: Make) -> tuple[str, Any]:
    with asyncio.Runner() as runner:
        want = outcome(runner.run, make)
    got = outcome(bridge.run, make)
    assert got == want
    return got


def test_a_sync_run_never_touches_the_loop(bridge: LoopBridge) -> None:
    async def pipeline() -> list[int]:
        return await Stream(range(10)).map(lambda x: x * 2).filter(lambda x: x % 3).to_list()

    assert same_as_runner(bridge, pipeline) == ("value", [2, 4, 8, 10, 14, 16])
    assert bridge.loop_runs == 0


def test_fork_and_merge_of_sync_steps_stay_off_the_loop(bridge: LoopBridge) -> None:
    async def pipeline() -> list[int]:
        head = Stream(range(600))
        branches = [head.observe().map(lambda x, k=k: x + k) for k in (0, 1000)]
        return sorted(await Stream.merge(branches).to_list())

    assert same_as_runner(bridge, pipeline) == ("value", sorted([*range(600), *range(1000, 1600)]))
    assert bridge.loop_runs == 0


def test_a_run_that_suspends_goes_on_as_the_same_coroutine(bridge: LoopBridge) -> None:
    async def work() -> list[Any]:
        seen: list[Any] = [asyncio.get_running_loop(), asyncio.current_task() is not None]
        await asyncio.sleep(0.001)
        seen += [asyncio.get_running_loop(), asyncio.current_task() is not None]
        await asyncio.sleep(0)
        return seen

    seen = bridge.run(work())
    assert bridge.loop_runs == 1
    assert seen[0] is seen[2] and seen[1] is True and seen[3] is True
    assert not seen[0].is_running()


def test_merge_of_sync_and_async_branches(bridge: LoopBridge) -> None:
    async def slow(x: int) -> int:
        await asyncio.sleep(0)
        return -x

    async def pipeline() -> list[int]:
        head = Stream(range(300))
        return sorted(await Stream.merge([head.observe(), head.observe().map(slow)]).to_list())

    assert same_as_runner(bridge, pipeline) == ("value", sorted([*range(300), *(-x for x in range(300))]))


@pytest.mark.parametrize("suspend", [False, True])
def test_the_original_error_is_raised(bridge: LoopBridge, suspend: bool) -> None:
    error = KeyError("nope")

    async def work() -> None:
        if suspend:
            await asyncio.sleep(0)
        raise error

    with pytest.raises(KeyError) as info:
        bridge.run(work())
    assert info.value is error
    same_as_runner(bridge, work)


def test_asyncio_timeout_entered_before_suspending_fires_after(bridge: LoopBridge) -> None:
    async def work() -> str:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(5)
        return "not reached"

    assert same_as_runner(bridge, work)[1][0] is TimeoutError


def test_asyncio_timeout_that_does_not_fire(bridge: LoopBridge) -> None:
    async def work() -> int:
        async with asyncio.timeout(5):  # noqa: ASYNC100 - entered and left without suspending
            x = 1
        async with asyncio.timeout(5):
            await asyncio.sleep(0)
        return x

    assert same_as_runner(bridge, work) == ("value", 1)


def test_task_group_child_failure_cancels_the_parent(bridge: LoopBridge) -> None:
    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("child")

    async def work() -> None:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fail())
            tg.create_task(asyncio.sleep(5))

    kind, (typ, _) = same_as_runner(bridge, work)
    assert kind == "error" and typ is ExceptionGroup


def test_task_group_that_succeeds(bridge: LoopBridge) -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    async def work() -> list[int]:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(double(x)) for x in range(5)]
        return [t.result() for t in tasks]

    assert same_as_runner(bridge, work) == ("value", [0, 2, 4, 6, 8])


@pytest.mark.parametrize("then_await", [False, True])
def test_a_run_that_cancels_itself(bridge: LoopBridge, then_await: bool) -> None:
    async def work() -> str:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        if then_await:
            await asyncio.sleep(0)
        return "done"

    kind, (typ, _) = same_as_runner(bridge, work)
    assert kind == "error" and typ is asyncio.CancelledError


def test_a_cancelled_subtask_is_seen_by_its_awaiter(bridge: LoopBridge) -> None:
    async def work() -> str:
        t = asyncio.ensure_future(asyncio.sleep(5))
        asyncio.get_running_loop().call_soon(t.cancel)
        try:
            await t
        except asyncio.CancelledError:
            return "cancelled"
        return "not cancelled"

    assert same_as_runner(bridge, work) == ("value", "cancelled")


def test_context_variables_do_not_leak_out_of_a_run(bridge: LoopBridge) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="outside")

    async def work() -> str:
        var.set("inside")
        return var.get()

    assert same_as_runner(bridge, work) == ("value", "inside")
    assert var.get() == "outside"


def test_a_task_started_and_left_behind_gets_its_first_step(bridge: LoopBridge) -> None:
    started: list[str] = []

    async def side() -> None:
        started.append("side")

    left: list[Any] = []

    async def work() -> str:
        left.append(asyncio.ensure_future(side()))
        return "main"

    assert same_as_runner(bridge, work) == ("value", "main")
    assert started == ["side", "side"]  # once under the runner, once under the bridge


def test_run_inside_a_running_loop_is_refused(bridge: LoopBridge) -> None:
    async def inner() -> int:
        return 1

    async def outer() -> None:
        coro = inner()
        try:
            bridge.run(coro)
        finally:
            coro.close()

    with pytest.raises(RuntimeError, match="running event loop"):
        asyncio.run(outer())


def test_deadline_at_costs_no_timer_when_nothing_suspends(bridge: LoopBridge) -> None:
    async def work() -> bool:
        async with deadline_at(asyncio.get_running_loop().time() + 5) as scope:
            x = sum(range(10))
        return x == 45 and not scope.expired()

    assert bridge.run(work()) is True
    assert bridge.loop_runs == 0


def test_deadline_at_fires_once_the_run_is_on_the_loop(bridge: LoopBridge) -> None:
    scopes: list[deadline_at] = []

    async def work() -> None:
        async with deadline_at(asyncio.get_running_loop().time() + 0.01) as scope:
            scopes.append(scope)
            await asyncio.sleep(5)

    with pytest.raises(TimeoutError):
        bridge.run(work())
    assert scopes[0].expired()
    with asyncio.Runner() as runner, pytest.raises(TimeoutError):
        runner.run(work())  # the same inside an ordinary task
    assert scopes[1].expired()


def test_deadline_at_passes_a_steps_own_timeout_error_on(bridge: LoopBridge) -> None:
    async def work() -> bool:
        try:
            async with deadline_at(asyncio.get_running_loop().time() + 5) as scope:
                await asyncio.sleep(0)
                raise TimeoutError("the step's own")
        except TimeoutError as e:
            return str(e) == "the step's own" and not scope.expired()
        return False

    assert bridge.run(work()) is True


def test_deadline_at_left_before_suspending_is_not_armed_later(bridge: LoopBridge) -> None:
    async def work() -> str:
        async with deadline_at(asyncio.get_running_loop().time() - 1):
            pass  # already past, but nothing here can be interrupted
        await asyncio.sleep(0.005)
        return "done"

    assert bridge.run(work()) == "done"
    assert bridge.loop_runs == 1
