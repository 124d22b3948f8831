"""``materialize_s3``: a listener that keeps a view of events as S3 objects.

Rule fields: ``id``, ``flavor``, ``event_type``, ``filters``, ``split_on`` (also
``split_target_field``, ``split_on_omit_fields``), ``to_get_request(uow, rule)`` (``{Key,
Bucket?}``) -> ``get_object_from_s3`` -> ``get_response``, ``to_put_request(uow, rule)`` (``{Key,
Body, ...}``) -> ``put_object_to_s3`` -> ``put_response``, ``to_delete_request(uow, rule)``
(``{Key}``) -> ``delete_object_from_s3`` -> ``delete_response``, ``bucket_name``
(``BUCKET_NAME``), ``parallel``, ``rate``, ``retryable``. Each step is there only when the rule
has its function; a function returning None leaves that uow alone.
"""

from __future__ import annotations

from typing import Any

from ..queries.s3 import get_object_from_s3
from ..sinks.s3 import delete_object_from_s3, put_object_to_s3
from ._steps import assign, chain, identity, retryable, select, split_on
from .rule import Step, flavor, step_options

__all__ = ["materialize_s3"]

FIELDS = ("split_on", "split_target_field", "split_on_omit_fields", "bucket_name")


@flavor(fields=FIELDS, functions=("to_get_request", "to_put_request", "to_delete_request"))
def materialize_s3(rule: dict[str, Any]) -> Step:
    """Events of ``event_type`` -> [get] -> put and / or delete S3 objects."""
    opts = step_options(rule, FIELDS)

    def when(name: str, field: str, sink: Any) -> Step:
        if rule.get(name) is None:
            return identity
        return chain(assign(rule, name, field), sink(**opts))

    return chain(
        select(rule),
        split_on(rule),
        when("to_get_request", "get_request", get_object_from_s3),
        when("to_put_request", "put_request", put_object_to_s3),
        when("to_delete_request", "delete_request", delete_object_from_s3),
        retryable(rule),
    )
