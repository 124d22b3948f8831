"""Shared by the source tests: load a sample event, run a source and split uows from errors."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

from lambda_stream import Stream

EVENTS = Path(__file__).resolve().parents[2] / "events"


def load_event(name: str) -> Any:
    """A fresh copy of ``tests/events/<name>`` (tests may mutate it)."""
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


def collect(stream: Stream[Any]) -> tuple[list[Any], list[BaseException]]:
    """Run ``stream``; return the uows it yields and the errors an ``.errors`` step caught."""
    caught: list[BaseException] = []

    async def run() -> list[Any]:
        return await stream.errors(lambda err, push: caught.append(err)).to_list()

    return asyncio.run(run()), caught
