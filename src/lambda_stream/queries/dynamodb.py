"""DynamoDB queries: reads adorned on the uow (``batch_get_dynamodb``, ``query_all_dynamodb``, cached
per invocation) or split into one uow per item (``scan_split_dynamodb``, ``query_split_dynamodb``),
and the request helpers rules use (``to_pk_query_request``, ``to_index_query_request``,
``to_get_request``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._steps import DYNAMODB, StepBuild, Uow, per_uow_step, with_table
from ..config import declares_options, env
from ..core import resolve
from ..errors import ConfigurationError
from ..faults.wrap import attach_uow
from ._cache import RequestCache

if TYPE_CHECKING:
    from ..connectors.protocols import DynamoDBReads
    from ..core import Stream

__all__ = [
    "batch_get_dynamodb",
    "query_all_dynamodb",
    "query_split_dynamodb",
    "scan_split_dynamodb",
    "to_get_request",
    "to_index_query_request",
    "to_pk_query_request",
]

Decrypt = Callable[[Any], Any]


async def _decrypt_all(decrypt: Decrypt, items: list[Any]) -> list[Any]:
    return [await resolve(decrypt(item)) for item in items]


@declares_options
def batch_get_dynamodb(
    *,
    batch_get_request_field: str = "batch_get_request",
    batch_get_response_field: str = "batch_get_response",
    parallel: int = env("GET_PARALLEL", "PARALLEL", default=4),
    decrypt: Decrypt | None = None,
    connector: DynamoDBReads | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """BatchGetItem with each uow's ``batch_get_request`` (``{"RequestItems": {table: {"Keys": [...]}}}``).

    The uow gets ``batch_get_response = {"Responses": {table: [item, ...]}}`` (as in JS). Identical
    requests are read once per stream the step is applied to. ``decrypt`` (sync or async) is
    applied to each item.
    """
    b = StepBuild("batch_get_dynamodb", shared)
    request_field = b.field("batch_get_request_field", batch_get_request_field)
    response_field = b.field("batch_get_response_field", batch_get_response_field)
    n = b.count("parallel", parallel)
    decrypt_ = b.function("decrypt", decrypt)
    db = b.connector(DYNAMODB, connector, n, needs=("batch_get",))

    async def fetch(req: Any) -> dict[str, Any]:
        responses = await db.batch_get(req["RequestItems"])
        if decrypt_ is not None:
            responses = {t: await _decrypt_all(decrypt_, items) for t, items in responses.items()}
        return {"Responses": responses}

    def step(s: Stream[Uow]) -> Stream[Uow]:
        cache = RequestCache()

        async def invoke(req: Any, uow: Uow) -> Any:
            return await cache.get(req, lambda: fetch(req))

        return cache.bound(per_uow_step(b, request_field, response_field, n, invoke)(s))

    return step


@declares_options
def query_all_dynamodb(
    *,
    table_name: str | None = env("EVENT_TABLE_NAME", "ENTITY_TABLE_NAME"),
    query_request_field: str = "query_request",
    query_response_field: str = "query_response",
    parallel: int = env("QUERY_PARALLEL", "PARALLEL", default=4),
    decrypt: Decrypt | None = None,
    connector: DynamoDBReads | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Query (every page) with each uow's ``query_request``; the uow gets ``query_response`` = the items.

    A request's own ``TableName`` wins over ``table_name``. Identical requests are read once per
    stream the step is applied to.
    """
    b = StepBuild("query_all_dynamodb", shared)
    table = b.text("table_name", table_name)
    request_field = b.field("query_request_field", query_request_field)
    response_field = b.field("query_response_field", query_response_field)
    n = b.count("parallel", parallel)
    decrypt_ = b.function("decrypt", decrypt)
    db = b.connector(DYNAMODB, connector, n, needs=("query_all",))

    async def fetch(params: dict[str, Any]) -> list[Any]:
        items: list[Any] = await db.query_all(params)
        return items if decrypt_ is None else await _decrypt_all(decrypt_, items)

    def step(s: Stream[Uow]) -> Stream[Uow]:
        cache = RequestCache()

        async def invoke(req: Any, uow: Uow) -> Any:
            params = with_table(table, req, "query_all_dynamodb")
            return await cache.get(params, lambda: fetch(params))

        return cache.bound(per_uow_step(b, request_field, response_field, n, invoke)(s))

    return step


