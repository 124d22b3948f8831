"""``out_skip``: drop events tagged ``skip`` (events generated while recording integration tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def out_skip(uow: Mapping[str, Any]) -> bool:
    """Keep a uow unless its event's ``tags.skip`` is truthy (a uow without an event is kept)."""
    event = uow.get("event")
    # ``type(x) is dict`` first: the common case, without an ABC instance check per record
    tags = event.get("tags") if type(event) is dict or isinstance(event, Mapping) else None
    return not ((type(tags) is dict or isinstance(tags, Mapping)) and tags.get("skip"))
