"""``evaluate``: a trigger on the event store's stream that emits higher-order events.

Rule fields: ``id``, ``flavor``, ``event_type``, ``filters``, ``compact``, ``emit`` (required: an
event type, or ``fn(uow, rule, template)`` returning one event or a list), ``expression``
(``fn(uow, rule)`` or ``fn(uow)`` over the correlated events: falsy drops the uow, ``True`` means
the event triggers, an event or a list of events are the triggers), ``correlation_key_suffix``
(with an expression: only rows of that suffix, none with none), ``index`` (default
``DataIndex``), ``publish`` (EventBridge by default) and its options, ``parallel``, ``rate``,
``retryable``, and the options of ``query_all_dynamodb``.

Reads INSERTs of EVENT and CORREL rows (a basic rule fires for an event's EVENT row and again
for each of its CORREL rows, as in JS: a filter or an expression picks one). The uow gains
``meta`` ``{id, sequenceNumber, ttl, expire, pk, data, correlationKey, suffix, correlation}``,
``triggers``, with an expression ``query_request`` and ``correlated``, and one uow per emitted
event on ``emit``. A string ``emit`` gives::

    {**event, id: "<DynamoDB eventID>.<rule id>", type: emit, timestamp: <last trigger's>,
     partitionKey: <correlation key without ".<suffix>">, tags: <triggers' tags merged, without
     region and source, under the standard tags>, triggers: [{id, type, timestamp}, ...]}
"""

from __future__ import annotations

from typing import Any

from ..faults.wrap import attach_uow
from ..queries.dynamodb import query_all_dynamodb
from ..utils.tags import env_tags
from ._publish import publisher
from ._steps import chain, compacted, guarded, keep, mapped, parallel_of, retryable, select, trigger_of
from ._store import CORREL, EVENT, record_sk, stored
from .rule import Step, arity, bind, flavor, is_async

__all__ = ["evaluate"]

Uow = dict[str, Any]
DEFAULT_INDEX = "DataIndex"


def for_events(uow: Uow) -> bool:
    """An INSERT of an EVENT or a CORREL row."""
    record = uow.get("record") or {}
    if record.get("eventName") != "INSERT":
        return False
    if record_sk(uow) == EVENT:
        return True
    discriminator = ((record.get("dynamodb") or {}).get("NewImage") or {}).get("discriminator") or {}
    return isinstance(discriminator, dict) and discriminator.get("S") == CORREL


def normalize(uow: Uow) -> Uow:
    """The persisted event in place of the change event; its row's facts in ``meta``."""
    new = stored(uow)
    correlation = new.get("discriminator") == CORREL
    meta = {
        "id": uow["event"].get("id"),
        "sequenceNumber": new.get("sequenceNumber"),
        "ttl": new.get("ttl"),
        "expire": new.get("expire"),
        "pk": new.get("pk"),
        "data": new.get("data"),
        "correlationKey": new.get("pk") if correlation else new.get("data"),
        "suffix": new.get("suffix"),
        "correlation": correlation,
    }
    return {**uow, "meta": meta, "event": new.get("event")}


def on_suffix(suffix: str | None) -> Any:
    """Rows whose suffix is the rule's (rows without one for a rule without one)."""

    def keep(uow: Uow) -> bool:
        return (uow["meta"].get("suffix") or None) == suffix

    return keep


def to_query_request(index: str) -> Any:
    def to_request(uow: Uow) -> Uow:
        meta = uow["meta"]
        if meta["correlation"]:
            req = {
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": "pk"},
                "ExpressionAttributeValues": {":pk": meta["pk"]},
                "ConsistentRead": True,
            }
        else:
            req = {
                "IndexName": index,
                "KeyConditionExpression": "#data = :data",
                "ExpressionAttributeNames": {"#data": "data"},
                "ExpressionAttributeValues": {":data": meta["data"]},
            }
        return {**uow, "query_request": req}

    return to_request


def _events_of(uow: Uow) -> Uow:
    return {**uow, "correlated": [i.get("event") for i in uow.get("correlated") or ()]}


def _with_triggers(uow: Uow, result: Any) -> Uow | None:
    if isinstance(result, list | tuple):
        return {**uow, "triggers": list(result)} if result else None
    if not result:
        return None
    return {**uow, "triggers": [uow["event"]] if result is True else [result]}


