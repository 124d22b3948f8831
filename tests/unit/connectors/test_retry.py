"""The shared selective-retry loop, with a fake send function."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from lambda_stream.connectors.batch import (
    BatchResult,
    EntryError,
    FailedEntry,
    backoff_delay,
    send_batch_with_retries,
)
from lambda_stream.errors import ConnectorError, ThrottledError


class FakeService:
    """Fails entry ``e`` on its first ``fail_times[e]`` sends; records every send."""

    def __init__(self, fail_times: dict[str, int], *, retryable: bool = True) -> None:
        self.fail_times = fail_times
        self.retryable = retryable
        self.sends: list[list[str]] = []
        self.seen: Counter[str] = Counter()
        self.delivered: Counter[str] = Counter()

    async def send(self, sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        self.sends.append(list(sub))
        out: list[dict[str, Any] | EntryError] = []
        for e in sub:
            self.seen[e] += 1
            if self.seen[e] <= self.fail_times.get(e, 0):
                out.append(EntryError("ThrottlingException", f"{e} throttled", retryable=self.retryable))
            else:
                self.delivered[e] += 1
                out.append({"Id": e})
        return out


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def run(entries: list[str], service: FakeService, **kwargs: Any) -> BatchResult:
    return asyncio.run(send_batch_with_retries(entries, service.send, **kwargs))


def test_only_the_failed_entries_are_resent() -> None:
    entries = [f"e{i}" for i in range(10)]
    service = FakeService({"e2": 1, "e5": 2, "e7": 1})
    sleeps = Sleeps()
    result = run(entries, service, sleep=sleeps, rng=lambda: 1.0, base_delay=0.1)
    assert service.sends == [entries, ["e2", "e5", "e7"], ["e5"]]
    assert result.failed == []
    assert result.ok
    assert result.responses == [{"Id": e} for e in entries]
    assert service.delivered == Counter(entries)  # each exactly once
    assert sleeps.delays == [0.1, 0.2]


def test_entries_still_failing_after_max_retries_are_reported_by_original_index() -> None:
    entries = [f"e{i}" for i in range(6)]
    service = FakeService({"e1": 100, "e4": 2})
    result = run(entries, service, max_retries=3, sleep=Sleeps())
    assert result.failed == [FailedEntry(1, "ThrottlingException", "e1 throttled")]
    assert result.responses[1] is None  # never counted as sent
    assert [r is not None for r in result.responses] == [True, False, True, True, True, True]
    assert service.seen["e1"] == 4  # the first send and 3 retries
    assert len(service.sends) == 4


def test_max_retries_zero_sends_once() -> None:
    service = FakeService({"a": 1})
    result = run(["a", "b"], service, max_retries=0, sleep=Sleeps())
    assert [f.index for f in result.failed] == [0]
    assert service.sends == [["a", "b"]]


def test_non_retryable_failures_are_reported_at_once() -> None:
    service = FakeService({"a": 1}, retryable=False)
    sleeps = Sleeps()
    result = run(["a", "b"], service, sleep=sleeps)
    assert [f.index for f in result.failed] == [0]
    assert service.sends == [["a", "b"]]
    assert sleeps.delays == []


def test_a_throttled_request_counts_as_every_pending_entry_failing() -> None:
    calls: list[list[str]] = []

    async def send(sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        calls.append(sub)
        if len(calls) == 1:
            raise ThrottledError("slow down", code="ThrottlingException")
        return [{"Id": e} for e in sub]

    result = asyncio.run(send_batch_with_retries(["a", "b"], send, sleep=Sleeps()))
    assert result.ok
    assert calls == [["a", "b"], ["a", "b"]]


def test_other_errors_propagate() -> None:
    async def send(sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        asyncio.run(send_batch_with_retries(["a"], send, sleep=Sleeps()))


def test_a_response_of_the_wrong_length_is_an_error() -> None:
    async def send(sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        return [{"Id": "x"}]

    with pytest.raises(ConnectorError):
        asyncio.run(send_batch_with_retries(["a", "b"], send, sleep=Sleeps()))


def test_no_entries_no_call() -> None:
    service = FakeService({})
    assert run([], service) == BatchResult(responses=[], failed=[])
    assert service.sends == []


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    assert [backoff_delay(a, 0.05, cap=1.0, rng=lambda: 1.0) for a in range(6)] == [
        0.05,
        0.1,
        0.2,
        0.4,
        0.8,
        1.0,
    ]
    assert backoff_delay(3, 0.05, rng=lambda: 0.5) == pytest.approx(0.2)
    assert backoff_delay(3, 0.05, rng=lambda: 0.0) == 0.0


def test_a_whole_call_failure_on_a_retry_fails_only_the_pending_entries() -> None:
    calls: list[list[str]] = []

    async def send(sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        calls.append(sub)
        if len(calls) == 1:
            return [EntryError("InternalFailure", "x") if e == "a" else {"Id": e} for e in sub]
        raise ConnectorError("boom", code="InternalException")

    result = asyncio.run(send_batch_with_retries(["a", "b", "c"], send, sleep=Sleeps()))
    assert calls == [["a", "b", "c"], ["a"]]  # not retried after the failed retry
    assert result.failed == [FailedEntry(0, "InternalException", "boom")]
    assert result.responses == [None, {"Id": "b"}, {"Id": "c"}]  # the accepted ones keep theirs


def test_an_unexpected_error_on_a_retry_fails_only_the_pending_entries() -> None:
    calls: list[list[str]] = []

    async def send(sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        calls.append(sub)
        if len(calls) == 1:
            return [EntryError("ThrottlingException", "slow") if e != "c" else {"Id": e} for e in sub]
        raise RuntimeError("bug")

    result = asyncio.run(send_batch_with_retries(["a", "b", "c"], send, sleep=Sleeps()))
    assert result.failed == [FailedEntry(0, "RuntimeError", "bug"), FailedEntry(1, "RuntimeError", "bug")]
    assert result.responses == [None, None, {"Id": "c"}]


def test_a_response_of_the_wrong_length_on_a_retry_fails_only_the_pending_entries() -> None:
    calls: list[list[str]] = []

    async def send(sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        calls.append(sub)
        if len(calls) == 1:
            return [EntryError("ThrottlingException", "slow") if e == "b" else {"Id": e} for e in sub]
        return []

    result = asyncio.run(send_batch_with_retries(["a", "b"], send, sleep=Sleeps()))
    assert [(f.index, f.code) for f in result.failed] == [(1, "InvalidResponse")]
    assert result.responses == [{"Id": "a"}, None]


def test_a_whole_call_failure_on_the_first_attempt_still_raises() -> None:
    async def send(sub: list[str]) -> Sequence[dict[str, Any] | EntryError]:
        raise ConnectorError("no bus", code="ResourceNotFoundException")

    with pytest.raises(ConnectorError, match="no bus"):
        asyncio.run(send_batch_with_retries(["a", "b"], send, sleep=Sleeps()))
