"""Clock helpers: epoch milliseconds and DynamoDB TTL values (epoch seconds)."""

from __future__ import annotations

import os
import time as _time
from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_TTL_DAYS", "now", "ttl", "ttl_rule"]

# The JS library's fallback when neither the rule nor TTL set one.
DEFAULT_TTL_DAYS = 33


def now() -> int:
    """The current time in epoch milliseconds (``Date.now()``)."""
    return _time.time_ns() // 1_000_000


def ttl(start: float, days: float) -> int:
    """Epoch seconds ``days`` after ``start`` (epoch milliseconds)."""
    return int(start // 1000 + 60 * 60 * 24 * days)


def ttl_rule(rule: Mapping[str, Any], uow: Mapping[str, Any]) -> int:
    """The TTL for a uow: ``rule["ttl"](rule, uow)`` when callable, else ``ttl(event.timestamp, days)``.

    ``days`` is ``rule["ttl"]``, else ``rule["default_ttl"]``, else the ``TTL`` env var, else 33.
    """
    t = rule.get("ttl")
    if callable(t):
        return int(t(rule, uow))
    days = t or rule.get("default_ttl") or os.environ.get("TTL") or DEFAULT_TTL_DAYS
    return ttl(uow["event"]["timestamp"], float(days))
