"""``redeem_claim_check``: replace a claim-check stub event by the event stored in S3.

An explicit step (put it right after a source) so that importing a source never imports S3 code.
A stub is an event with ``s3: {bucket, key}`` (see ``lambda_stream.sinks.claim_check``); the stored
body is the event's JSON, its compressed fields are decompressed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import S3, StepBuild, Uow
from ..config import declares_options, env
from ..faults.wrap import attach_uow
from ..utils.compression import decompress
from ..utils.json import loads

if TYPE_CHECKING:
    from ..connectors.protocols import S3Reads
    from ..core import Stream

__all__ = ["is_claim_check", "redeem_claim_check"]


def is_claim_check(event: Any) -> bool:
    s3 = event.get("s3") if isinstance(event, dict) else None
    return isinstance(s3, dict) and bool(s3.get("bucket")) and bool(s3.get("key"))


@declares_options
def redeem_claim_check(
    *,
    event_field: str = "event",
    parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    claim_check_connector: S3Reads | None = None,
    connector: S3Reads | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """For each uow whose ``event_field`` is a stub: fetch and put the stored event.

    Other uows pass through untouched; a failed fetch becomes that uow's error value. The S3
    connector is ``claim_check_connector``, else ``connector``, else one of ``connectors``.
    """
    b = StepBuild("redeem_claim_check", shared)
    field = b.field("event_field", event_field)
    n = b.count("parallel", parallel)
    given = claim_check_connector if claim_check_connector is not None else connector
    s3 = b.connector(S3, given, n, needs=("get_object",), key="claim_check_connector")

    async def redeem(x: Any) -> Uow:
        uow = b.uow(x)
        event = uow.get(field)
        if event is None or not is_claim_check(event):
            return uow
        s3_ref = event["s3"]
        try:
            response = await s3.get_object({"Bucket": s3_ref["bucket"], "Key": s3_ref["key"]})
            body = response["Body"]
            stored = decompress(loads(body.decode("utf-8") if isinstance(body, bytes | bytearray) else body))
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__
        return {**uow, field: stored}

    def step(s: Stream[Uow]) -> Stream[Uow]:
        return s.map(redeem, parallel=n)

    return step
