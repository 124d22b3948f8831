"""``job``: a trigger that works through a table page by page, keeping its cursor in the job's row.

A job is a row (say ``{pk, sk: "job", cursor}``) whose change triggers the rule: each page of a
scan or a query becomes one uow per item, which may be updated or turned into an event; then the
job's row gets the page's ``LastEvaluatedKey`` as its new cursor, which changes the row and so
triggers the next page, until there is no cursor. Several jobs in one batch each keep their own
cursor (JS had a bug there, #428).

Rule fields: ``id``, ``flavor``, ``event_type``, ``job_filters`` (filters of the job's uow),
``to_scan_request(uow, rule)`` -> ``scan_split_dynamodb`` (``scan_response = {**page, Item}``)
or ``to_query_split_request(uow, rule)`` -> ``query_split_dynamodb`` (``query_split_response``),
``filters`` (of each item's uow), ``to_query_related_request`` / ``to_query_request`` ->
``query_response``, ``split_on``, ``to_get_request`` -> ``get_response``, ``to_update_request``
-> ``update_dynamodb``, ``to_event`` -> ``emit`` -> ``publish`` (EventBridge by default),
``to_cursor_update_request(uow, rule)`` (run on the last item's uow of each job) ->
``cursor_update_request``, ``cursor_key_fn(uow)`` (which uows belong to one job: by default the
job row's ``pk|sk``), ``parallel``, ``rate``, ``retryable``, and the options of the steps.

With ``to_cursor_update_request`` the output is each item's uow, then one uow per job holding its
``cursor_update_request`` / ``cursor_update_response``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..queries.dynamodb import query_split_dynamodb, scan_split_dynamodb
from ..sinks.dynamodb import update_dynamodb
from ..utils.batching import compact
from ._publish import publisher
from ._steps import assign, chain, identity, retryable, select, split_on
from .cdc import related
from .rule import Step, flavor, step_options

__all__ = ["job"]

Uow = dict[str, Any]

FIELDS = (
    "job_filters",
    "to_scan_request",
    "to_query_split_request",
    "to_query_related_request",
    "to_cursor_update_request",
    "cursor_key_fn",
    "split_on",
    "split_target_field",
    "split_on_omit_fields",
    "publish",
)


def default_cursor_key(uow: Uow) -> str:
    new = ((uow.get("event") or {}).get("raw") or {}).get("new") or {}
    return f"pk:{new.get('pk')}|sk:{new.get('sk')}"


def _unbatch(uow: Uow) -> list[Uow]:
    """The job's item uows, then the uow that carried its cursor update (without the batch)."""
    batch = uow.get("batch") or []
    return [*batch, {k: v for k, v in uow.items() if k != "batch"}]


def flush_cursor(rule: Mapping[str, Any], opts: dict[str, Any]) -> Step:
    """Per job (``cursor_key_fn``), the last item's uow -> ``to_cursor_update_request`` -> update."""
    if rule.get("to_cursor_update_request") is None:
        return identity
    key = rule.get("cursor_key_fn") or default_cursor_key
    sink = update_dynamodb(
        **{
            **opts,
            "update_request_field": "cursor_update_request",
            "update_response_field": "cursor_update_response",
        }
    )
    # by job, the items in arrival order (a stable sort on one timestamp): the last holds the cursor
    by_job = compact({"compact": {"group": key, "sort": lambda uow: 0}})
    return chain(
        by_job,
        assign(rule, "to_cursor_update_request", "cursor_update_request"),
        sink,
        lambda s: s.flat_map(_unbatch),
    )


@flavor(
    fields=FIELDS,
    functions=(
        "to_scan_request",
        "to_query_split_request",
        "to_query_related_request",
        "to_query_request",
        "to_get_request",
        "to_update_request",
        "to_event",
        "to_cursor_update_request",
        "cursor_key_fn",
    ),
)
def job(rule: dict[str, Any]) -> Step:
    """A job's change -> its page of items -> updates / events -> the job's next cursor."""
    opts = step_options(rule, FIELDS)
    related_rule = dict(rule)
    if rule.get("to_query_related_request") is not None:
        related_rule["to_query_request"] = rule["to_query_related_request"]
    related_rule.pop("query_related", None)
    split_rule = {"split_target_field": rule.get("query_response_field") or "query_response", **rule}
    return chain(
        select(rule, filters=False),
        select({"id": rule.get("id"), "filters": rule.get("job_filters")}, event_type=False),
        assign(rule, "to_scan_request", "scan_request"),
        scan_split_dynamodb(**opts) if rule.get("to_scan_request") else identity,
        assign(rule, "to_query_split_request", "query_split_request"),
        query_split_dynamodb(**opts) if rule.get("to_query_split_request") else identity,
        select({"id": rule.get("id"), "filters": rule.get("filters")}, event_type=False),
        related(step_options(related_rule, FIELDS), get=False),
        split_on(split_rule),
        related(
            step_options({k: v for k, v in rule.items() if k != "to_query_request"}, FIELDS), query=False
        ),
        assign(rule, "to_update_request", "update_request"),
        update_dynamodb(**opts) if rule.get("to_update_request") else identity,
        assign(rule, "to_event", "emit"),
        publisher({**opts, "parallel": 10}, "emit") if rule.get("to_event") else identity,
        flush_cursor(rule, opts),
        retryable(rule),
    )
