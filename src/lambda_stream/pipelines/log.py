"""Per-pipeline loggers ``pl.<id>``, switched on like the JS ``debug`` module: ``DEBUG=pl:*``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any


def pipeline_logger(pipeline_id: str, debug: str = "") -> logging.Logger:
    """The logger ``pl.<id>``; at DEBUG level when a ``debug`` pattern (``pl:*``, ``pl:<id>``) matches."""
    import fnmatch  # here, not at import: keeps cold start small

    logger = logging.getLogger(f"pl.{pipeline_id}")
    name = f"pl:{pipeline_id}"
    patterns = [p.strip() for p in debug.replace(" ", ",").split(",") if p.strip()]
    excluded = any(p.startswith("-") and fnmatch.fnmatchcase(name, p[1:]) for p in patterns)
    if not excluded and any(fnmatch.fnmatchcase(name, p) for p in patterns if not p.startswith("-")):
        logger.setLevel(logging.DEBUG)
    return logger


def _log(uow: Mapping[str, Any], what: str) -> None:
    logger = uow.get("logger")
    if isinstance(logger, logging.Logger) and logger.isEnabledFor(logging.DEBUG):
        event = uow.get("event") or {}
        logger.debug(
            "%s type: %s, eid: %s, pipeline: %s",
            what,
            event.get("type"),
            event.get("id"),
            uow.get("pipeline"),
        )


def print_start_pipeline(uow: Mapping[str, Any]) -> None:
    """``.tap(print_start_pipeline)``: log the uow entering a pipeline (when debug is on for it)."""
    _log(uow, "start")


def print_end_pipeline(uow: Mapping[str, Any]) -> None:
    """``.tap(print_end_pipeline)``: log the uow leaving a pipeline (when debug is on for it)."""
    _log(uow, "end")
