"""``batch_get_dynamodb`` and ``query_all_dynamodb``: reads adorned on the uow, cached per invocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..sinks._common import Uow, option_number, option_str, per_uow_sink, resolve_connector, with_table
from ._cache import RequestCache

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["batch_get_dynamodb", "query_all_dynamodb"]


def _load() -> Any:
    from ..connectors.dynamodb import DynamoDBConnector

    return DynamoDBConnector


async def _decrypt_all(decrypt: Any, items: list[Any]) -> list[Any]:
    out = []
    for item in items:
        r = decrypt(item)
        out.append(await r if hasattr(r, "__await__") else r)
    return out


def batch_get_dynamodb(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """BatchGetItem with each uow's ``batch_get_request`` (``{"RequestItems": {table: {"Keys": [...]}}}``).

    The uow gets ``batch_get_response = {"Responses": {table: [item, ...]}}`` (as in JS). Identical
    requests are read once per stream the step is applied to. Options: ``batch_get_request_field``,
    ``batch_get_response_field``, ``parallel`` (``GET_PARALLEL``/``PARALLEL``, 4), ``decrypt``
    (a sync or async function applied to each item), ``connector``/``connectors``.
    """
    request_field = str(opt.get("batch_get_request_field") or "batch_get_request")
    response_field = str(opt.get("batch_get_response_field") or "batch_get_response")
    parallel = option_number(opt, "parallel", ("GET_PARALLEL", "PARALLEL"), 4)
    decrypt = opt.get("decrypt")
    connector = resolve_connector(opt, _load, parallel)

    def step(s: Stream[Any]) -> Stream[Any]:
        cache = RequestCache()

        async def fetch(req: Any) -> dict[str, Any]:
            responses = await connector.batch_get(req["RequestItems"])
            if decrypt is not None:
                responses = {t: await _decrypt_all(decrypt, items) for t, items in responses.items()}
            return {"Responses": responses}

        async def invoke(req: Any, uow: Uow) -> Any:
            return await cache.get(req, lambda: fetch(req))

        run: Callable[[Stream[Any]], Stream[Any]] = per_uow_sink(
            request_field, response_field, parallel, invoke
        )
        return run(s)

    return step


def query_all_dynamodb(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Query (every page) with each uow's ``query_request``; the uow gets ``query_response`` = the items.

    Options: ``table_name`` (``EVENT_TABLE_NAME``, else ``ENTITY_TABLE_NAME``; a request's own
    ``TableName`` wins), ``query_request_field``, ``query_response_field``, ``parallel``
    (``QUERY_PARALLEL``/``PARALLEL``, 4), ``decrypt``, ``connector``/``connectors``. Identical
    requests are read once per stream the step is applied to.
    """
    table = option_str(opt, "table_name", ("EVENT_TABLE_NAME", "ENTITY_TABLE_NAME"))
    request_field = str(opt.get("query_request_field") or "query_request")
    response_field = str(opt.get("query_response_field") or "query_response")
    parallel = option_number(opt, "parallel", ("QUERY_PARALLEL", "PARALLEL"), 4)
    decrypt = opt.get("decrypt")
    connector = resolve_connector(opt, _load, parallel)

    def step(s: Stream[Any]) -> Stream[Any]:
        cache = RequestCache()

        async def fetch(params: dict[str, Any]) -> list[Any]:
            items: list[Any] = await connector.query_all(params)
            return items if decrypt is None else await _decrypt_all(decrypt, items)

        async def invoke(req: Any, uow: Uow) -> Any:
            params = with_table(table, req, "query_all_dynamodb")
            return await cache.get(params, lambda: fetch(params))

        run: Callable[[Stream[Any]], Stream[Any]] = per_uow_sink(
            request_field, response_field, parallel, invoke
        )
        return run(s)

    return step
