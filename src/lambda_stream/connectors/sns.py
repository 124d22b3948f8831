"""SNS connector: ``publish`` and ``publish_batch`` with selective retry of the failed entries."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Connector
from .batch import BatchResult, EntryError, outcomes_by_id, send_batch_with_retries


class SnsConnector(Connector):
    """Wraps the ``sns`` client."""

    service: ClassVar[str] = "sns"

    async def publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """``Publish`` one message; ``params`` are the client's (``TopicArn``, ``Message``, ...)."""
        return await self.call("publish", **params)

    async def publish_batch(self, topic_arn: str, entries: list[dict[str, Any]]) -> BatchResult:
        """Publish ``entries`` (``{"Id", "Message", ...}``, at most 10, distinct ``Id``s).

        Failures come from the ``Failed`` list, matched by ``Id``; sender faults are not retried.
        """

        async def send(sub: list[dict[str, Any]]) -> list[dict[str, Any] | EntryError]:
            response = await self.call("publish_batch", TopicArn=topic_arn, PublishBatchRequestEntries=sub)
            return outcomes_by_id(response, [e["Id"] for e in sub])

        return await send_batch_with_retries(
            entries, send, max_retries=self.max_retries, base_delay=self.retry_base_delay
        )
