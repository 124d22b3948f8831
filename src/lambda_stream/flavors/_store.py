"""The micro event store's shared pieces: correlation keys, TTLs and rows without unset fields."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ..utils.time import DEFAULT_TTL_DAYS, ttl
from ._steps import get_path

Uow = dict[str, Any]

EVENT = "EVENT"
CORREL = "CORREL"


def correlation_key(rule: Mapping[str, Any]) -> Callable[[Uow], Any]:
    """``uow -> key``: ``correlation_key`` as a dotted path into the event or ``fn(uow)``;
    the event's ``partitionKey`` by default."""
    spec = rule.get("correlation_key")
    if spec is None or spec == "":
        return lambda uow: uow["event"].get("partitionKey")
    if callable(spec):
        fn: Callable[[Uow], Any] = spec
        return fn
    path = str(spec)
    return lambda uow: get_path(uow["event"], path)


def ttl_of(rule: Mapping[str, Any]) -> Callable[[Uow], Any]:
    """``uow -> ttl`` (epoch seconds), as ``ttl_rule`` with the days read once, now."""
    spec = rule.get("ttl")
    if callable(spec):
        return lambda uow: spec(rule, uow)
    days = float(spec or rule.get("default_ttl") or os.environ.get("TTL") or DEFAULT_TTL_DAYS)
    return lambda uow: ttl(uow["event"]["timestamp"], days)


def region() -> str | None:
    return os.environ.get("AWS_REGION") or None


def row(**fields: Any) -> dict[str, Any]:
    """A row without its unset fields: a JS trigger reads NULL as set (``expire: NULL`` fires)."""
    return {k: v for k, v in fields.items() if v is not None}


def stored(uow: Uow) -> Mapping[str, Any]:
    """The stored row of a DynamoDB stream uow (its new image)."""
    raw = uow["event"].get("raw") or {}
    new: Mapping[str, Any] = raw.get("new") or {}
    return new


def record_sk(uow: Uow) -> Any:
    """The sort key of a DynamoDB stream record (``Keys.sk.S``), or None."""
    keys = ((uow.get("record") or {}).get("dynamodb") or {}).get("Keys") or {}
    sk = keys.get("sk")
    return sk.get("S") if isinstance(sk, Mapping) else None
