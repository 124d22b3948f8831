"""``materialize``: a listener that keeps a materialized view of events in DynamoDB.

Rule fields: ``id``, ``flavor``, ``event_type``, ``filters``, ``compact`` (by partitionKey, the
latest per key), ``split_on`` (a path or ``fn(uow, rule)``: one uow per element; also
``split_target_field``, ``split_on_omit_fields``), ``to_update_request(uow, rule)`` (required;
sync or async), ``to_fallback_update_request(uow, rule)`` (run once when the update loses its
condition), ``parallel``, ``rate``, ``retryable``, and the options of ``update_dynamodb``
(``table_name`` ...). Events this service emitted itself (``tags.source``) are dropped.

The uow gains ``update_request``, ``fallback_update_request`` and ``update_response``.
"""

from __future__ import annotations

from typing import Any

from ..filters import out_source_is, self_source
from ..sinks.dynamodb import update_dynamodb
from ._steps import assign, chain, compacted, keep, retryable, select, split_on
from .rule import Step, flavor

__all__ = ["materialize"]


@flavor(
    fields=("compact", "split_on", "split_target_field", "split_on_omit_fields"),
    required=("event_type", "to_update_request"),
    functions=("to_update_request", "to_fallback_update_request"),
)
def materialize(rule: dict[str, Any]) -> Step:
    """Events of ``event_type`` -> ``to_update_request`` -> ``update_dynamodb``."""
    return chain(
        keep(out_source_is(self_source())),  # this service's name, read when the rule is built
        select(rule),
        compacted(rule),
        split_on(rule),
        assign(rule, "to_update_request", "update_request"),
        assign(rule, "to_fallback_update_request", "fallback_update_request"),
        update_dynamodb(**rule),
        retryable(rule),
    )
