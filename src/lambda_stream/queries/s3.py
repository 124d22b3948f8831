"""``get_object_from_s3``: GetObject per uow (``Body`` as bytes), ``parallel`` at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..sinks._common import Uow, option_number, option_str, per_uow_sink, resolve_connector

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["get_object_from_s3"]


def _load() -> Any:
    from ..connectors.s3 import S3Connector

    return S3Connector


def get_object_from_s3(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """GetObject with each uow's ``get_request`` (``{Key, Bucket?}``); the uow gets ``get_response``.

    Options: ``bucket_name`` (``BUCKET_NAME``; a request's own ``Bucket`` wins), ``get_request_field``,
    ``get_response_field``, ``parallel`` (``S3_PARALLEL``/``PARALLEL``, 8), ``connector``/``connectors``.
    Not cached (as in JS): objects may be large.
    """
    bucket = option_str(opt, "bucket_name", ("BUCKET_NAME",))
    request_field = str(opt.get("get_request_field") or "get_request")
    response_field = str(opt.get("get_response_field") or "get_response")
    parallel = option_number(opt, "parallel", ("S3_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)

    async def invoke(req: Any, uow: Uow) -> Any:
        return await connector.get_object({"Bucket": bucket, **req} if bucket else req)

    return per_uow_sink(request_field, response_field, parallel, invoke)
