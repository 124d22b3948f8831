"""EventBridge connector: ``put_events`` with selective retry of the failed entries."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Connector
from .batch import BatchResult, EntryError, aligned_outcomes, send_batch_with_retries


class EventBridgeConnector(Connector):
    """Wraps the ``events`` client."""

    service: ClassVar[str] = "events"

    async def put_events(self, entries: list[dict[str, Any]]) -> BatchResult:
        """Put ``entries`` (at most 10: batching is the caller's job) and retry only the failed ones.

        Failures come from ``FailedEntryCount`` and each response entry's ``ErrorCode``.
        """

        async def send(sub: list[dict[str, Any]]) -> list[dict[str, Any] | EntryError]:
            response = await self.call("put_events", Entries=sub)
            return aligned_outcomes(response.get("Entries") or [], len(sub))

        return await send_batch_with_retries(
            entries, send, max_retries=self.max_retries, base_delay=self.retry_base_delay
        )
