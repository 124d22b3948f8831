"""What one Lambda invocation shares with the pipelines it runs, through a context variable.

The handler sets it for the invocation (its asyncio context only: nothing is shared between
invocations or handlers); ``assemble`` and ``flush_faults`` read it when they are built / run.
Outside a handler there is none, and they behave as plain stream steps.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any


class Invocation:
    """The soft deadline, whether faults are reported instead of published, the records that
    pipelines skipped because the soft deadline had passed, and the faults made."""

    __slots__ = ("faults", "report_faults", "skipped", "soft_deadline")

    def __init__(self, soft_deadline: float | None, report_faults: bool) -> None:
        self.soft_deadline = soft_deadline  # time.monotonic() value
        self.report_faults = report_faults
        self.skipped: list[Any] = []
        self.faults: list[Any] = []  # every fault made in this invocation (FaultUow), in order

    def in_time(self, uow: Any) -> bool:
        """A pipeline's first step: past the soft deadline, skip the uow and note its record."""
        if self.soft_deadline is None or time.monotonic() < self.soft_deadline:
            return True
        record = uow.get("record") if isinstance(uow, dict) else None
        if record is not None:
            self.skipped.append(record)
            return False
        return True  # nothing to report it by: let it run


CURRENT: ContextVar[Invocation | None] = ContextVar("lambda_stream_invocation", default=None)


def current_invocation() -> Invocation | None:
    return CURRENT.get()
