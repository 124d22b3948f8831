"""Gate: a stream that ends at a deadline and says what it withheld."""

from __future__ import annotations

import asyncio
from typing import Any

from lambda_stream import Stream
from lambda_stream.core import Gate


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_no_deadline_passes_everything_and_is_the_same_stream() -> None:
    s = Stream(range(5))
    gate = Gate(None)
    assert s.through(gate) is s
    assert run(s.to_list()) == [0, 1, 2, 3, 4]
    assert not gate.stopped and gate.withheld is None


def test_the_gate_closes_at_the_deadline_and_keeps_the_first_withheld_element() -> None:
    clock = Clock()
    gate = Gate(10.0, clock)
    seen: list[int] = []

    def tick(x: int) -> int:
        seen.append(x)
        if x == 2:
            clock.now = 10.0  # the deadline passes while element 2 is processed
        return x

    pulled: list[int] = []

    def source() -> Any:
        for i in range(100):
            pulled.append(i)
            yield i

    out = run(Stream(source()).through(gate).map(tick, parallel=2).to_list())
    assert gate.stopped
    assert out == seen == list(range(len(out)))
    assert gate.withheld == len(out)  # the next one, never handed out
    assert pulled[-1] == gate.withheld  # nothing read beyond it


def test_a_gate_already_past_its_deadline_hands_out_nothing() -> None:
    gate = Gate(0.0, Clock())
    assert run(Stream([7, 8]).through(gate).to_list()) == []
    assert gate.stopped and gate.withheld == 7


def test_a_gate_past_its_deadline_on_an_empty_stream_withholds_nothing() -> None:
    gate = Gate(0.0, Clock())
    assert run(Stream([]).through(gate).to_list()) == []
    assert gate.stopped and gate.withheld is None


def test_a_list_subclass_source_cannot_bypass_the_gate() -> None:
    """The gate is a step on the stream, not a list whose __iter__ a source must call."""

    class Records(list[int]):
        pass

    gate = Gate(0.0, Clock())
    assert run(Stream(Records([1, 2, 3])).through(gate).to_list()) == []
    assert gate.withheld == 1
