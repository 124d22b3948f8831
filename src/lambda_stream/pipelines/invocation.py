"""What the handler hands to the pipelines it runs for one invocation, explicitly.

``lambda_handler`` makes one per invocation and passes it to ``Pipelines.assemble``; nothing is
shared through a context variable or a module global. Outside a handler there is none, and
``assemble`` builds plain stream steps.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["Invocation"]


class Invocation:
    """The soft deadline (a ``time.monotonic()`` value or None), whether faults are reported as
    batch item failures instead of published, and the records pipelines skipped at the deadline."""

    __slots__ = ("report_faults", "skipped", "soft_deadline")

    def __init__(self, soft_deadline: float | None = None, report_faults: bool = False) -> None:
        self.soft_deadline = soft_deadline
        self.report_faults = report_faults
        self.skipped: list[Any] = []  # records of uows a pipeline did not start in time

    def in_time(self, uow: Any) -> bool:
        """A pipeline's first step: past the soft deadline, skip the uow and note its record."""
        if self.soft_deadline is None or time.monotonic() < self.soft_deadline:
            return True
        record = uow.get("record") if isinstance(uow, dict) else None
        if record is not None:
            self.skipped.append(record)
            return False
        return True  # nothing to report it by: let it run
