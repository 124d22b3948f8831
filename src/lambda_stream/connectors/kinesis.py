"""Kinesis connector: ``put_records`` with selective retry of the failed records."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Connector
from .batch import BatchResult, EntryError, aligned_outcomes, send_batch_with_retries


class KinesisConnector(Connector):
    """Wraps the ``kinesis`` client."""

    service: ClassVar[str] = "kinesis"

    async def put_records(self, stream_name: str, records: list[dict[str, Any]]) -> BatchResult:
        """Put ``records`` (``{"Data", "PartitionKey"}``, at most 500) on ``stream_name``.

        Failures come from ``FailedRecordCount`` and each response record's ``ErrorCode``.
        """

        async def send(sub: list[dict[str, Any]]) -> list[dict[str, Any] | EntryError]:
            response = await self.call("put_records", StreamName=stream_name, Records=sub)
            return aligned_outcomes(response.get("Records") or [], len(sub))

        return await send_batch_with_retries(
            records, send, max_retries=self.max_retries, base_delay=self.retry_base_delay
        )
