"""``out_source_is_self``: listeners ignore the events their own service emitted."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any


def self_source() -> str | None:
    """This service's ``tags.source``: ``SERVICE``, else ``PROJECT``, else ``SERVERLESS_PROJECT``.

    The same order the JS library uses to set ``tags.source`` on the events it publishes; read at
    call time (never at import).
    """
    env = os.environ
    return env.get("SERVICE") or env.get("PROJECT") or env.get("SERVERLESS_PROJECT") or None


def out_source_is_self(uow: Mapping[str, Any]) -> bool:
    """Keep a uow unless its event's ``tags.source`` is this service.

    A uow without ``tags.source`` is kept, and so is every uow when this service's own name is not
    configured (JS would compare against ``undefined``). It reads the environment per call; a
    step built once (a flavor) uses ``out_source_is(self_source())`` instead.
    """
    return out_source_is(self_source())(uow)


def out_source_is(me: str | None) -> Callable[[Mapping[str, Any]], bool]:
    """``out_source_is_self`` with this service's name read once, when the step is built (the
    per-record cost is a dict lookup or two, not three environment reads)."""

    def keep(uow: Mapping[str, Any]) -> bool:
        if me is None:
            return True
        event = uow.get("event")
        tags = event.get("tags") if isinstance(event, Mapping) else None
        return not isinstance(tags, Mapping) or tags.get("source") != me

    return keep
