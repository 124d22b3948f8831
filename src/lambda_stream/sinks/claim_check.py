"""Claim checks (https://www.enterpriseintegrationpatterns.com/patterns/messaging/StoreInLibrary.html).

An event too large to publish is stored in S3 and a stub is published in its place:
``{id, type, partitionKey, timestamp, tags, s3: {bucket, key}}``. The consumer redeems it with
``lambda_stream.queries.redeem_claim_check``. Keys follow the JS library (since its #389):
``<region>/claimchecks/<YYYY>/<MM>/<DD>/<HH>/<id>`` in UTC, month counted from 1, month, day
and hour zero-padded to two digits.

``fit_entry`` is the one oversize rule of every publishing sink: an entry over the limit becomes a
stub when a bucket is configured, else its uow fails with ``AwsValidationError``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._steps import S3, StepBuild, Uow
from ..core import Failure
from ..errors import AwsValidationError
from ..faults.wrap import attach_uow
from ..utils.json import dumps
from ..utils.time import now

if TYPE_CHECKING:
    from ..connectors.protocols import S3Writes

__all__ = [
    "ClaimCheckStore",
    "claim_check_key",
    "claim_check_store",
    "fit_entry",
    "to_claim_check_event",
    "to_put_claim_check_request",
]


def claim_check_key(event: Mapping[str, Any], now_ms: int | None = None, region: str | None = None) -> str:
    """Where an event's claim check is stored; ``region`` defaults to ``AWS_REGION`` (JS: "undefined")."""
    import datetime  # here, not at import: keeps cold start small

    d = datetime.datetime.fromtimestamp((now() if now_ms is None else now_ms) / 1000, tz=datetime.UTC)
    region = region or os.environ.get("AWS_REGION") or "undefined"
    return f"{region}/claimchecks/{d.year}/{d.month:02d}/{d.day:02d}/{d.hour:02d}/{event.get('id')}"


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
    return {"Bucket": bucket, "Key": key, "Body": body.encode("utf-8", "surrogatepass")}


class ClaimCheckStore:
    """Stores oversized events in S3 before their batch is sent (used by the publishing sinks)."""

    def __init__(
        self,
        bucket: str,
        connector: S3Writes,
        request_field: str,
        response_field: str,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.region = region
        self.connector = connector
        self.request_field = request_field
        self.response_field = response_field

    def check(self, event: Mapping[str, Any], body: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The stub to publish instead of ``event`` and the S3 put request storing ``body``."""
        key = claim_check_key(event, region=self.region)
        return to_claim_check_event(event, self.bucket, key), to_put_claim_check_request(
            body, self.bucket, key
        )

    async def store(self, batch: list[Uow], idx: list[int], outcomes: list[Uow | Failure]) -> list[int]:
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
                outcomes[i] = Failure(attach_uow(r, batch[i]))
                failed.add(i)
            else:
                batch[i] = {**batch[i], self.response_field: r}
        return [i for i in idx if i not in failed]


def claim_check_store(
    b: StepBuild,
    bucket_name: Any,
    connector: S3Writes | None,
    parallel: Any,
    request_field: Any,
    response_field: Any,
) -> ClaimCheckStore | None:
    """The claim-check store of a sink, or ``None`` without a bucket (then no claim checks).

    The connector is the sink's ``claim_check_connector``, else one from ``connectors`` or a new
    ``S3Connector``.
    """
    bucket = b.text("claim_check_bucket_name", bucket_name)
    req_field = b.field("put_claim_check_request_field", request_field)
    resp_field = b.field("put_claim_check_response_field", response_field)
    n = b.count("claim_check_parallel", parallel)
    if bucket is None:
        return None
    s3 = b.connector(S3, connector, n, needs=("put_object",), key="claim_check_connector")
    return ClaimCheckStore(bucket, s3, req_field, resp_field, b.settings.aws_region)


def fit_entry(
    uow: Uow,
    *,
    entry_field: str,
    entry: dict[str, Any],
    size: int,
    max_bytes: int,
    claim_check: ClaimCheckStore | None,
    event: Mapping[str, Any] | None,
    body: str,
    remake: Callable[[str], dict[str, Any]],
) -> Uow:
    """``uow`` with its entry; an entry over ``max_bytes`` is replaced by the entry of a claim-check
    stub (``remake(stub_json)``) when there is a store and an event to store, else the uow fails
    with ``AwsValidationError`` (the service would reject the entry)."""
    if size <= max_bytes:
        return {**uow, entry_field: entry}
    if claim_check is None or event is None:
        raise AwsValidationError(
            f"Request size: {size}, exceeded max: {max_bytes}", code="RequestSizeExceeded", uow=uow
        )
    stub, put = claim_check.check(event, body)
    return {**uow, entry_field: remake(dumps(stub)), claim_check.request_field: put}
