"""DynamoDB connector: plain Python values in and out, DynamoDB JSON on the wire.

Methods take and return plain items, keys and values (numbers come back as ``int`` or
``Decimal``, never ``float``): ``Key``, ``Item``, ``ExpressionAttributeValues`` and
``ExclusiveStartKey`` are marshalled on the way in; ``Attributes``, ``Item``, ``Items``,
``LastEvaluatedKey`` and ``Responses`` are unmarshalled on the way out. The other request
parameters are the low-level client's (``TableName``, ``UpdateExpression``, ...).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, ClassVar

from ..errors import BatchEntriesFailedError
from .base import Connector
from .batch import EntryError, send_batch_with_retries

_MARSHALLED_MAPS = ("Key", "Item", "ExclusiveStartKey")
_UNMARSHALLED_MAPS = ("Attributes", "Item", "LastEvaluatedKey")


def to_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """A plain map -> a map of attribute values in the client's form (``B`` as raw bytes)."""
    from ..utils.dynamodb_json import marshall_image  # late: keeps this module free of cycles

    return {name: _raw_binary(attr) for name, attr in marshall_image(item).items()}


def from_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A map of attribute values -> a plain map (numbers as ``int`` or ``Decimal``, never float)."""
    from ..utils.dynamodb_json import unmarshall_image

    return unmarshall_image(attributes)


def _raw_binary(attr: dict[str, Any]) -> dict[str, Any]:
    """``marshall`` writes the stream records' JSON form (``B`` as base64 text); boto3 clients
    take raw bytes and base64-encode them themselves, so decode once here."""
    ((tag, value),) = attr.items()
    if tag == "B":
        return {"B": base64.b64decode(value)}
    if tag == "BS":
        return {"BS": [base64.b64decode(v) for v in value]}
    if tag == "L":
        return {"L": [_raw_binary(v) for v in value]}
    if tag == "M":
        return {"M": {k: _raw_binary(v) for k, v in value.items()}}
    return attr


def marshall_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Client params with the plain maps (``Key``, ``Item``, values, start key) marshalled."""
    out = dict(params)
    for name in _MARSHALLED_MAPS:
        if out.get(name) is not None:
            out[name] = to_attributes(out[name])
    if out.get("ExpressionAttributeValues"):
        out["ExpressionAttributeValues"] = to_attributes(out["ExpressionAttributeValues"])
    return out


def unmarshall_response(response: Mapping[str, Any]) -> dict[str, Any]:
    """A client response with ``Attributes`` / ``Item`` / ``Items`` / ``LastEvaluatedKey`` made plain."""
    out = dict(response)
    for name in _UNMARSHALLED_MAPS:
        if out.get(name) is not None:
            out[name] = from_attributes(out[name])
    if out.get("Items") is not None:
        out["Items"] = [from_attributes(i) for i in out["Items"]]
    return out


