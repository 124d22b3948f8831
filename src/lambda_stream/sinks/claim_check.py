"""Claim checks (https://www.enterpriseintegrationpatterns.com/patterns/messaging/StoreInLibrary.html).

An event too large to publish is stored in S3 and a stub is published in its place:
``{id, type, partitionKey, timestamp, tags, s3: {bucket, key}}``. The consumer redeems it with
``lambda_stream.queries.redeem_claim_check``. Keys follow the JS library:
``<region>/claimchecks/<YYYY>/<M>/<D>/<H>/<id>`` in UTC, where ``M`` counts from 0 as JS months do.
"""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import Mapping
from typing import Any

from ..faults.wrap import attach_uow
from ..utils.time import now
from ._common import Raise, Uow, option_number, option_str, resolve_connector

__all__ = [
    "ClaimCheckStore",
    "claim_check_key",
    "claim_check_store",
    "to_claim_check_event",
    "to_put_claim_check_request",
]


def claim_check_key(event: Mapping[str, Any], now_ms: int | None = None) -> str:
    d = datetime.datetime.fromtimestamp((now() if now_ms is None else now_ms) / 1000, tz=datetime.UTC)
    region = os.environ.get("AWS_REGION") or "undefined"
    return f"{region}/claimchecks/{d.year}/{d.month - 1}/{d.day}/{d.hour}/{event.get('id')}"


def to_claim_check_event(event: Mapping[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """The stub published in place of a stored event."""
    return {
        "id": event.get("id"),
        "type": event.get("type"),
        "partitionKey": event.get("partitionKey"),
        "timestamp": event.get("timestamp"),
        "tags": event.get("tags"),
        "s3": {"bucket": bucket, "key": key},
    }


def to_put_claim_check_request(body: str, bucket: str, key: str) -> dict[str, Any]:
    return {"Bucket": bucket, "Key": key, "Body": body.encode("utf-8")}


def _load_s3() -> Any:
    from ..connectors.s3 import S3Connector

    return S3Connector


class ClaimCheckStore:
    """Stores oversized events in S3 before their batch is sent (used by the publishing sinks)."""

    def __init__(self, bucket: str, connector: Any, request_field: str, response_field: str) -> None:
        self.bucket = bucket
        self.connector = connector
        self.request_field = request_field
        self.response_field = response_field

    def check(self, event: Mapping[str, Any], body: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The stub to publish instead of ``event`` and the S3 put request storing ``body``."""
        key = claim_check_key(event)
        return to_claim_check_event(event, self.bucket, key), to_put_claim_check_request(
            body, self.bucket, key
        )

    async def store(self, batch: list[Uow], idx: list[int], outcomes: list[Any]) -> list[int]:
        """Put the claim checks of ``batch[idx]``; a failed put fails its uow (set in ``outcomes``).

        Returns the indexes still to send.
        """
        todo = [i for i in idx if batch[i].get(self.request_field) is not None]
        if not todo:
            return idx
        results = await asyncio.gather(
            *(self.connector.put_object(batch[i][self.request_field]) for i in todo), return_exceptions=True
        )
        failed: set[int] = set()
        for i, r in zip(todo, results, strict=True):
            if isinstance(r, BaseException):
                if not isinstance(r, Exception):
                    raise r
                outcomes[i] = Raise(attach_uow(r, batch[i]))
                failed.add(i)
            else:
                batch[i] = {**batch[i], self.response_field: r}
        return [i for i in idx if i not in failed]


def claim_check_store(opt: Mapping[str, Any]) -> ClaimCheckStore | None:
    """The claim-check store for a sink's options, or ``None`` without a bucket (then no claim checks).

    Options: ``claim_check_bucket_name`` (else ``CLAIMCHECK_BUCKET_NAME``), ``claim_check_connector``
    (else ``connectors`` or a new ``S3Connector``), ``put_claim_check_request_field`` and
    ``put_claim_check_response_field``.
    """
    bucket = option_str(opt, "claim_check_bucket_name", ("CLAIMCHECK_BUCKET_NAME",))
    if not bucket:
        return None
    parallel = option_number(opt, "claim_check_parallel", ("S3_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load_s3, parallel, key="claim_check_connector")
    return ClaimCheckStore(
        bucket,
        connector,
        str(opt.get("put_claim_check_request_field") or "put_claim_check_request"),
        str(opt.get("put_claim_check_response_field") or "put_claim_check_response"),
    )
