"""One fake connector for the flavors' unit tests: every method a flavor's sinks and queries call,
each call recorded, no AWS. Pass it as ``connector=``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lambda_stream import Stream, initialize, initialize_from
from lambda_stream.connectors.batch import BatchResult
from lambda_stream.faults import FaultUow


class FakeAws:
    def __init__(
        self,
        query: Callable[[dict[str, Any]], list[Any]] | None = None,
        fail: Callable[[str, Any], Exception | None] | None = None,
        pages: list[dict[str, Any]] | None = None,
    ) -> None:
        self.answer = query or (lambda params: [])
        self.pages = list(pages or [])  # the Query / Scan pages, one per call, in order
        self.fail = fail or (lambda op, params: None)
        self.calls: list[tuple[str, Any]] = []

    async def _do(self, op: str, params: Any, response: Any) -> Any:
        self.calls.append((op, params))
        await asyncio.sleep(0)
        err = self.fail(op, params)
        if err is not None:
            raise err
        return response

    def of(self, op: str) -> list[Any]:
        return [p for o, p in self.calls if o == op]

    async def update_item(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._do("update_item", params, {"Attributes": {}})

    async def put_item(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._do("put_item", params, {})

    async def query_all(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return await self._do("query_all", params, self.answer(params))  # type: ignore[no-any-return]

    async def query(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._do("query", params, self.pages.pop(0))  # type: ignore[no-any-return]

    async def scan(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._do("scan", params, self.pages.pop(0))  # type: ignore[no-any-return]

    async def batch_get(self, request_items: dict[str, Any]) -> dict[str, list[Any]]:
        return await self._do(  # type: ignore[no-any-return]
            "batch_get",
            request_items,
            {t: [{"pk": k["pk"], "got": True} for k in v["Keys"]] for t, v in request_items.items()},
        )

    async def _batch(self, op: str, entries: list[Any]) -> BatchResult:
        await self._do(op, entries, None)
        return BatchResult(responses=[{"Id": str(i)} for i in range(len(entries))], failed=[])

    async def put_events(self, entries: list[Any]) -> BatchResult:
        return await self._batch("put_events", entries)

    async def put_records(self, stream_name: str, records: list[Any]) -> BatchResult:
        return await self._batch("put_records", records)

    async def send_message_batch(self, queue_url: str, entries: list[Any]) -> BatchResult:
        return await self._batch("send_message_batch", entries)

    async def publish_batch(self, topic_arn: str, entries: list[Any]) -> BatchResult:
        return await self._batch("publish_batch", entries)

    async def publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._do("publish", params, {"MessageId": "m"})

    def published(self) -> list[dict[str, Any]]:
        """The events sent to EventBridge, decoded."""
        return [json.loads(e["Detail"]) for entries in self.of("put_events") for e in entries]


def run_rules(rules: Iterable[Mapping[str, Any]], head: Stream[Any], **opt: Any) -> list[Any]:
    """Every uow the rules' pipelines emit (fault uows included), faults only logged."""

    async def go() -> list[Any]:
        return await initialize(initialize_from(rules), opt).assemble(head).to_list()

    return asyncio.run(go())


def split(out: list[Any]) -> tuple[list[Any], list[FaultUow]]:
    return [u for u in out if not isinstance(u, FaultUow)], [u for u in out if isinstance(u, FaultUow)]
