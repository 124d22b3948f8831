"""SQS connector: ``send_message_batch`` with selective retry of the failed messages."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Connector
from .batch import BatchResult, EntryError, outcomes_by_id, send_batch_with_retries


class SqsConnector(Connector):
    """Wraps the ``sqs`` client."""

    service: ClassVar[str] = "sqs"

    async def send_message_batch(self, queue_url: str, entries: list[dict[str, Any]]) -> BatchResult:
        """Send ``entries`` (``{"Id", "MessageBody", ...}``, at most 10, distinct ``Id``s).

        Failures come from the ``Failed`` list, matched by ``Id``; a ``SenderFault`` failure is
        not retryable and is reported failed at once.
        """

        async def send(sub: list[dict[str, Any]]) -> list[dict[str, Any] | EntryError]:
            response = await self.call("send_message_batch", QueueUrl=queue_url, Entries=sub)
            return outcomes_by_id(response, [e["Id"] for e in sub])

        return await send_batch_with_retries(
            entries, send, max_retries=self.max_retries, base_delay=self.retry_base_delay
        )