def _merged_tags(triggers: list[Any]) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for t in triggers:
        own = t.get("tags") if isinstance(t, dict) else None
        if isinstance(own, dict):
            tags.update(own)
    tags.pop("region", None)
    tags.pop("source", None)
    return tags


@flavor(
    fields=("compact", "correlation_key_suffix", "index", "publish"),
    required=("event_type", "emit"),
    functions=("expression",),
)
def evaluate(rule: dict[str, Any]) -> Step:
    """Stored events of ``event_type`` [-> correlated events -> ``expression``] -> ``emit``."""
    rule_id = str(rule["id"])
    emit = rule["emit"]
    basic = isinstance(emit, str)
    if not basic and not callable(emit):
        raise _config(rule_id, f"'emit' must be an event type or a function, got {type(emit).__name__}")
    suffix = rule.get("correlation_key_suffix") or None
    standard = env_tags(rule_id)  # read once: they win over the triggers' tags
    publish = publisher(rule, "emit")
    expression = rule.get("expression")
    emit_fn = None if basic else _emit_call(emit, rule)

    def template_of(uow: Uow) -> dict[str, Any]:
        meta, triggers = uow["meta"], uow["triggers"]
        key = meta.get("correlationKey")
        if suffix is not None and isinstance(key, str):
            key = key.replace(f".{suffix}", "", 1)
        head: dict[str, Any] = {**uow["event"], "type": emit} if basic else {}
        template = {
            **head,
            "id": f"{meta['id']}.{rule_id}",
            "timestamp": triggers[-1].get("timestamp"),
            "partitionKey": key,
            "tags": _merged_tags(triggers),
            "triggers": [trigger_of(t) for t in triggers],
        }
        if key is None:
            template.pop("partitionKey")
            if "partitionKey" in head:
                template["partitionKey"] = head["partitionKey"]
        return template

    def adorned(uow: Uow, events: Any) -> list[Uow]:
        out = events if isinstance(events, list | tuple) else [events]
        return [{**uow, "emit": {**e, "tags": {**(e.get("tags") or {}), **standard}}} for e in out if e]

    async def emit_later(uow: Uow, pending: Any) -> list[Uow]:
        try:
            return adorned(uow, await pending)
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    def to_higher_order_events(uow: Uow) -> Any:
        try:
            template = template_of(uow)
            if emit_fn is None:
                return adorned(uow, template)
            result = emit_fn(uow, template)
            if hasattr(result, "__await__"):
                return emit_later(uow, result)
            return adorned(uow, result)
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    def triggers_of(expression: Any) -> Step:
        if expression is None:
            return mapped(lambda uow: {**uow, "triggers": [uow["event"]]})
        call = guarded(bind(expression, rule))

        def triggered(uow: Uow) -> Any:
            r = call(uow)
            if hasattr(r, "__await__"):

                async def later() -> Uow | None:
                    return _with_triggers(uow, await r)

                return later()
            return _with_triggers(uow, r)

        n = parallel_of(rule)
        return chain(
            keep(on_suffix(suffix)),
            mapped(to_query_request(str(rule.get("index") or DEFAULT_INDEX))),
            query_all_dynamodb(**{**rule, "query_response_field": "correlated"}),
            mapped(_events_of),
            (lambda s: s.map(triggered, parallel=n)) if is_async(expression) else mapped(triggered),
            keep(lambda uow: uow is not None),
        )

    if emit_fn is not None and is_async(emit):
        n = parallel_of(rule)
        emitted: Step = lambda s: s.map(to_higher_order_events, parallel=n).flat_map(lambda x: x)  # noqa: E731
    else:
        emitted = lambda s: s.flat_map(to_higher_order_events)  # noqa: E731
    return chain(
        keep(for_events),
        mapped(guarded(normalize)),
        select(rule),
        compacted(rule),
        triggers_of(expression),
        emitted,
        publish,
        retryable(rule),
    )


def _emit_call(emit: Any, rule: dict[str, Any]) -> Any:
    if arity(emit) >= 3:
        return lambda uow, template: emit(uow, rule, template)
    if arity(emit) == 2:
        return lambda uow, template: emit(uow, template)
    return lambda uow, template: emit(uow)


def _config(rule_id: str, message: str) -> Exception:
    from ..errors import ConfigurationError

    return ConfigurationError(f"rule {rule_id}: {message}")
