"""Fault events: the wire shape, trimming and redaction, and the size limit.

A fault event is always deliverable: ``to_fault_event`` never raises, and what it returns is
strict JSON that encodes to UTF-8 within ``max_size`` bytes (see its docstring for the steps it
takes to get there), whatever the failed uow holds — values nested however deep, lone
surrogates, NaN, objects that are not JSON, megabytes of payload.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..utils.compression import compress
from ..utils.json import MAX_NESTING, dumps, utf8_size

FAULT_EVENT_TYPE = "fault"
REDACTED = "[REDACTED]"
TOO_DEEP = f"[TRUNCATED: nested deeper than {MAX_NESTING} levels]"
MAX_FAULT_SIZE = 256 * 1024

# A fixed namespace: the same failure of the same record gives the same fault id on a retry.
_FAULT_NAMESPACE = bytes.fromhex("6f1c3c2e7f0b4a539d5e1e0c6a0b2f11")  # a uuid; uuid loads on use

# What a pointer keeps of a record: enough to find it again (source, position, id), never its data.
_POINTER_KEYS = ("eventSource", "eventSourceARN", "EventSubscriptionArn", "awsRegion", "eventID",
                 "messageId", "recordId", "id", "source", "detail-type")  # fmt: skip
_POINTER_NESTED = (("kinesis", ("sequenceNumber", "partitionKey")), ("dynamodb", ("SequenceNumber",)),
                   ("Sns", ("MessageId", "TopicArn")))  # fmt: skip
_MAX_POINTER_TEXT = 512
_MAX_MESSAGE = 2048
_MAX_STACK = 8192
# What a publishing sink adds to a fault: the standard tags, the entry's DetailType / Source / bus.
_ENVELOPE = 2048


class FaultUow(dict[str, Any]):
    """A uow holding a fault event; a marker type so that ``flush_faults`` can set it apart."""


def _eem_fields(uow: Mapping[str, Any]) -> set[str]:
    fields: set[str] = set()
    for u in _members(uow):
        event = u.get("event")
        eem = event.get("eem") if isinstance(event, Mapping) else None
        named = eem.get("fields") if isinstance(eem, Mapping) else None
        if isinstance(named, list | tuple | set | frozenset):
            fields.update(f for f in named if isinstance(f, str))
    return fields


def _members(uow: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    batch = uow.get("batch")
    members = [u for u in batch if isinstance(u, Mapping)] if isinstance(batch, list) else []
    return [uow, *members]


def _keep(k: Any, v: Any) -> bool:
    """What belongs on the wire: no loggers, callables or private keys."""
    return not (callable(v) or (isinstance(k, str) and k.startswith("_")) or k == "logger")


def _trim(uow: Any) -> Any:
    """The uow as it goes on the wire: trimmed (see ``_keep``), and every field named in any
    ``event.eem.fields`` of it redacted everywhere (nested, in requests, in batch members) except
    the raw ``record``, which is kept as the source delivered it (it is what gets resubmitted)."""
    if not isinstance(uow, Mapping):
        return _scrub(uow, frozenset())
    fields = frozenset(_eem_fields(uow))
    out: dict[str, Any] = {}
    for k, v in uow.items():
        if not _keep(k, v):
            continue
        key = _key(k)
        if k == "record":
            out[key] = v
        elif k == "batch" and isinstance(v, list):
            out[key] = [_trim_member(u, fields) for u in v]
        else:
            out[key] = _scrub(v, fields)
    return out


def _trim_member(uow: Any, fields: frozenset[str]) -> Any:
    if not isinstance(uow, Mapping):
        return _scrub(uow, fields)
    return {_key(k): (v if k == "record" else _scrub(v, fields)) for k, v in uow.items() if _keep(k, v)}


def _key(k: Any) -> Any:
    return k if isinstance(k, str | int | float | bool) or k is None else _text(k)


def _redacted_value_keys(container: Mapping[str, Any], fields: frozenset[str]) -> frozenset[str]:
    """The ``ExpressionAttributeValues`` keys of an update request that hold a redacted field."""
    names = container.get("ExpressionAttributeNames")
    if not isinstance(names, Mapping):
        return frozenset()
    aliases = [str(a)[1:] for a, n in names.items() if n in fields]
    return frozenset(k for a in aliases for k in (f":{a}", f":{a}_delete"))


def _scrub(value: Any, fields: frozenset[str]) -> Any:
    """A JSON-ready copy of ``value``: ``fields`` redacted (keys named so, ``:name`` keys, and the
    values an update request aliases to them), what is nested deeper than ``MAX_NESTING`` replaced
    by a marker, what is not JSON (NaN, objects) replaced by its text. Iterative."""
    none: frozenset[str] = frozenset()
    root: list[Any] = [None]
    # (where the copy goes, its slot, the value, its depth, extra keys to redact in it)
    stack: list[tuple[Any, Any, Any, int, frozenset[str]]] = [(root, 0, value, 0, none)]
    copies: dict[int, Any] = {}  # a container met twice (shared, or a cycle) is copied once
    while stack:
        parent, slot, v, depth, extra = stack.pop()
        if isinstance(v, Mapping | list | tuple) and id(v) in copies:
            parent[slot] = copies[id(v)]  # a cycle stays one: dumps refuses it, the fault drops it
        elif isinstance(v, Mapping | list | tuple) and depth >= MAX_NESTING:
            parent[slot] = TOO_DEEP
        elif isinstance(v, Mapping):
            out: dict[Any, Any] = {}
            parent[slot] = copies[id(v)] = out
            aliased = _redacted_value_keys(v, fields) if fields else none
            for k, x in v.items():
                key = _key(k)
                if isinstance(k, str) and (k in extra or k in fields or (k[:1] == ":" and k[1:] in fields)):
                    out[key] = REDACTED
                else:
                    out[key] = None
                    hide = aliased if k == "ExpressionAttributeValues" else none
                    stack.append((out, key, x, depth + 1, hide))
        elif isinstance(v, list | tuple):
            items: list[Any] = [None] * len(v)
            parent[slot] = copies[id(v)] = items
            stack.extend((items, i, x, depth + 1, none) for i, x in enumerate(v))
        else:
            parent[slot] = _scalar(v)
    return root[0]


def _scalar(v: Any) -> Any:
    """A JSON scalar as it is; anything else (NaN, infinities, objects) as its text."""
    if v is None or isinstance(v, str | int):
        return v
    if isinstance(v, float):
        return v if v - v == 0 else str(v)
    if isinstance(v, Decimal):
        return v if v.is_finite() else str(v)
    if isinstance(v, bytes | bytearray | memoryview | set | frozenset):
        try:
            dumps(v)
        except Exception:
            return _text(v)
        return v
    return _text(v)


def _text(v: Any) -> str:
    try:
        return str(v)
    except Exception:
        return f"<{type(v).__name__}>"


def _records_of(uow: Any) -> Any:
    if not isinstance(uow, Mapping):
        return None
    if "record" in uow:
        return {"record": uow["record"]}
    batch = uow.get("batch")
    if isinstance(batch, list):
        return {"batch": [{"record": u.get("record")} for u in batch if isinstance(u, Mapping)]}
    return None


def _pointer(record: Any) -> dict[str, Any]:
    """Where a record came from and where it sits (source ARN, sequence number, message id ...)."""
    if isinstance(record, Mapping) and isinstance(record.get("sqs"), Mapping):
        record = record["sqs"]  # from_sqs_sns_s3: the SQS message is what was delivered
    if not isinstance(record, Mapping):
        return {}
    out: dict[str, Any] = {}
    for k in _POINTER_KEYS:
        _point(out, k, record.get(k))
    for outer, keys in _POINTER_NESTED:
        inner = record.get(outer)
        if isinstance(inner, Mapping):
            for k in keys:
                _point(out, k, inner.get(k))
    s3 = record.get("s3")
    if isinstance(s3, Mapping):  # an S3 notification: which object
        bucket, obj = s3.get("bucket"), s3.get("object")
        if isinstance(bucket, Mapping):
            _point(out, "bucket", bucket.get("name"))
        if isinstance(obj, Mapping):
            for k in ("key", "versionId", "sequencer"):
                _point(out, k, obj.get(k))
    return out


def _point(out: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(value, str):
        out[key] = value[:_MAX_POINTER_TEXT]
    elif isinstance(value, int) and not isinstance(value, bool):
        out[key] = value


def _pointers_of(uow: Any) -> Any:
    if not isinstance(uow, Mapping):
        return None
    if "record" in uow:
        return {"pointer": _pointer(uow["record"])}
    batch = uow.get("batch")
    if isinstance(batch, list):
        return {"batch": [{"pointer": _pointer(u.get("record"))} for u in batch if isinstance(u, Mapping)]}
    return None


def _identity(uow: Any, pipeline: str | None, err: BaseException) -> str:
    """A uuid5 of the pipeline, the error type and the failed events (ids, else records); never raises."""
    parts: list[str] = [pipeline or "", type(err).__name__]
    members: Iterable[Any] = []
    if isinstance(uow, Mapping):
        batch = uow.get("batch")
        members = batch if isinstance(batch, list) and batch else [uow]
    for u in members:
        if isinstance(u, Mapping):
            event = u.get("event")
            eid = event.get("id") if isinstance(event, Mapping) else None
            parts.append(_text(eid) if eid is not None else _record_key(u.get("record")))
    import hashlib  # here, not at import: keeps cold start small
    import uuid

    name = "|".join(parts).encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(_FAULT_NAMESPACE + name, usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def _record_key(record: Any) -> str:
    try:
        return dumps(record)
    except Exception:  # too deep, NaN, not JSON: where it sits identifies it as well
        return dumps(_pointer(record))


def _pipeline_of(uow: Any) -> str | None:
    if not isinstance(uow, Mapping):
        return None
    pipeline = uow.get("pipeline")
    batch = uow.get("batch")
    if pipeline is None and isinstance(batch, list) and batch and isinstance(batch[0], Mapping):
        pipeline = batch[0].get("pipeline")  # a batch call's uows all come from one pipeline
    return pipeline[:_MAX_POINTER_TEXT] if isinstance(pipeline, str) else None


def _describe(err: BaseException) -> tuple[str, str]:
    message = _text(err)
    try:
        stack = "".join(traceback.format_exception(err))
    except Exception:
        stack = f"{type(err).__name__}: {message}"
    return message, stack


def wire_size(event: Any) -> int | None:
    """Bytes ``event`` weighs as a sink sends it (strict JSON, UTF-8, compressed or not, whichever
    is larger); None when it cannot be sent at all. Never raises."""
    try:
        plain = utf8_size(dumps(event))
        compressed = utf8_size(dumps(compress(event)))
    except Exception:  # TypeError, ValueError (NaN), RecursionError: not sendable as it is
        return None
    return max(plain, compressed)


def to_fault_event(err: BaseException, max_size: int = MAX_FAULT_SIZE) -> dict[str, Any]:
    """The fault event for an error carrying ``err.uow`` (the JS wire shape); never raises.

    The id is derived from the pipeline and the failed events (a retried batch re-raises the same
    fault id). The event is always deliverable within ``max_size`` bytes, measured as it is sent
    (``wire_size``), with 2 KiB (at most a quarter) left for what the publishing sink adds (the
    standard tags, the entry's own fields); it carries, in this order of preference:

    1. the trimmed and redacted uow (with the error's message and stack shortened if need be);
    2. only the raw record(s) of the uow;
    3. a pointer per record (``{"pointer": {eventSourceARN, sequenceNumber, messageId, eventID,
       ...}}``, ``{"batch": [{"pointer": ...}]}``) with the error's message and stack shortened:
       enough to find the record again in the source (or its DLQ) and say why it failed;
    4. the pointers with the message cut to fit and no stack; then without the pointers (only a
       ``max_size`` of a few hundred bytes, or a batch of thousands of records, comes to this).
    """
    import uuid  # here, not at import: keeps cold start small

    uow = getattr(err, "uow", None)
    pipeline = _pipeline_of(uow)
    message, stack = _describe(err)
    event: dict[str, Any] = {
        "id": _identity(uow, pipeline, err),
        "partitionKey": str(uuid.uuid4()),
        "type": FAULT_EVENT_TYPE,
        "timestamp": int(time.time() * 1000),
        "tags": {
            "functionname": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "undefined")[:_MAX_POINTER_TEXT],
            "pipeline": pipeline or "undefined",
        },
        "err": {"name": type(err).__name__, "message": message, "stack": stack},
        "uow": _trim(uow),
    }
    budget = max_size - min(_ENVELOPE, max_size // 4)  # room for what the sink adds
    short = {"name": event["err"]["name"], "message": message[:_MAX_MESSAGE], "stack": stack[-_MAX_STACK:]}
    for err_part, uow_part in (
        (None, None),  # as it is
        (short, None),  # a huge message or stack must not cost the uow
        (short, _records_of),
        (short, _pointers_of),
    ):
        if err_part is not None:
            event["err"] = err_part
        if uow_part is not None:
            event["uow"] = uow_part(uow)
        if _fits(event, budget):
            return event
    return _smallest(event, message, budget)


def _fits(event: dict[str, Any], max_size: int) -> bool:
    size = wire_size(event)
    return size is not None and size <= max_size


def _smallest(event: dict[str, Any], message: str, max_size: int) -> dict[str, Any]:
    """The fault without a stack, with the message cut until it fits ``max_size``, and with its
    pointers when they fit too."""
    event["err"] = {"name": event["err"]["name"][:_MAX_POINTER_TEXT], "message": "", "stack": ""}
    if not _fits(event, max_size):
        event["uow"] = None
    room = max_size - (wire_size(event) or 0)
    cut = message[: max(room, 0)]
    event["err"]["message"] = cut
    while cut and not _fits(event, max_size):
        cut = cut[: len(cut) * 3 // 4]  # escapes and multi-byte characters weigh more than one
        event["err"]["message"] = cut
    return event
