"""Pipelines benchmark: a Kinesis batch through four pipelines vs a plain Python loop, same run.

Workload: 100k Kinesis records built with ``lambda_stream.testing.to_kinesis_records`` from small
events (compact JSON of 270-293 bytes: type, timestamp, partitionKey, the standard tags, and a
``thing`` or ``order`` entity). The type mix is 40% thing-created, 30% thing-updated,
10% thing-deleted, 20% order-placed, so the four pipeline filters pass 70%, 10%, 20% and 50%
of the records (1.5 outputs per record: 150k output uows).

Each pipeline is a ``filter`` then a ``map``; the map returns ``{**uow, "<x>_request": {...}}``.
Both sides call the very same predicate and mapper functions.

lambda-stream side, per repetition (``initialize`` is called once, before timing, as a handler
module does at import)::

    await PIPELINES.assemble(from_kinesis(event)).to_list()

which per record does: from_kinesis's checked decode (eventID and kinesis fields checked,
strict base64, UTF-8 decode, ``json.loads``, the compressed-field scan, the event-has-a-type
check) building ``{"record": record, "event": {"id": eventID, **payload}}``, the ``out_skip``
filter; then the fork (``observe``) into the 4 pipelines; in each, the adorn map
``{**uow, "pipeline": id, "logger": logger}`` (one dict copy per pipeline per uow), the
pipeline's filter and (when it passes) its map; then the merge, ``errors(faults)`` and
``flush_faults`` (a pass-through filter for ordinary uows), and ``to_list`` keeps every output.

Plain loop side, per repetition: for each record ``json.loads(base64.b64decode(data))``, the
same tags.skip check, the same uow dict ``{"record": record, "event": {"id": eventID,
**payload}}``; then for each of the 4 pipelines the same adorned copy
``{**uow, "pipeline": id, "logger": logger}`` (same logger objects), the same predicate, and
(when it passes) the same mapper, appending to one output list that is kept. No validation,
no fault handling, no concurrency: the floor for this work in Python.

Both outputs are checked equal (as multisets) before timing. Timing: one process, one event
loop reused (``asyncio.Runner``), ``gc.collect()`` before every timed run, the two sides
interleaved (alternating which goes first), best-of and median reported; the ratio is
stream time / plain time (target <= 1.5x). Each side's output is kept until its timer stops,
so both pay the garbage collector for retaining 150k uows.

``--gc-off`` disables the cyclic garbage collector while timing (``gc.collect()`` still runs
between runs), to show how much of either side is the collector walking the retained uows.

Run: ``.venv/bin/python bench/pipelines.py [--n 100000] [--repeat 9] [--gc-off]``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any

from lambda_stream import Stream, from_kinesis, initialize
from lambda_stream.testing import to_kinesis_records

Uow = dict[str, Any]
T0 = 1_764_115_200_000  # 2025-11-26T00:00:00Z in epoch ms

TAGS = {
    "account": "dev",
    "region": "us-west-2",
    "stage": "dev",
    "source": "thing-service",
    "functionname": "thing-listener",
}


def make_event(i: int) -> dict[str, Any]:
    k = i % 10
    if k < 8:
        kind = "created" if k < 4 else "updated" if k < 7 else "deleted"
        return {
            "type": f"thing-{kind}",
            "timestamp": T0 + i,
            "partitionKey": f"thing-{i:08d}",
            "tags": TAGS,
            "thing": {
                "id": f"thing-{i:08d}",
                "name": f"Thing number {i}",
                "status": "active" if i % 5 else "inactive",
                "quantity": i % 100,
            },
        }
    return {
        "type": "order-placed",
        "timestamp": T0 + i,
        "partitionKey": f"order-{i:08d}",
        "tags": TAGS,
        "order": {"id": f"order-{i:08d}", "thingId": f"thing-{i - 1:08d}", "quantity": 1 + i % 7},
    }


# -- the four pipelines' steps, shared by both sides ---------------------------------------------


def is_thing_upsert(uow: Uow) -> bool:
    return uow["event"]["type"] in ("thing-created", "thing-updated")


def to_update_request(uow: Uow) -> Uow:
    event = uow["event"]
    thing = event["thing"]
    return {
        **uow,
        "update_request": {
            "Key": {"pk": thing["id"], "sk": "thing"},
            "name": thing["name"],
            "status": thing["status"],
            "timestamp": event["timestamp"],
        },
    }


def is_thing_delete(uow: Uow) -> bool:
    return uow["event"]["type"] == "thing-deleted"


def to_delete_request(uow: Uow) -> Uow:
    return {**uow, "delete_request": {"Key": {"pk": uow["event"]["thing"]["id"], "sk": "thing"}}}


def is_order(uow: Uow) -> bool:
    return uow["event"]["type"] == "order-placed"


def to_publish_request(uow: Uow) -> Uow:
    event = uow["event"]
    return {
        **uow,
        "publish_request": {
            "Source": "orders",
            "DetailType": "order-accepted",
            "Detail": {"orderId": event["order"]["id"], "timestamp": event["timestamp"]},
        },
    }


def is_active_thing(uow: Uow) -> bool:
    thing = uow["event"].get("thing")
    return thing is not None and thing["status"] == "active" and uow["event"]["type"] != "thing-deleted"


def to_index_request(uow: Uow) -> Uow:
    thing = uow["event"]["thing"]
    return {**uow, "index_request": {"id": thing["id"], "text": thing["name"]}}


LINES: list[tuple[str, Callable[[Uow], bool], Callable[[Uow], Uow]]] = [
    ("materialize-things", is_thing_upsert, to_update_request),
    ("delete-things", is_thing_delete, to_delete_request),
    ("accept-orders", is_order, to_publish_request),
    ("index-active-things", is_active_thing, to_index_request),
]


def _pipeline(pred: Callable[[Uow], bool], fn: Callable[[Uow], Uow]) -> Any:
    def pipeline(opt: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
        return lambda s: s.filter(pred).map(fn)

    return pipeline


PIPELINES = initialize({pid: _pipeline(pred, fn) for pid, pred, fn in LINES}, {})


# -- the two sides ------------------------------------------------------------------------------


async def run_stream(event: dict[str, Any]) -> list[Uow]:
    return await PIPELINES.assemble(from_kinesis(event)).to_list()


def run_plain(event: dict[str, Any]) -> list[Uow]:
    lines = [(pid, logging.getLogger(f"pl.{pid}"), pred, fn) for pid, pred, fn in LINES]
    b64decode, loads = base64.b64decode, json.loads
    out: list[Uow] = []
    append = out.append
    for record in event["Records"]:
        payload = loads(b64decode(record["kinesis"]["data"]))
        tags = payload.get("tags")
        if tags and tags.get("skip"):
            continue
        uow = {"record": record, "event": {"id": record["eventID"], **payload}}
        for pid, logger, pred, fn in lines:
            adorned = {**uow, "pipeline": pid, "logger": logger}
            if pred(adorned):
                append(fn(adorned))
    return out


def _key(uow: Uow) -> tuple[str, str]:
    return uow["pipeline"], uow["event"]["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--gc-off", action="store_true", help="disable the cyclic GC while timing (to see its share)"
    )
    args = parser.parse_args()
    n = args.n

    events = [make_event(i) for i in range(n)]
    event = to_kinesis_records(events)
    sizes = [len(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]

    with asyncio.Runner() as runner:
        got, want = runner.run(run_stream(event)), run_plain(event)
        assert len(got) == len(want), (len(got), len(want))
        assert sorted(got, key=_key) == sorted(want, key=_key)
        outputs = len(got)
        del got, want

        t_plain: list[float] = []
        t_stream: list[float] = []
        if args.gc_off:
            gc.disable()  # gc.collect() below still runs before every timed run
        for rep in range(args.repeat):
            for side in ("plain", "stream") if rep % 2 == 0 else ("stream", "plain"):
                gc.collect()
                if side == "plain":
                    t = time.perf_counter()
                    out = run_plain(event)
                    t_plain.append(time.perf_counter() - t)
                else:
                    t = time.perf_counter()
                    out = runner.run(run_stream(event))
                    t_stream.append(time.perf_counter() - t)
                assert len(out) == outputs
                del out
        gc.enable()

    def us(seconds: float) -> float:
        return seconds / n * 1e6

    ratios = [s / p for s, p in zip(t_stream, t_plain, strict=True)]
    print(
        f"{n:,} Kinesis records, {min(sizes)}-{max(sizes)} bytes of JSON each "
        f"(mean {statistics.mean(sizes):.0f}); 4 pipelines of filter+map; "
        f"{outputs:,} output uows; {args.repeat} interleaved repetitions"
        + ("; cyclic GC off while timing" if args.gc_off else "")
    )
    print(
        f"plain loop     best {us(min(t_plain)):5.2f} us/record  median {us(statistics.median(t_plain)):5.2f}"
        f"  ({min(t_plain) * 1e3:.0f} ms per batch)"
    )
    print(
        f"lambda-stream  best {us(min(t_stream)):5.2f} us/record  median {us(statistics.median(t_stream)):5.2f}"
        f"  ({min(t_stream) * 1e3:.0f} ms per batch)"
    )
    print(
        f"ratio: best/best {min(t_stream) / min(t_plain):.2f}x, median of paired ratios "
        f"{statistics.median(ratios):.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    main()
