"""``out_skip``: drop events tagged ``skip`` (events generated while recording integration tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def out_skip(uow: Mapping[str, Any]) -> bool:
    """Keep a uow unless its event's ``tags.skip`` is truthy (a uow without an event is kept)."""
    event = uow.get("event")
    tags = event.get("tags") if isinstance(event, Mapping) else None
    return not (isinstance(tags, Mapping) and tags.get("skip"))
