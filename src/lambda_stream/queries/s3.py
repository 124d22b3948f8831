"""S3 queries: ``get_object_from_s3`` (GetObject per uow, ``Body`` as bytes), ``split_s3_object`` (one uow
per line of a fetched object) and ``page_objects_from_s3`` (one uow per listed object, every page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import S3, StepBuild, Uow, per_uow_step
from ..config import declares_options, env
from ..faults.wrap import attach_uow

if TYPE_CHECKING:
    from ..connectors.protocols import S3Reads
    from ..core import Stream

__all__ = ["get_object_from_s3", "page_objects_from_s3", "split_s3_object"]


@declares_options
def get_object_from_s3(
    *,
    bucket_name: str | None = env("BUCKET_NAME"),
    get_request_field: str = "get_request",
    get_response_field: str = "get_response",
    parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    connector: S3Reads | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """GetObject with each uow's ``get_request`` (``{Key, Bucket?}``); the uow gets ``get_response``.

    A request's own ``Bucket`` wins over ``bucket_name``. Not cached (as in JS): objects may be large.
    """
    b = StepBuild("get_object_from_s3", shared)
    bucket = b.text("bucket_name", bucket_name)
    request_field = b.field("get_request_field", get_request_field)
    response_field = b.field("get_response_field", get_response_field)
    n = b.count("parallel", parallel)
    s3 = b.connector(S3, connector, n, needs=("get_object",))

    async def invoke(req: Any, uow: Uow) -> Any:
        return await s3.get_object({"Bucket": bucket, **req} if bucket else req)

    return per_uow_step(b, request_field, response_field, n, invoke)


def _spread(uows: list[Uow]) -> list[Uow]:
    return uows


@declares_options
def split_s3_object(
    *,
    delimiter: str = "\n",
    get_response_field: str = "get_response",
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """One uow per non-empty line of each uow's fetched object (after ``get_object_from_s3``):
    ``get_response = {**response without Body, "line": line}``. A uow without a response passes
    through; a body that is not UTF-8 fails its uow. (JS ``splitS3Object`` is a flatMap function;
    here it is a step like the others: ``.through(split_s3_object())``.)"""
    b = StepBuild("split_s3_object", shared)
    sep = b.field("delimiter", delimiter)
    field = b.field("get_response_field", get_response_field)

    def split(x: Any) -> list[Uow]:
        uow = b.uow(x)
        response = b.request(uow, field)
        if not response:
            return [uow]
        b.mapping(uow, field, response)
        try:
            rest = {k: v for k, v in response.items() if k != "Body"}
            body = response.get("Body") or b""
            text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else str(body)
            return [{**uow, field: {**rest, "line": line}} for line in text.split(sep) if line]
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    def step(s: Stream[Uow]) -> Stream[Uow]:
        out: Stream[Uow] = s.flat_map(split)
        return out

    return step


@declares_options
def page_objects_from_s3(
    *,
    bucket_name: str | None = env("BUCKET_NAME"),
    list_request_field: str = "list_request",
    list_response_field: str = "list_response",
    parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    connector: S3Reads | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """ListObjectsV2 with each uow's ``list_request`` (``{Prefix?, Bucket?, ...}``), every page: one uow
    per object, ``list_response = {**page without Contents, "Content": object}``. A uow without a
    request passes through; a failed page fails the uow (none of its objects come out)."""
    b = StepBuild("page_objects_from_s3", shared)
    bucket = b.text("bucket_name", bucket_name)
    request_field = b.field("list_request_field", list_request_field)
    response_field = b.field("list_response_field", list_response_field)
    n = b.count("parallel", parallel)
    s3 = b.connector(S3, connector, n, needs=("list_objects",))

    async def page(x: Any) -> list[Uow]:
        uow = b.uow(x)
        req = b.request(uow, request_field)
        if not req:
            return [uow]
        b.mapping(uow, request_field, req)
        params: dict[str, Any] = {"Bucket": bucket, **req} if bucket else dict(req)
        out: list[Uow] = []
        try:
            while True:
                response = await s3.list_objects(params)
                rest = {k: v for k, v in response.items() if k != "Contents"}
                for obj in response.get("Contents") or []:
                    out.append({**uow, request_field: params, response_field: {**rest, "Content": obj}})
                token = response.get("NextContinuationToken")
                if not response.get("IsTruncated") or not token:
                    return out
                params = {**params, "ContinuationToken": token}
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    def step(s: Stream[Uow]) -> Stream[Uow]:
        out: Stream[Uow] = s.map(page, parallel=n).flat_map(_spread)
        return out

    return step
