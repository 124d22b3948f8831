"""Listener: other services' domain events from the hub into this service's tables.

materialize keeps the newest version of each thing (a late event loses its timestamp condition);
collect writes every event into the micro event store. Rows written here are latched, so the
trigger does not publish them again.
"""

from lambda_stream import (
    default_options,
    from_kinesis,
    initialize,
    initialize_from,
    lambda_handler,
    timestamp_condition,
    update_expression,
)
from lambda_stream.flavors import collect, materialize

EVENT_TYPES = ["thing-created", "thing-updated", "thing-deleted"]


def to_update_request(uow, rule):
    event = uow["event"]
    thing = event["thing"]
    return {
        "Key": {"pk": thing["id"], "sk": "thing"},
        **update_expression(
            {
                "discriminator": "thing",
                "name": thing["name"],
                "deleted": event["type"] == "thing-deleted" or None,
                "timestamp": event["timestamp"],
                "lastModifiedBy": event["id"],
                "latched": True,
            }
        ),
        **timestamp_condition(),
    }


RULES = [
    {"id": "m1", "flavor": materialize, "event_type": EVENT_TYPES, "to_update_request": to_update_request},
    {"id": "c1", "flavor": collect, "event_type": EVENT_TYPES},
]

handler = lambda_handler(
    initialize(initialize_from(RULES), default_options()),
    source=from_kinesis,
    partial_batch_response=True,
)
