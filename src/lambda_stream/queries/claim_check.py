"""``redeem_claim_check``: replace a claim-check stub event by the event stored in S3.

An explicit step (put it right after a source) so that importing a source never imports S3 code.
A stub is an event with ``s3: {bucket, key}`` (see ``lambda_stream.sinks.claim_check``); the stored
body is the event's JSON, its compressed fields are decompressed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..faults.wrap import attach_uow
from ..sinks._common import Uow, option_number, resolve_connector
from ..utils.compression import decompress

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["is_claim_check", "redeem_claim_check"]


def _load() -> Any:
    from ..connectors.s3 import S3Connector

    return S3Connector


def is_claim_check(event: Any) -> bool:
    s3 = event.get("s3") if isinstance(event, dict) else None
    return isinstance(s3, dict) and bool(s3.get("bucket")) and bool(s3.get("key"))


def redeem_claim_check(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """For each uow whose ``event_field`` (default ``"event"``) is a stub: fetch and put the stored event.

    Other uows pass through untouched; a failed fetch becomes that uow's error value. Options:
    ``parallel`` (``S3_PARALLEL``/``PARALLEL``, 8), ``claim_check_connector`` or ``connector`` (an
    S3 connector), ``connectors``.
    """
    event_field = str(opt.get("event_field") or "event")
    parallel = option_number(opt, "parallel", ("S3_PARALLEL", "PARALLEL"), 8)
    key = "claim_check_connector" if opt.get("claim_check_connector") is not None else "connector"
    connector = resolve_connector(opt, _load, parallel, key=key)

    async def redeem(uow: Uow) -> Uow:
        event = uow.get(event_field)
        if event is None or not is_claim_check(event):
            return uow
        s3 = event["s3"]
        try:
            response = await connector.get_object({"Bucket": s3["bucket"], "Key": s3["key"]})
            body = response["Body"]
            stored = decompress(
                json.loads(body.decode("utf-8") if isinstance(body, bytes | bytearray) else body)
            )
        except Exception as e:
            raise attach_uow(e, uow) from None
        return {**uow, event_field: stored}

    def step(s: Stream[Any]) -> Stream[Any]:
        return s.map(redeem, parallel=parallel)

    return step
