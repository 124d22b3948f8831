"""``cdc``: a trigger that turns the changes of a DynamoDB table into events (change data capture).

Rule fields: ``id``, ``flavor``, ``event_type`` (of the change events: ``thing-created`` ...),
``filters``, ``compact``, ``query_related`` (query the items of the change's partition key,
``#pk = event.partitionKey``) or ``to_query_request(uow, rule)`` -> ``query_response``,
``to_get_request(uow, rule)`` (a BatchGetItem request) -> ``get_response``, ``to_event(uow,
rule)`` (sync or async; optional: without it the change event alone is published; its result is
merged into the change event, which keeps ``raw = {new, old}``; with ``event_field`` the result
is put on that field instead), ``publish`` (the sink: ``publish_to_event_bridge`` by default,
``publish_to_kinesis`` or ``publish_to_sns``) and its options, ``parallel``, ``rate``,
``retryable``. Latched records (written by a listener on another service's behalf) are dropped.
"""

from __future__ import annotations

from typing import Any

from ..filters import out_latched
from ..queries.dynamodb import batch_get_dynamodb, query_all_dynamodb, to_pk_query_request
from ._publish import publisher
from ._steps import assign, chain, compacted, keep, retryable, select
from .rule import Step, flavor

__all__ = ["cdc", "related"]

Uow = dict[str, Any]


def related(rule: dict[str, Any], *, query: bool = True, get: bool = True) -> Step:
    """``to_query_request`` / ``query_related`` -> ``query_response``; ``to_get_request`` ->
    ``get_response``: steps only for what the rule asks for."""
    steps: list[Step] = []
    if query and rule.get("to_query_request") is None and rule.get("query_related"):
        rule = {**rule, "to_query_request": to_pk_query_request}
    if query and rule.get("to_query_request") is not None:
        steps += [assign(rule, "to_query_request", "query_request"), query_all_dynamodb(**rule)]
    if get and rule.get("to_get_request") is not None:
        fields = {"batch_get_request_field": "get_request", "batch_get_response_field": "get_response"}
        steps += [assign(rule, "to_get_request", "get_request"), batch_get_dynamodb(**{**rule, **fields})]
    return chain(*steps)


def _merge_event(uow: Uow, result: Any) -> Any:
    return {**uow["event"], **(result or {})}


@flavor(
    fields=("compact", "query_related", "pk_fn", "publish", "event_field"),
    functions=("to_event", "to_query_request", "to_get_request"),
)
def cdc(rule: dict[str, Any]) -> Step:
    """Changes of ``event_type`` [-> related items] -> ``to_event`` -> ``publish``."""
    event_field = rule.get("event_field")
    if event_field:
        to_event = assign(rule, "to_event", str(event_field))
    else:
        to_event = assign(rule, "to_event", "event", merge=_merge_event)
    return chain(
        keep(out_latched),
        select(rule),
        compacted(rule),
        related(rule),
        to_event,
        publisher(rule, event_field),
        retryable(rule),
    )
