"""S3 sinks, one call per uow, ``parallel`` at once: ``put_object_to_s3``, ``delete_object_from_s3``,
``copy_s3_object`` (JS putObjectToS3, deleteObjectFromS3, copyS3Object)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._steps import S3, StepBuild, Uow, per_uow_step
from ..config import declares_options, env

if TYPE_CHECKING:
    from ..connectors.protocols import S3Writes
    from ..core import Stream

__all__ = ["copy_s3_object", "delete_object_from_s3", "put_object_to_s3"]


def _s3_step(
    b: StepBuild,
    bucket_name: Any,
    request_field: str,
    response_field: str,
    parallel: Any,
    connector: S3Writes | None,
    method: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    aliases: tuple[str, ...] = (),
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    bucket = b.text("bucket_name", bucket_name)
    n = b.count("parallel", parallel)
    s3 = b.connector(S3, connector, n, needs=(method,))
    call: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] = getattr(s3, method)

    async def invoke(req: Any, uow: Uow) -> Any:
        params = {"Bucket": bucket, **req} if bucket else dict(req)
        return await call(prepare(params) if prepare is not None else params)

    return per_uow_step(b, request_field, response_field, n, invoke, aliases=aliases)


def _encode_body(params: dict[str, Any]) -> dict[str, Any]:
    if isinstance(params.get("Body"), str):
        params["Body"] = params["Body"].encode("utf-8")
    return params


@declares_options
def put_object_to_s3(
    *,
    bucket_name: str | None = env("BUCKET_NAME"),
    put_request_field: str = "put_request",
    put_response_field: str = "put_response",
    parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    connector: S3Writes | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """PutObject with each uow's ``put_request`` (``{Key, Body, ...}``; a ``str`` Body is UTF-8 encoded).

    A request's own ``Bucket`` wins over ``bucket_name``.
    """
    b = StepBuild("put_object_to_s3", shared)
    return _s3_step(
        b,
        bucket_name,
        b.field("put_request_field", put_request_field),
        b.field("put_response_field", put_response_field),
        parallel,
        connector,
        "put_object",
        _encode_body,
        aliases=("putObjectRequest",),
    )


@declares_options
def delete_object_from_s3(
    *,
    bucket_name: str | None = env("BUCKET_NAME"),
    delete_request_field: str = "delete_request",
    delete_response_field: str = "delete_response",
    parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    connector: S3Writes | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """DeleteObject with each uow's ``delete_request`` (``{Key, Bucket?, ...}``)."""
    b = StepBuild("delete_object_from_s3", shared)
    return _s3_step(
        b,
        bucket_name,
        b.field("delete_request_field", delete_request_field),
        b.field("delete_response_field", delete_response_field),
        parallel,
        connector,
        "delete_object",
    )


@declares_options
def copy_s3_object(
    *,
    bucket_name: str | None = env("BUCKET_NAME"),
    copy_request_field: str = "copy_request",
    copy_response_field: str = "copy_response",
    parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    connector: S3Writes | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """CopyObject with each uow's ``copy_request`` (``{CopySource, Key, Bucket?, ...}``)."""
    b = StepBuild("copy_s3_object", shared)
    return _s3_step(
        b,
        bucket_name,
        b.field("copy_request_field", copy_request_field),
        b.field("copy_response_field", copy_response_field),
        parallel,
        connector,
        "copy_object",
    )
