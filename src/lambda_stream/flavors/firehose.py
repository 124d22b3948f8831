"""``firehose_transform`` / ``firehose_drop``: a Kinesis Data Firehose transformation.

``firehose_transform`` rule fields: ``id``, ``flavor``, ``event_type``, ``filters``,
``transform(uow, rule)`` (the record to deliver; ``{}`` without one), ``metadata(uow, rule)``
(default ``{"partitionKeys": {"table": rule.table_name, **spread_date_time(event.timestamp)}}``),
``table_name``, ``rate``. Each matching uow gains ``transformed``, ``result = "Ok"``, ``data``
(base64 of the compact JSON of ``transformed``) and ``metadata``.

``firehose_drop(rules)`` is a pipeline (``initialize({**initialize_from(RULES), "drop":
firehose_drop(RULES)})``) passing on the uows no rule takes, with ``result = "Dropped"`` and
``data`` = the record's own data: Firehose wants an answer for every record. A transform that
raises faults its uow; the handler answers a faulted record ``ProcessingFailed``.

The handler builds Firehose's response from what the pipelines emit:
``{"records": [{"recordId": uow["record_id"], "result": uow["result"], "data": uow["data"],
"metadata": uow.get("metadata")}]}``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from ..core import Stream
from ..faults.wrap import attach_uow
from ..filters import filter_on_content, on_event_type, prefilter_on_event_types
from ..utils.json import dumps
from ._steps import chain, mapped, select
from .rule import Step, bind, flavor

__all__ = ["firehose_drop", "firehose_transform", "spread_date_time"]

Uow = dict[str, Any]


def spread_date_time(timestamp: float) -> dict[str, str]:
    """``{year, month, day, hour, minute}`` of an epoch-ms timestamp, in UTC, zero-padded."""
    import datetime  # here, not at import: keeps cold start small

    dt = datetime.datetime.fromtimestamp(timestamp / 1000, tz=datetime.UTC)
    return {
        "year": f"{dt.year}",
        "month": f"{dt.month:02d}",
        "day": f"{dt.day:02d}",
        "hour": f"{dt.hour:02d}",
        "minute": f"{dt.minute:02d}",
    }


def _b64(value: Any) -> str:
    return base64.b64encode(dumps(value).encode("utf-8")).decode("ascii")


@flavor(fields=("transform", "metadata", "table_name"), functions=("transform", "metadata"))
def firehose_transform(rule: dict[str, Any]) -> Step:
    """Records of ``event_type`` -> ``transform`` -> ``result: Ok`` with base64 ``data``."""
    transform = bind(rule["transform"], rule) if rule.get("transform") else None
    metadata_fn = bind(rule["metadata"], rule) if rule.get("metadata") else None
    table = rule.get("table_name")

    def to_transformed(uow: Uow) -> Uow:
        try:
            transformed = transform(uow) if transform is not None else {}
            if metadata_fn is not None:
                metadata = metadata_fn(uow)
            else:
                metadata = {"partitionKeys": {"table": table, **spread_date_time(uow["event"]["timestamp"])}}
            data = _b64(transformed)
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__
        return {**uow, "transformed": transformed, "result": "Ok", "data": data, "metadata": metadata}

    return chain(select(rule), mapped(to_transformed))


def firehose_drop(rules: Iterable[Mapping[str, Any]]) -> Any:
    """A pipeline passing on, as ``Dropped``, the uows none of the ``rules`` takes."""
    rules = list(rules)
    on_type = prefilter_on_event_types(rules)
    contents = [(on_event_type(r), filter_on_content(r)) for r in rules]

    def taken(uow: Uow) -> bool:
        if not on_type(uow):
            return False
        return any(t(uow) and c(uow) for t, c in contents)

    def dropped(uow: Uow) -> Uow:
        return {**uow, "result": "Dropped", "data": (uow.get("record") or {}).get("data")}

    def pipeline(opt: Mapping[str, Any]) -> Step:
        def step(s: Stream[Any]) -> Stream[Any]:
            return s.reject(taken).map(dropped)

        return step

    return pipeline
