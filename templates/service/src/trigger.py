"""Trigger: each change of the entity table becomes a domain event on the event hub (cdc).

Rows the listener wrote for other services' events are latched and not published again.
"""

from lambda_stream import default_options, from_dynamodb, initialize, initialize_from, lambda_handler
from lambda_stream.flavors import cdc


def to_event(uow, rule):
    """The thing as it is now (or was, for a delete), without the table's keys."""
    image = uow["event"]["raw"]["new"] or uow["event"]["raw"]["old"]
    thing = {k: v for k, v in image.items() if k not in ("pk", "sk", "discriminator")}
    return {"thing": {"id": image["pk"], **thing}}


RULES = [
    {
        "id": "t1",
        "flavor": cdc,
        "event_type": ["thing-created", "thing-updated", "thing-deleted"],
        "to_event": to_event,
    },
]

handler = lambda_handler(
    initialize(initialize_from(RULES), default_options()),
    source=from_dynamodb,
    partial_batch_response=True,
)
