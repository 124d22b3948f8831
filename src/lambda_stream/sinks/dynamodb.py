"""``update_dynamodb`` (alias ``update``) and ``put_dynamodb``: one write per uow, ``parallel`` at once.

A conditional write that loses (``ConditionalCheckFailedError``, e.g. under ``timestamp_condition``)
is a stale write: a no-op for its uow (response ``{}``), not a fault, unless
``throw_condition_failure=True``, which raises it as the uow's error. Without it,
``update_dynamodb`` runs the uow's ``fallback_update_request`` once when it has one (a lost
condition on the fallback is a no-op too); with it, the fallback is never run.

An update request with an empty ``UpdateExpression`` (``update_expression`` of an item with nothing
to write, say only empty sets) asks for nothing: no call is made and the uow passes through
untouched, without ``update_response``, like a uow without a request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..errors import ConditionalCheckFailedError
from ._common import Uow, option_number, option_str, per_uow_sink, resolve_connector, with_table

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["put_dynamodb", "update", "update_dynamodb"]


def _load() -> Any:
    from ..connectors.dynamodb import DynamoDBConnector

    return DynamoDBConnector


def update_dynamodb(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """UpdateItem with each uow's ``update_request`` (``{Key, UpdateExpression, ...}``).

    Options: ``table_name`` (``ENTITY_TABLE_NAME``, else ``EVENT_TABLE_NAME``; a request's own
    ``TableName`` wins), ``parallel`` (``UPDATE_PARALLEL``/``PARALLEL``, 4),
    ``update_request_field``, ``update_response_field``, ``fallback_update_request_field``,
    ``throw_condition_failure``, ``connector``/``connectors``. A request whose ``UpdateExpression``
    is empty is not sent (the uow passes through untouched).
    """
    table = option_str(opt, "table_name", ("ENTITY_TABLE_NAME", "EVENT_TABLE_NAME"))
    request_field = str(opt.get("update_request_field") or "update_request")
    response_field = str(opt.get("update_response_field") or "update_response")
    fallback_field = str(opt.get("fallback_update_request_field") or "fallback_update_request")
    throw = bool(opt.get("throw_condition_failure", False))
    parallel = option_number(opt, "parallel", ("UPDATE_PARALLEL", "PARALLEL"), 4)
    connector = resolve_connector(opt, _load, parallel)

    async def invoke(req: Any, uow: Uow) -> Any:
        resp = await _conditional(connector.update_item, with_table(table, req, "update_dynamodb"), throw)
        if resp is not _STALE:
            return resp
        fallback = uow.get(fallback_field)
        if not fallback or _nothing_to_update(fallback):
            return {}
        resp = await _conditional(
            connector.update_item, with_table(table, fallback, "update_dynamodb"), throw
        )
        return {} if resp is _STALE else resp

    return per_uow_sink(request_field, response_field, parallel, invoke, is_empty=_nothing_to_update)


update = update_dynamodb


_STALE = object()  # the write lost its condition: the stored item is newer


async def _conditional(write: Callable[[Any], Awaitable[Any]], request: Any, throw: bool) -> Any:
    """``await write(request)``; a lost condition is ``_STALE`` (a no-op), unless ``throw``."""
    try:
        return await write(request)
    except ConditionalCheckFailedError:
        if throw:
            raise
        return _STALE


def _nothing_to_update(req: Any) -> bool:
    """An UpdateItem request with an empty ``UpdateExpression`` (DynamoDB would reject it)."""
    return isinstance(req, dict) and "UpdateExpression" in req and not str(req["UpdateExpression"]).strip()


def put_dynamodb(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """PutItem with each uow's ``put_request`` (``{Item, ConditionExpression?, ...}``).

    Options: ``table_name`` (``EVENT_TABLE_NAME``, else ``ENTITY_TABLE_NAME``), ``parallel``
    (``UPDATE_PARALLEL``/``PARALLEL``, 4), ``put_request_field``, ``put_response_field``,
    ``throw_condition_failure``, ``connector``/``connectors``.
    """
    table = option_str(opt, "table_name", ("EVENT_TABLE_NAME", "ENTITY_TABLE_NAME"))
    request_field = str(opt.get("put_request_field") or "put_request")
    response_field = str(opt.get("put_response_field") or "put_response")
    throw = bool(opt.get("throw_condition_failure", False))
    parallel = option_number(opt, "parallel", ("UPDATE_PARALLEL", "PARALLEL"), 4)
    connector = resolve_connector(opt, _load, parallel)

    async def invoke(req: Any, uow: Uow) -> Any:
        resp = await _conditional(connector.put_item, with_table(table, req, "put_dynamodb"), throw)
        return {} if resp is _STALE else resp

    return per_uow_sink(request_field, response_field, parallel, invoke)
