"""S3 connector: ``put_object``, ``get_object`` (body read in the worker thread), ``delete_object``,
``copy_object``, ``list_objects``."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Connector


class S3Connector(Connector):
    """Wraps the ``s3`` client."""

    service: ClassVar[str] = "s3"

    async def put_object(self, params: dict[str, Any]) -> dict[str, Any]:
        """``PutObject``; ``params`` are the client's (``Bucket``, ``Key``, ``Body``, ...)."""
        return await self.call("put_object", **params)

    async def get_object(self, params: dict[str, Any]) -> dict[str, Any]:
        """``GetObject`` with ``Body`` read to ``bytes`` inside the worker thread (never on the loop).

        A missing key or bucket raises ``NotFoundError``.
        """

        def get(client: Any) -> dict[str, Any]:
            response: dict[str, Any] = client.get_object(**params)
            body = response.get("Body")
            if body is not None:
                try:
                    response["Body"] = body.read()
                finally:
                    body.close()
            return response

        return await self.run(get)

    async def list_objects(self, params: dict[str, Any]) -> dict[str, Any]:
        """``ListObjectsV2``; ``params`` are the client's (``Bucket``, ``Prefix``, ...)."""
        return await self.call("list_objects_v2", **params)

    async def delete_object(self, params: dict[str, Any]) -> dict[str, Any]:
        """``DeleteObject``; ``params`` are the client's (``Bucket``, ``Key``, ...)."""
        return await self.call("delete_object", **params)

    async def copy_object(self, params: dict[str, Any]) -> dict[str, Any]:
        """``CopyObject``; ``params`` are the client's (``Bucket``, ``Key``, ``CopySource``, ...)."""
        return await self.call("copy_object", **params)
