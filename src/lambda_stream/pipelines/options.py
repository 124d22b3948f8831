"""``default_options``: what a handler reads from the environment, once, when it is built."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def _names(raw: str | None) -> frozenset[str] | None:
    if not raw:
        return None
    return frozenset(n.strip() for n in raw.split(",") if n.strip())


def default_options(env: Mapping[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """Options for ``initialize``: read the environment now (call it when the handler is built).

    - ``settings``: the environment-backed defaults of every step (``Settings``), read once, now;
    - ``connectors``: a ``ConnectorCache`` so every invocation of this handler reuses one client
      per service (and its connection pool);
    - ``publish``: the sink faults are published with (EventBridge, ``BUS_NAME``) when ``BUS_NAME``
      is set; without it faults are logged and passed on;
    - ``debug``: the ``DEBUG`` patterns (``pl:*`` or ``pl:<id>``, comma separated);
    - ``enabled_pipelines`` / ``disabled_pipelines``: from ``ENABLED_PIPELINES`` /
      ``DISABLED_PIPELINES`` (comma separated ids).

    ``overrides`` win; one that looks like a misspelt or JS-named option fails here.
    """
    from ..config import LIBRARY_OPTIONS, SHARED_OPTIONS, Settings, check_options
    from ..connectors.base import ConnectorCache  # here, not at import: keeps cold start small
    from ..sinks.event_bridge import publish_to_event_bridge

    # a near miss (``paralel``, ``busName``) would be spread into every step: name it here, once
    check_options("default_options", overrides, LIBRARY_OPTIONS | SHARED_OPTIONS)
    e = os.environ if env is None else env
    settings = Settings.from_env(e)
    opt: dict[str, Any] = {
        "settings": settings,
        "connectors": ConnectorCache(),
        "debug": e.get("DEBUG", ""),
        "enabled_pipelines": _names(e.get("ENABLED_PIPELINES")),
        "disabled_pipelines": _names(e.get("DISABLED_PIPELINES")),
    }
    if settings.bus_name:
        opt["publish"] = publish_to_event_bridge
        opt["bus_name"] = settings.bus_name
    opt.update(overrides)
    return opt
