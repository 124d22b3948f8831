"""Fault events: the wire shape, trimming and redaction, and the size limit."""

from __future__ import annotations

import os
import time
import traceback
import uuid
from collections.abc import Mapping
from typing import Any

from ..utils.json import dumps

FAULT_EVENT_TYPE = "fault"
REDACTED = "[REDACTED]"
MAX_FAULT_SIZE = 256 * 1024

# A fixed namespace: the same failure of the same record gives the same fault id on a retry.
_FAULT_NAMESPACE = uuid.UUID("6f1c3c2e-7f0b-4a53-9d5e-1e0c6a0b2f11")


class FaultUow(dict[str, Any]):
    """A uow holding a fault event; a marker type so that ``flush_faults`` can set it apart."""


def _trim(uow: Any) -> Any:
    """Drop what does not belong on the wire (loggers, callables, private keys) and redact."""
    if not isinstance(uow, Mapping):
        return uow
    out: dict[str, Any] = {}
    for k, v in uow.items():
        if callable(v) or (isinstance(k, str) and k.startswith("_")) or k == "logger":
            continue
        if k == "batch" and isinstance(v, list):
            out[k] = [_trim(u) for u in v]
        else:
            out[k] = v
    event = out.get("event")
    if isinstance(event, Mapping):
        fields = (event.get("eem") or {}).get("fields") if isinstance(event.get("eem"), Mapping) else None
        if fields:
            out["event"] = _redact(event, set(fields))
    return out


def _redact(value: Any, fields: set[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: (REDACTED if k in fields else _redact(v, fields)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, fields) for v in value]
    return value


def _records_of(uow: Any) -> Any:
    if not isinstance(uow, Mapping):
        return None
    if "record" in uow:
        return {"record": uow["record"]}
    batch = uow.get("batch")
    if isinstance(batch, list):
        return {"batch": [{"record": u.get("record")} for u in batch if isinstance(u, Mapping)]}
    return None


def _identity(uow: Any, pipeline: str | None, err: BaseException) -> str:
    parts: list[str] = [pipeline or "", type(err).__name__]
    for u in (uow.get("batch") or [uow]) if isinstance(uow, Mapping) else []:
        if isinstance(u, Mapping):
            event = u.get("event")
            eid = event.get("id") if isinstance(event, Mapping) else None
            parts.append(str(eid) if eid is not None else dumps(u.get("record")))
    return str(uuid.uuid5(_FAULT_NAMESPACE, "|".join(parts)))


def _pipeline_of(uow: Any) -> str | None:
    if not isinstance(uow, Mapping):
        return None
    pipeline = uow.get("pipeline")
    batch = uow.get("batch")
    if pipeline is None and isinstance(batch, list) and batch and isinstance(batch[0], Mapping):
        pipeline = batch[0].get("pipeline")  # a batch call's uows all come from one pipeline
    return pipeline if isinstance(pipeline, str) else None


def to_fault_event(err: BaseException, max_size: int = MAX_FAULT_SIZE) -> dict[str, Any]:
    """The fault event for an error carrying ``err.uow`` (the JS wire shape).

    The id is derived from the pipeline and the failed events (a retried batch re-raises the same
    fault id). A fault larger than ``max_size`` keeps only the record(s) of its uow.
    """
    uow = err.uow  # type: ignore[attr-defined]
    pipeline = _pipeline_of(uow)
    event: dict[str, Any] = {
        "id": _identity(uow, pipeline, err),
        "partitionKey": str(uuid.uuid4()),
        "type": FAULT_EVENT_TYPE,
        "timestamp": int(time.time() * 1000),
        "tags": {
            "functionname": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "undefined"),
            "pipeline": pipeline or "undefined",
        },
        "err": {
            "name": type(err).__name__,
            "message": str(err),
            "stack": "".join(traceback.format_exception(err)),
        },
        "uow": _trim(uow),
    }
    try:
        size = len(dumps(event).encode())
    except (TypeError, ValueError):  # something in the uow is not serializable: keep the records
        size = max_size + 1
    if size > max_size:
        event["uow"] = _records_of(uow)
    return event
