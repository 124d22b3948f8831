"""Memory: peak RSS over one batch, lambda-stream against a plain loop doing the same work.

Each case runs in a fresh interpreter. The input is built first; then the peak-RSS mark is reset
(``/proc/self/clear_refs``), the batch is processed, and the growth of the peak over the RSS at
the start (``VmHWM`` - ``VmRSS`` before) is what the batch cost. Cases:

- ``batch``: 10,000 Kinesis records of ~1 KB of JSON each, through 4 pipelines
  (``initialize(...).assemble(from_kinesis(event)).drain()``), one of which passes nothing (its
  filter matches no record); the plain loop decodes each record and runs the same 4 filters and
  maps, keeping nothing. Target: lambda-stream <= the plain loop + 5 MiB.
- ``generator``: 1,000,000 uows from a generator through ``filter`` + ``map`` + ``drain`` (one
  pipeline; nothing kept); the plain loop does the same. Target: about +1 MiB.
- ``generator4``: the same generator through the 4 pipelines with ``assemble``.

Run: ``.venv/bin/python bench/memory.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

from lambda_stream import LoopBridge, Stream, from_kinesis, initialize, on_event_type
from lambda_stream.testing import to_kinesis_records

Uow = dict[str, Any]
TYPES = ["thing-created", "thing-updated", "thing-deleted", "order-placed"]
RULES: list[tuple[str, str]] = [
    ("things", "thing-created"),
    ("updates", "thing-updated"),
    ("orders", "order-placed"),
    ("nothing", "no-such-type"),  # passes nothing
]


def make_event(i: int) -> dict[str, Any]:
    return {
        "type": TYPES[i % 4],
        "timestamp": 1_764_115_200_000 + i,
        "partitionKey": f"thing-{i:08d}",
        "thing": {"id": f"thing-{i:08d}", "description": f"{i:08d}" * 110},  # ~1 KB of JSON in all
    }


def to_request(uow: Uow) -> Uow:
    return {**uow, "request": {"pk": uow["event"]["partitionKey"], "ts": uow["event"]["timestamp"]}}


def _pipeline(event_type: str) -> Any:
    def pipeline(opt: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
        return lambda s: s.filter(on_event_type({"event_type": event_type})).map(to_request)

    return pipeline


PIPELINES = initialize({pid: _pipeline(t) for pid, t in RULES}, {})


def plain_batch(event: dict[str, Any]) -> None:
    for record in event["Records"]:
        uow = {
            "record": record,
            "event": {"id": record["eventID"], **json.loads(base64.b64decode(record["kinesis"]["data"]))},
        }
        for pid, t in RULES:
            if uow["event"]["type"] == t:
                to_request({**uow, "pipeline": pid})


def uows(n: int) -> Iterator[Uow]:
    for i in range(n):
        yield {"event": {"id": str(i), "type": TYPES[i % 4], "partitionKey": f"p{i}", "timestamp": i}}


def plain_generator(n: int) -> None:
    for uow in uows(n):
        if uow["event"]["type"] == "thing-created":
            to_request(uow)


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def measure(case: str, side: str) -> float:
    bridge = LoopBridge()
    run: Callable[[], None]
    if case == "batch":
        event = to_kinesis_records(make_event(i) for i in range(10_000))  # no list of events left to free
        if side == "plain":
            run = lambda: plain_batch(event)  # noqa: E731
        else:
            run = lambda: bridge.run(PIPELINES.assemble(from_kinesis(event)).drain())  # noqa: E731
    else:
        n = 1_000_000
        if side == "plain":
            run = lambda: plain_generator(n)  # noqa: E731
        elif case == "generator":
            created = on_event_type({"event_type": "thing-created"})
            run = lambda: bridge.run(Stream(uows(n)).filter(created).map(to_request).drain())  # noqa: E731
        else:
            run = lambda: bridge.run(PIPELINES.assemble(Stream(uows(n))).drain())  # noqa: E731
    bridge.run(Stream([1]).drain())  # the loop and the lazily loaded code exist before the mark
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak-RSS mark to the current RSS
    start = _status("VmRSS")
    run()
    return (_status("VmHWM") - start) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(measure(args.case, args.side))
        return
    for case, target in (("batch", 5.0), ("generator", 1.5), ("generator4", 1.5)):
        got: dict[str, list[float]] = {"plain": [], "lambda-stream": []}
        for _ in range(args.runs):
            for side in got:
                cmd = [sys.executable, __file__, "--case", case, "--side", side]
                got[side].append(
                    float(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
                )
        plain, stream = statistics.median(got["plain"]), statistics.median(got["lambda-stream"])
        extra = stream - plain
        verdict = "met" if extra <= target else "MISSED"
        print(
            f"{case:10}: peak RSS over the run, median of {args.runs}: plain loop +{plain:6.1f} MiB, "
            f"lambda-stream +{stream:6.1f} MiB; extra {extra:+6.1f} MiB (target <= +{target:g} MiB: {verdict}); "
            f"lambda-stream runs {min(got['lambda-stream']):.1f}-{max(got['lambda-stream']):.1f}"
        )


if __name__ == "__main__":
    main()
