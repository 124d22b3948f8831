"""The demo's progress: a live table of the runner's counts (``rich``, the demo extra) while a
phase runs, or one line per phase without a terminal (or without rich)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TextIO

from ..runner import Runner


class Progress:
    def __init__(self, runner: Runner, out: TextIO, *, live: bool) -> None:
        self.runner = runner
        self.out = out
        self.live = live and out.isatty() and _rich() is not None

    def _table(self, title: str) -> Any:
        from rich.table import Table

        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        for column in ("source", "function", "read", "done", "invocations", "in flight"):
            table.add_column(column, justify="right" if column not in ("source", "function") else "left")
        for s in self.runner.stats:
            name = s.source.rsplit(":", 1)[-1].split("/stream/")[0]
            table.add_row(
                name,
                s.function,
                str(s.records_read),
                str(s.records_done),
                str(s.invocations),
                str(s.in_flight),
            )
        return table

    @contextlib.asynccontextmanager
    async def phase(self, title: str) -> AsyncIterator[None]:
        if not self.live:
            yield
            return
        from rich.console import Console
        from rich.live import Live

        with Live(
            self._table(title), console=Console(file=self.out), refresh_per_second=8, transient=True
        ) as live:

            async def refresh() -> None:
                while True:
                    await asyncio.sleep(0.125)
                    live.update(self._table(title))

            task = asyncio.create_task(refresh())
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def done(self, line: str) -> None:
        print(f"  {line}", file=self.out, flush=True)


def _rich() -> Any:
    try:
        import rich
    except ImportError:
        return None
    return rich