def _split_step(
    b: StepBuild,
    table: str | None,
    request_field: str,
    response_field: str,
    parallel: int,
    decrypt: Decrypt | None,
    page: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """One uow per item of every page of each uow's request, in order.

    Paging follows ``LastEvaluatedKey``; with a ``Limit`` it stops once that many items were
    read: each next page asks for the items still missing, so at most ``Limit`` come out and
    every uow's ``LastEvaluatedKey`` is a cursor that resumes exactly after its page. A failed
    page fails the uow (none of its items come out).
    """

    async def split(x: Any) -> list[Uow]:
        uow = b.uow(x)
        req = b.request(uow, request_field)
        if not req:
            return [uow]
        b.mapping(uow, request_field, req)
        params = with_table(table, req, b.step)
        try:
            limit = params.get("Limit")
            out: list[Uow] = []
            count = 0
            while True:
                response = await page(params)
                items = response.get("Items") or []
                if decrypt is not None:
                    items = await _decrypt_all(decrypt, items)
                rest = {k: v for k, v in response.items() if k != "Items"}
                last_key = response.get("LastEvaluatedKey")
                for item in items:
                    out.append({**uow, request_field: params, response_field: {**rest, "Item": item}})
                count += len(items)
                if not last_key or (limit is not None and count >= limit):
                    return out
                params = {**params, "ExclusiveStartKey": last_key}
                if limit is not None:
                    params["Limit"] = limit - count
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    def spread(uows: list[Uow]) -> list[Uow]:
        return uows

    def step(s: Stream[Uow]) -> Stream[Uow]:
        out: Stream[Uow] = s.map(split, parallel=parallel).flat_map(spread)
        return out

    return step


@declares_options
def scan_split_dynamodb(
    *,
    table_name: str | None = env("EVENT_TABLE_NAME", "ENTITY_TABLE_NAME", "TABLE_NAME"),
    scan_request_field: str = "scan_request",
    scan_response_field: str = "scan_response",
    parallel: int = env("SCAN_PARALLEL", "PARALLEL", default=4),
    decrypt: Decrypt | None = None,
    connector: DynamoDBReads | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Scan with each uow's ``scan_request``: one uow per item, ``scan_response = {**page, "Item": item}``
    (``LastEvaluatedKey`` of its page included: the cursor a job keeps). A uow without a request
    passes through untouched."""
    b = StepBuild("scan_split_dynamodb", shared)
    n = b.count("parallel", parallel)
    db = b.connector(DYNAMODB, connector, n, needs=("scan",))
    return _split_step(
        b,
        b.text("table_name", table_name),
        b.field("scan_request_field", scan_request_field),
        b.field("scan_response_field", scan_response_field),
        n,
        b.function("decrypt", decrypt),
        db.scan,
    )


@declares_options
def query_split_dynamodb(
    *,
    table_name: str | None = env("EVENT_TABLE_NAME", "ENTITY_TABLE_NAME", "TABLE_NAME"),
    query_split_request_field: str = "query_split_request",
    query_split_response_field: str = "query_split_response",
    parallel: int = env("SCAN_PARALLEL", "PARALLEL", default=4),
    decrypt: Decrypt | None = None,
    connector: DynamoDBReads | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Query with each uow's ``query_split_request``: one uow per item,
    ``query_split_response = {**page, "Item": item}``, paged and limited as ``scan_split_dynamodb``."""
    b = StepBuild("query_split_dynamodb", shared)
    n = b.count("parallel", parallel)
    db = b.connector(DYNAMODB, connector, n, needs=("query",))
    return _split_step(
        b,
        b.text("table_name", table_name),
        b.field("query_split_request_field", query_split_request_field),
        b.field("query_split_response_field", query_split_response_field),
        n,
        b.function("decrypt", decrypt),
        db.query,
    )


def to_pk_query_request(uow: Mapping[str, Any], rule: Mapping[str, Any]) -> dict[str, Any]:
    """A consistent Query of the items whose ``pk`` (``rule["pk_fn"]``) is the event's partitionKey."""
    return {
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": rule.get("pk_fn") or "pk"},
        "ExpressionAttributeValues": {":pk": uow["event"]["partitionKey"]},
        "ConsistentRead": True,
    }


def to_index_query_request(uow: Mapping[str, Any], rule: Mapping[str, Any]) -> dict[str, Any]:
    """A Query of index ``rule["index_nm"]`` whose hash key ``rule["index_fn"]`` is the partitionKey."""
    for name in ("index_nm", "index_fn"):
        if not rule.get(name):
            raise ConfigurationError(f"to_index_query_request: rule {rule.get('id')!r} has no {name!r}")
    return {
        "IndexName": rule["index_nm"],
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": rule["index_fn"]},
        "ExpressionAttributeValues": {":pk": uow["event"]["partitionKey"]},
        "ConsistentRead": False,
    }


def to_get_request(uow: Mapping[str, Any], rule: Mapping[str, Any]) -> dict[str, Any]:
    """A BatchGetItem request of the rows the change event's foreign keys name.

    Each field of ``rule["fks"]`` in the new image (else the old) holds ``"<discriminator>|<pk>"``:
    the key ``{pk, sk: discriminator}`` in ``rule["table_name"]``; an empty field is skipped.
    """
    table = rule.get("table_name")
    if not table:
        raise ConfigurationError(f"to_get_request: rule {rule.get('id')!r} has no 'table_name'")
    raw = uow["event"].get("raw") or {}
    data = raw.get("new") or raw.get("old") or {}
    keys = []
    for fk in rule.get("fks") or ():
        value = data.get(fk)
        if value:
            discriminator, sep, pk = str(value).partition("|")
            if not sep:
                raise ValueError(f"to_get_request: {fk}={value!r} is not '<discriminator>|<pk>'")
            keys.append({"pk": pk, "sk": discriminator})
    return {"RequestItems": {table: {"Keys": keys}}}
