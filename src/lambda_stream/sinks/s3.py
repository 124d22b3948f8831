"""``put_object_to_s3``: one PutObject per uow, ``parallel`` at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._common import Uow, option_number, option_str, per_uow_sink, resolve_connector

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["put_object_to_s3"]


def _load() -> Any:
    from ..connectors.s3 import S3Connector

    return S3Connector


def put_object_to_s3(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """PutObject with each uow's ``put_request`` (``{Key, Body, ...}``; a ``str`` Body is UTF-8 encoded).

    Options: ``bucket_name`` (``BUCKET_NAME``; a request's own ``Bucket`` wins), ``put_request_field``,
    ``put_response_field``, ``parallel`` (``S3_PARALLEL``/``PARALLEL``, 8), ``connector``/``connectors``.
    """
    bucket = option_str(opt, "bucket_name", ("BUCKET_NAME",))
    request_field = str(opt.get("put_request_field") or "put_request")
    response_field = str(opt.get("put_response_field") or "put_response")
    parallel = option_number(opt, "parallel", ("S3_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)

    async def invoke(req: Any, uow: Uow) -> Any:
        params = {"Bucket": bucket, **req} if bucket else dict(req)
        if isinstance(params.get("Body"), str):
            params["Body"] = params["Body"].encode("utf-8")
        return await connector.put_object(params)

    return per_uow_sink(request_field, response_field, parallel, invoke)
