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

from .._steps import DYNAMODB, StepBuild, Uow, per_uow_step, with_table
from ..config import declares_options, env
from ..errors import ConditionalCheckFailedError

if TYPE_CHECKING:
    from ..connectors.protocols import DynamoDBWrites
    from ..core import Stream

__all__ = ["put_dynamodb", "update", "update_dynamodb"]


@declares_options
def update_dynamodb(
    *,
    table_name: str | None = env("ENTITY_TABLE_NAME", "EVENT_TABLE_NAME"),
    update_request_field: str = "update_request",
    update_response_field: str = "update_response",
    fallback_update_request_field: str = "fallback_update_request",
    throw_condition_failure: bool = False,
    parallel: int = env("UPDATE_PARALLEL", "PARALLEL", default=4),
    connector: DynamoDBWrites | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """UpdateItem with each uow's ``update_request`` (``{Key, UpdateExpression, ...}``).

    A request's own ``TableName`` wins over ``table_name``. A request whose ``UpdateExpression``
    is empty is not sent (the uow passes through untouched). ``shared``: the pipeline's options
    (``connectors``, ``settings``, ``id``, ...).
    """
    b = StepBuild("update_dynamodb", shared)
    table = b.text("table_name", table_name)
    request_field = b.field("update_request_field", update_request_field)
    response_field = b.field("update_response_field", update_response_field)
    fallback_field = b.field("fallback_update_request_field", fallback_update_request_field)
    throw = b.flag("throw_condition_failure", throw_condition_failure)
    n = b.count("parallel", parallel)
    db = b.connector(DYNAMODB, connector, n, needs=("update_item",))

    async def invoke(req: Any, uow: Uow) -> Any:
        resp = await _conditional(db.update_item, with_table(table, req, "update_dynamodb"), throw)
        if resp is not _STALE:
            return resp
        fallback = uow.get(fallback_field)
        if not fallback or _nothing_to_update(fallback):
            return {}
        resp = await _conditional(db.update_item, with_table(table, fallback, "update_dynamodb"), throw)
        return {} if resp is _STALE else resp

    return per_uow_step(b, request_field, response_field, n, invoke, is_empty=_nothing_to_update)


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


@declares_options
def put_dynamodb(
    *,
    table_name: str | None = env("EVENT_TABLE_NAME", "ENTITY_TABLE_NAME"),
    put_request_field: str = "put_request",
    put_response_field: str = "put_response",
    throw_condition_failure: bool = False,
    parallel: int = env("UPDATE_PARALLEL", "PARALLEL", default=4),
    connector: DynamoDBWrites | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """PutItem with each uow's ``put_request`` (``{Item, ConditionExpression?, ...}``)."""
    b = StepBuild("put_dynamodb", shared)
    table = b.text("table_name", table_name)
    request_field = b.field("put_request_field", put_request_field)
    response_field = b.field("put_response_field", put_response_field)
    throw = b.flag("throw_condition_failure", throw_condition_failure)
    n = b.count("parallel", parallel)
    db = b.connector(DYNAMODB, connector, n, needs=("put_item",))

    async def invoke(req: Any, uow: Uow) -> Any:
        resp = await _conditional(db.put_item, with_table(table, req, "put_dynamodb"), throw)
        return {} if resp is _STALE else resp

    return per_uow_step(b, request_field, response_field, n, invoke)
