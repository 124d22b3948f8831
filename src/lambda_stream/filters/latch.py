"""``out_latched``: N-directional sync support for DynamoDB-sourced uows.

A listener that writes an item on behalf of another service sets ``latched: true``; a command or
mutation sets ``latched: None``. Triggers use ``.filter(out_latched)`` so they do not emit events in
reaction to the listener's own writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def out_latched(uow: Mapping[str, Any]) -> bool:
    """Keep a uow unless its new image (or, for a delete, its old image) is ``latched``.

    As in JS: an event with neither image (no ``raw.new`` and no ``raw.old``) is dropped too.
    """
    event = uow.get("event")
    raw = event.get("raw") if isinstance(event, Mapping) else None
    if not isinstance(raw, Mapping):
        return False
    new, old = raw.get("new"), raw.get("old")
    if isinstance(new, Mapping):
        return not new.get("latched")
    if isinstance(old, Mapping):
        return not old.get("latched")
    return False