def _marshall_write(request: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(request)
    if "PutRequest" in out:
        out["PutRequest"] = {**out["PutRequest"], "Item": to_attributes(out["PutRequest"]["Item"])}
    if "DeleteRequest" in out:
        out["DeleteRequest"] = {**out["DeleteRequest"], "Key": to_attributes(out["DeleteRequest"]["Key"])}
    return out


def _unmarshall_write(request: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(request)
    if "PutRequest" in out:
        out["PutRequest"] = {**out["PutRequest"], "Item": from_attributes(out["PutRequest"]["Item"])}
    if "DeleteRequest" in out:
        out["DeleteRequest"] = {**out["DeleteRequest"], "Key": from_attributes(out["DeleteRequest"]["Key"])}
    return out


class DynamoDBConnector(Connector):
    """Wraps the ``dynamodb`` client."""

    service: ClassVar[str] = "dynamodb"

    async def update_item(self, params: dict[str, Any]) -> dict[str, Any]:
        """``UpdateItem``; a lost condition raises ``ConditionalCheckFailedError``."""
        return unmarshall_response(await self.call("update_item", **marshall_params(params)))

    async def put_item(self, params: dict[str, Any]) -> dict[str, Any]:
        """``PutItem``; a lost condition raises ``ConditionalCheckFailedError``."""
        return unmarshall_response(await self.call("put_item", **marshall_params(params)))

    async def get_item(self, params: dict[str, Any]) -> dict[str, Any]:
        """``GetItem``; ``Item`` is absent from the response when there is no such item."""
        return unmarshall_response(await self.call("get_item", **marshall_params(params)))

    async def query(self, params: dict[str, Any]) -> dict[str, Any]:
        """One ``Query`` page; pass the plain ``LastEvaluatedKey`` back as ``ExclusiveStartKey``."""
        return unmarshall_response(await self.call("query", **marshall_params(params)))

    async def scan(self, params: dict[str, Any]) -> dict[str, Any]:
        """One ``Scan`` page; pass the plain ``LastEvaluatedKey`` back as ``ExclusiveStartKey``."""
        return unmarshall_response(await self.call("scan", **marshall_params(params)))

    async def query_all(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every item of a ``Query``, following ``LastEvaluatedKey`` page after page."""
        request = marshall_params(params)
        items: list[dict[str, Any]] = []
        while True:
            response = await self.call("query", **request)
            items.extend(from_attributes(i) for i in response.get("Items") or [])
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return items
            request = {**request, "ExclusiveStartKey": last_key}

    async def batch_get(self, request_items: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """``BatchGetItem`` (at most 100 keys): ``{table: {"Keys": [key, ...], ...}}`` ->
        ``{table: [item, ...]}`` (in no particular order; missing keys are simply absent).

        ``UnprocessedKeys`` are resent by the one selective-retry loop (``send_batch_with_retries``,
        up to ``max_retries`` times); keys still unprocessed then raise ``BatchEntriesFailedError``
        (``failed``: ``{"TableName", "Key"}``).
        """
        specs = {
            table: {k: v for k, v in spec.items() if k != "Keys"} for table, spec in request_items.items()
        }
        entries = [
            (table, to_attributes(key)) for table, spec in request_items.items() for key in spec["Keys"]
        ]
        results: dict[str, list[dict[str, Any]]] = {table: [] for table in request_items}

        async def send(sub: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any] | EntryError]:
            pending: dict[str, Any] = {}
            for table, key in sub:
                pending.setdefault(table, {**specs[table], "Keys": []})["Keys"].append(key)
            response = await self.call("batch_get_item", RequestItems=pending)
            for table, items in (response.get("Responses") or {}).items():
                results.setdefault(table, []).extend(from_attributes(i) for i in items)
            unprocessed = response.get("UnprocessedKeys") or {}
            return [
                _outcome(key in (unprocessed.get(table) or {}).get("Keys", ()), "UnprocessedKeys")
                for table, key in sub
            ]

        result = await send_batch_with_retries(
            entries, send, max_retries=self.max_retries, base_delay=self.retry_base_delay
        )
        if result.failed:
            failed = [
                {"TableName": entries[f.index][0], "Key": from_attributes(entries[f.index][1])}
                for f in result.failed
            ]
            raise BatchEntriesFailedError(
                f"{len(failed)} keys still unprocessed after {self.max_retries} retries",
                failed=failed,
                code="UnprocessedKeys",
            )
        return results

    async def batch_write(self, request_items: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """``BatchWriteItem`` (at most 25 requests): ``{table: [{"PutRequest": {"Item": ...}} |
        {"DeleteRequest": {"Key": ...}}, ...]}``.

        ``UnprocessedItems`` are resent by the one selective-retry loop (``send_batch_with_retries``,
        up to ``max_retries`` times). Returns the requests still unprocessed after that, plain, each
        as ``{"TableName": table, "PutRequest" | "DeleteRequest": ...}``; an empty list means
        everything was written.
        """
        entries = [(table, _marshall_write(r)) for table, requests in request_items.items() for r in requests]

        async def send(sub: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any] | EntryError]:
            pending: dict[str, list[dict[str, Any]]] = {}
            for table, request in sub:
                pending.setdefault(table, []).append(request)
            response = await self.call("batch_write_item", RequestItems=pending)
            unprocessed = response.get("UnprocessedItems") or {}
            return [
                _outcome(request in (unprocessed.get(table) or ()), "UnprocessedItems")
                for table, request in sub
            ]

        if not entries:
            return []
        result = await send_batch_with_retries(
            entries, send, max_retries=self.max_retries, base_delay=self.retry_base_delay
        )
        return [
            {"TableName": entries[f.index][0], **_unmarshall_write(entries[f.index][1])}
            for f in result.failed
        ]


def _outcome(unprocessed: bool, code: str) -> dict[str, Any] | EntryError:
    return EntryError(code, "not processed: resend") if unprocessed else {}
