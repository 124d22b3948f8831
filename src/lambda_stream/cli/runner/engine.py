"""The runner: event source mappings polled and delivered on one asyncio loop.

    async with Runner([EventSourceMapping("dynamodb:things", "service.trigger:handler")]) as runner:
        await runner.until_quiet()        # every source polled empty, nothing in flight
    print(runner.report())

AWS calls and invocations run on threads (boto3 is blocking; each function container has its
own thread), so the loop only schedules. ``stop()`` (or leaving the ``async with``) lets the
invocations in flight finish, then closes the containers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .aws import Clients, queue_url, send_json
from .dynamodb import DynamoDBStreamSource
from .function import Function
from .kinesis import KinesisSource
from .mapping import EventSourceMapping
from .shards import ShardedSource
from .sqs import SqsSource
from .stats import Activity, Quietness, SourceStats

Source = ShardedSource | SqsSource


class Runner:
    """Runs ``mappings`` against ``endpoint_url`` (None: real AWS)."""

    def __init__(
        self,
        mappings: Sequence[EventSourceMapping],
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        poll_interval_s: float = 0.05,
        discover_interval_s: float = 1.0,
    ) -> None:
        if not mappings:
            raise ValueError("the runner needs at least one event source mapping")
        self.clients = Clients(endpoint_url, region)
        self.poll_interval_s = poll_interval_s
        self.discover_interval_s = discover_interval_s
        self.activity = Activity()
        self.mappings = list(mappings)
        self.functions: dict[str, Function] = {}
        self.stats: list[SourceStats] = []
        self.sources: list[Source] = []
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _function(self, mapping: EventSourceMapping, region: str, account: str) -> Function:
        """One Function per function name: two mappings of one function share its containers."""
        name = mapping.name
        function = self.functions.get(name)
        if function is None:
            function = Function(mapping.function, name, mapping.timeout_s, region=region, account=account)
            self.functions[name] = function
        return function

    def _destination(self, mapping: EventSourceMapping) -> Callable[[dict[str, Any]], Awaitable[None]] | None:
        target = mapping.on_failure
        if target is None:
            return None
        if target.startswith("arn:") and ":sqs:" not in target:
            raise ValueError(f"on_failure {target!r}: the runner sends to SQS queues only")
        url = queue_url(self.clients, target)

        async def send(record: dict[str, Any]) -> None:
            await asyncio.to_thread(send_json, self.clients, url, record)

        return send

    async def start(self) -> None:
        """Resolve every source (a missing one fails here) and start polling."""
        region = self.clients.region_name
        for mapping in self.mappings:
            stats = SourceStats(str(mapping.ref), mapping.name, mapping.ref.name)
            function = self._function(mapping, region, "123456789012")
            kind = mapping.ref.kind
            source: Source
            if kind == "sqs":
                source = SqsSource(
                    self.clients,
                    mapping,
                    function,
                    stats,
                    self.activity,
                    poll_interval_s=self.poll_interval_s,
                )
            else:
                cls = KinesisSource if kind == "kinesis" else DynamoDBStreamSource
                source = cls(
                    self.clients,
                    mapping,
                    function,
                    stats,
                    self.activity,
                    await asyncio.to_thread(self._destination, mapping),
                    poll_interval_s=self.poll_interval_s,
                    discover_interval_s=self.discover_interval_s,
                )
            try:
                await source.resolve()
                await source.prepare()
            except LookupError:
                raise
            except Exception as e:
                if getattr(e, "response", None) is None:  # not an AWS error (botocore ClientError)
                    raise
                raise LookupError(f"event source {mapping.ref}: {e}") from e
            if source.arn.count(":") >= 4:
                function.account = source.arn.split(":")[4]
            stats.source = source.arn or stats.source
            self.sources.append(source)
            self.stats.append(stats)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            for source in self.sources:
                tg.create_task(source.run(self._stopping))

    @property
    def quiet(self) -> bool:
        """Every poller polled empty twice since anything last happened, and nothing is in flight."""
        pollers: list[Quietness] = [q for s in self.sources for q in s.quietness]
        return bool(self.sources) and all(q.quiet for q in pollers)

    async def until_quiet(self, timeout_s: float | None = None) -> bool:
        """Wait until the system is quiet; False when ``timeout_s`` passed first.

        Quiet counts from this call: every poller must poll empty twice after it (what was
        written just before the call is found, however recently each poller last looked).
        """
        self.activity.touch()
        try:
            async with asyncio.timeout(timeout_s):
                while not self.quiet:
                    self._check()
                    await asyncio.sleep(self.poll_interval_s)
        except TimeoutError:
            return False
        self._check()
        return True

    async def wait(self) -> None:
        """Run until stopped (``stop()`` from elsewhere, or a failure of the runner itself)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def _check(self) -> None:
        """Surface a crash of the runner (not of a function: those are outcomes)."""
        if self._task is not None and self._task.done():
            self._task.result()

    async def stop(self) -> None:
        """Stop polling; let the invocations in flight finish; close the containers."""
        self._stopping.set()
        try:
            if self._task is not None:
                await self._task
        finally:
            for function in self.functions.values():
                await asyncio.to_thread(function.close)

    async def __aenter__(self) -> Runner:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self.stop()

    def report(self) -> str:
        return "\n".join(s.line() for s in self.stats)
