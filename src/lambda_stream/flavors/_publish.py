"""The rule's publisher: ``rule["publish"]`` (a sink factory), EventBridge by default."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .rule import Step


def publisher(rule: Mapping[str, Any], event_field: str | None = None) -> Step:
    """``rule["publish"](**rule, event_field=...)``, built now; ``publish_to_event_bridge`` when the
    rule (and the pipeline options) name none."""
    publish: Callable[..., Step] | None = rule.get("publish")
    if publish is None:
        from ..sinks.event_bridge import publish_to_event_bridge

        publish = publish_to_event_bridge
    opt = dict(rule)
    opt.pop("publish", None)
    if event_field is not None:
        opt["event_field"] = event_field
    return publish(**opt)
