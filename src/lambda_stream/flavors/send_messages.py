"""``send_messages``: a listener or trigger that sends a message per event to SQS, or to SNS when
the rule has ``topic_arn`` (or ``sns: True``).

Rule fields: ``id``, ``flavor``, ``event_type``, ``filters``, ``compact``, ``to_query_request``
-> ``query_response``, ``to_get_request`` -> ``get_response``, ``to_message(uow, rule)``
(required, sync or async: a SendMessageBatch entry ``{"MessageBody": ...}`` or SNS Publish
parameters) -> ``message``, ``queue_url`` / ``topic_arn``, ``sns``, ``parallel``, ``rate``,
``retryable``, and the options of ``send_to_sqs`` / ``publish_to_sns``. Latched records are
dropped (a trigger, as in JS); events without ``raw`` (a listener's) are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..filters import out_latched
from ..sinks.sns import publish_to_sns
from ..sinks.sqs import send_to_sqs
from ._steps import assign, chain, compacted, keep, retryable, select
from .cdc import related
from .rule import Step, flavor

__all__ = ["send_messages"]


def _not_latched(uow: dict[str, Any]) -> bool:
    event = uow.get("event")
    return not isinstance(event, Mapping) or not isinstance(event.get("raw"), Mapping) or out_latched(uow)


@flavor(
    fields=("compact", "sns", "topic_arn", "queue_url"),
    required=("event_type", "to_message"),
    functions=("to_message", "to_query_request", "to_get_request"),
)
def send_messages(rule: dict[str, Any]) -> Step:
    """Events of ``event_type`` [-> related items] -> ``to_message`` -> SQS or SNS."""
    sink = publish_to_sns(**rule) if rule.get("sns") or rule.get("topic_arn") else send_to_sqs(**rule)
    plain = {k: v for k, v in rule.items() if k != "query_related"}  # a cdc field, not this one's
    return chain(
        keep(_not_latched),
        select(rule),
        compacted(rule),
        related(plain),
        assign(rule, "to_message", "message"),
        sink,
        retryable(rule),
    )
