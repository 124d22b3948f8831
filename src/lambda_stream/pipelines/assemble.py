"""``initialize`` / ``assemble``: many pipelines over one forked head."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._invocation import current_invocation
from ..core import Stream
from ..faults import faults, flush_faults
from .log import pipeline_logger

Step = Callable[[Stream[Any]], Stream[Any]]
Pipeline = Callable[[dict[str, Any]], Step]


class Pipelines:
    """Pipelines bound to their options; ``assemble`` runs them all over one head stream."""

    def __init__(self, steps: dict[str, tuple[Step, Any]], opt: dict[str, Any]) -> None:
        self.steps = steps
        self.opt = opt

    @property
    def ids(self) -> list[str]:
        return list(self.steps)

    def assemble(self, head: Stream[Any], include_faults: bool = True) -> Stream[Any]:
        """Fork ``head`` into every pipeline (``observe``: a slow one never holds the others back),
        merge their outputs, then turn errors that carry a uow into fault events and flush them."""
        invocation = current_invocation()
        lines = []
        for pid, (step, logger) in self.steps.items():
            branch = head.observe()
            if invocation is not None and invocation.soft_deadline is not None:
                # each pipeline stops taking uows at the soft deadline (the handler reports them):
                # a branch may have read its chunk of records from the head long before
                branch = branch.filter(invocation.in_time)
            lines.append(branch.map(_adorn(pid, logger)).through(step))
        s = Stream.merge(lines)
        if include_faults:
            s = s.errors(faults).through(flush_faults(**self.opt))
        return s


def _adorn(pid: str, logger: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def adorn(uow: dict[str, Any]) -> dict[str, Any]:
        return {**uow, "pipeline": pid, "logger": logger}

    return adorn


def initialize(pipelines: Mapping[str, Pipeline], opt: Mapping[str, Any] | None = None) -> Pipelines:
    """Bind each pipeline to ``{**opt, "id": id, "logger": pl.<id>}``; honours enabled/disabled ids."""
    base = dict(opt or {})
    enabled = base.get("enabled_pipelines")
    disabled = base.get("disabled_pipelines") or ()
    debug = str(base.get("debug") or "")
    steps: dict[str, tuple[Step, Any]] = {}
    for pid, pipeline in pipelines.items():
        if (enabled is not None and pid not in enabled) or pid in disabled:
            continue
        logger = pipeline_logger(pid, debug)
        steps[pid] = (pipeline({**base, "id": pid, "logger": logger}), logger)
    return Pipelines(steps, base)
