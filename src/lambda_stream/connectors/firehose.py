"""Firehose connector: ``put_record_batch`` with selective retry of the failed records."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Connector
from .batch import BatchResult, EntryError, aligned_outcomes, send_batch_with_retries


class FirehoseConnector(Connector):
    """Wraps the ``firehose`` client."""

    service: ClassVar[str] = "firehose"

    async def put_record_batch(self, delivery_stream_name: str, records: list[dict[str, Any]]) -> BatchResult:
        """Put ``records`` (``{"Data": bytes}``, at most 500) on ``delivery_stream_name``.

        Failures come from ``FailedPutCount`` and each ``RequestResponses`` item's ``ErrorCode``.
        """

        async def send(sub: list[dict[str, Any]]) -> list[dict[str, Any] | EntryError]:
            response = await self.call(
                "put_record_batch", DeliveryStreamName=delivery_stream_name, Records=sub
            )
            return aligned_outcomes(response.get("RequestResponses") or [], len(sub))

        return await send_batch_with_retries(
            records, send, max_retries=self.max_retries, base_delay=self.retry_base_delay
        )
