"""Fake connectors for unit tests: same async methods as the real ones, no AWS, exact concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from lambda_stream.connectors.batch import BatchResult, FailedEntry
from lambda_stream.core import Stream


class Gate:
    """Counts calls in flight; each call waits until ``width`` are in flight (or a timeout).

    With a sink limited to ``parallel`` calls and work in multiples of it, ``peak`` is exactly the
    limit the sink enforces (a sink that let more in would raise it; one that let fewer in would
    stall until the timeout and fail the test with a low peak).
    """

    def __init__(self, width: int | None = None, timeout: float = 2.0) -> None:
        self.width = width
        self.timeout = timeout
        self.in_flight = 0
        self.peak = 0
        self.calls = 0
        self._event = asyncio.Event()

    async def enter(self) -> None:
        self.calls += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        if self.width is None:
            await asyncio.sleep(0)
            return
        event = self._event
        if self.in_flight >= self.width:
            event.set()
            self._event = asyncio.Event()
        await asyncio.wait_for(event.wait(), self.timeout)

    def leave(self) -> None:
        self.in_flight -= 1


class FakeDynamoDB:
    def __init__(
        self, gate: Gate | None = None, fail: Callable[[dict[str, Any]], Exception | None] | None = None
    ):
        self.gate = gate or Gate()
        self.fail = fail
        self.requests: list[dict[str, Any]] = []

    async def _do(self, params: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(params)
        await self.gate.enter()
        try:
            err = self.fail(params) if self.fail else None
            if err is not None:
                raise err
            return response
        finally:
            self.gate.leave()

    async def update_item(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._do(params, {"Attributes": {"ok": True}})

    async def put_item(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._do(params, {})


class FakeBatch:
    """A batch API fake: ``fail(entry)`` returns a (code, message) to fail an entry permanently."""

    def __init__(
        self,
        gate: Gate | None = None,
        fail: Callable[[Any], tuple[str, str] | None] | None = None,
        raise_: Exception | None = None,
    ) -> None:
        self.gate = gate or Gate()
        self.fail = fail
        self.raise_ = raise_
        self.calls: list[list[Any]] = []
        self.targets: list[Any] = []

    async def _send(self, entries: list[Any]) -> BatchResult:
        self.calls.append(entries)
        call_no = len(self.calls)
        await self.gate.enter()
        try:
            if self.raise_ is not None:
                raise self.raise_
            responses: list[dict[str, Any] | None] = []
            failed = []
            for i, e in enumerate(entries):
                f = self.fail(e) if self.fail else None
                if f:
                    responses.append(None)
                    failed.append(FailedEntry(i, f[0], f[1]))
                else:
                    responses.append({"Id": f"r{call_no}-{i}"})
            return BatchResult(responses=responses, failed=failed)
        finally:
            self.gate.leave()

    async def put_events(self, entries: list[Any]) -> BatchResult:
        return await self._send(entries)

    async def put_records(self, stream_name: str, records: list[Any]) -> BatchResult:
        self.targets.append(stream_name)
        return await self._send(records)

    async def put_record_batch(self, name: str, records: list[Any]) -> BatchResult:
        self.targets.append(name)
        return await self._send(records)

    async def send_message_batch(self, queue_url: str, entries: list[Any]) -> BatchResult:
        self.targets.append(queue_url)
        return await self._send(entries)


class FakeS3:
    def __init__(self, fail_keys: set[str] | None = None) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.fail_keys = fail_keys or set()
        self.gets = 0

    async def put_object(self, params: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0)
        if params["Key"] in self.fail_keys:
            raise RuntimeError("put failed")
        self.objects[(params["Bucket"], params["Key"])] = params["Body"]
        return {"ETag": "x"}

    async def get_object(self, params: dict[str, Any]) -> dict[str, Any]:
        self.gets += 1
        await asyncio.sleep(0)
        return {"Body": self.objects[(params["Bucket"], params["Key"])]}

    async def delete_object(self, params: dict[str, Any]) -> dict[str, Any]:
        self.objects.pop((params["Bucket"], params["Key"]), None)
        return {}

    async def copy_object(self, params: dict[str, Any]) -> dict[str, Any]:
        source = params["CopySource"]
        self.objects[(params["Bucket"], params["Key"])] = self.objects[(source["Bucket"], source["Key"])]
        return {}

    async def list_objects(self, params: dict[str, Any]) -> dict[str, Any]:
        prefix = params.get("Prefix", "")
        keys = sorted(k for b, k in self.objects if b == params["Bucket"] and k.startswith(prefix))
        return {"Contents": [{"Key": k} for k in keys], "IsTruncated": False}


class Failed:
    """An error value collected from a stream (``run`` pushes these in place of errors)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.uow = getattr(error, "uow", None)

    def __repr__(self) -> str:
        return f"Failed({self.error!r})"


def run(items: list[Any], step: Callable[[Stream[Any]], Stream[Any]]) -> list[Any]:
    """Run ``items`` through ``step``; errors come back as ``Failed`` in their place."""

    async def go() -> list[Any]:
        return await Stream(items).through(step).errors(lambda err, push: push(Failed(err))).to_list()

    return asyncio.run(go())


def uows(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "event": {"id": str(i), "type": "thing-created", "timestamp": 1000 + i, "partitionKey": f"p{i}"},
            **extra,
        }
        for i in range(n)
    ]
