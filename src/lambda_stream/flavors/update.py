"""``update``: ``materialize`` for change events or collected events that needs related data first.

Rule fields: ``id``, ``flavor``, ``event_type``, ``filters``, ``compact``, ``skip_latched``
(``True`` keeps latched records; by default they are dropped, as in JS), ``to_query_request(uow,
rule)`` -> ``query_response``, ``split_on`` (one uow per element; the target field defaults to
``query_response``), ``to_get_request(uow, rule)`` (a BatchGetItem request, e.g. from ``fks``
``"discriminator|pk"``) -> ``get_response``, ``to_update_request(uow, rule)`` (required),
``to_fallback_update_request``, ``parallel``, ``rate``, ``retryable``, and the options of the
DynamoDB query and sink. An INSERT of an EVENT row (the event store) is read as the stored event
(``meta`` as ``correlate``).
"""

from __future__ import annotations

from typing import Any

from ..filters import out_latched
from ..sinks.dynamodb import update_dynamodb
from ._steps import assign, chain, compacted, identity, keep, mapped, retryable, select, split_on
from .cdc import related
from .correlate import for_collected_events, normalize
from .rule import Step, flavor

__all__ = ["update"]

Uow = dict[str, Any]


def _stored_if_collected(uow: Uow) -> Uow:
    return normalize(uow) if for_collected_events(uow) else uow


@flavor(
    fields=("compact", "skip_latched", "split_on", "split_target_field", "split_on_omit_fields", "fks"),
    required=("event_type", "to_update_request"),
    functions=("to_update_request", "to_fallback_update_request", "to_query_request", "to_get_request"),
)
def update(rule: dict[str, Any]) -> Step:
    """Events of ``event_type`` -> related data -> ``to_update_request`` -> ``update_dynamodb``."""
    sink = update_dynamodb(**rule)
    plain = {k: v for k, v in rule.items() if k != "query_related"}  # a cdc field, not this one's
    split_rule = {"split_target_field": rule.get("query_response_field") or "query_response", **rule}
    return chain(
        identity if rule.get("skip_latched") else keep(out_latched),
        mapped(_stored_if_collected),
        select(rule),
        compacted(rule),
        related(plain, get=False),
        split_on(split_rule),
        related(plain, query=False),
        assign(rule, "to_update_request", "update_request"),
        assign(rule, "to_fallback_update_request", "fallback_update_request"),
        sink,
        retryable(rule),
    )
