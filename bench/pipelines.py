"""Pipelines benchmark: the library's own helpers against a plain loop and Powertools, same process.

Workload: N Kinesis records built with ``lambda_stream.testing.to_kinesis_records`` from small
events (compact JSON, ~270-290 bytes: type, timestamp, partitionKey, the standard tags and a
``thing`` or ``order`` entity). Types: 40% thing-created, 30% thing-updated, 10% thing-deleted,
20% order-placed.

W  -- one pipeline, written as the README has a user write it::

    from_kinesis(event)
      .filter(on_event_type({"event_type": ["thing-created", "thing-updated"]}))
      .map(to_update_request)        # {**uow, "update_request": {Key, **update_expression(...),
      .to_list()                     #                              **timestamp_condition()}}

W4 -- four such pipelines (exact type, list of types, another exact type, a regex; each map
builds its update request with ``update_expression``) through ``initialize(...).assemble(...)``.

Baselines, run in the same process, interleaved (the first side rotates), ``gc.collect()``
before every run, medians of the per-round ratios:

- plain loop, same work: ``json.loads(base64.b64decode(data))``, the same skip check and uow,
  the same type tests written inline, the update request built by a hand-written expression
  builder for these (placeholder-safe) attribute names; for W4 the output uow carries the same
  ``pipeline`` and ``logger`` keys ``assemble`` adds. The floor for this work in Python.
- Powertools ``BatchProcessor`` (Kinesis), ``process_partial_response`` with a record handler
  doing the plain loop's per-record work (``record.kinesis.data_as_json()``): W only (Powertools
  has no fork of one batch into several pipelines).

Every side's output is checked equal to the plain loop's before timing and after every run.
Targets: W4 <= 1.15x the plain loop; W <= 1.0x Powertools.

Run: ``.venv/bin/python bench/pipelines.py [--n 10000 100000] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from _harness import interleaved, median, paired_ratio, verdict
from lambda_stream import (
    LoopBridge,
    Stream,
    from_kinesis,
    initialize,
    on_event_type,
    timestamp_condition,
    update_expression,
)
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


# -- the library side: the README's helpers ------------------------------------------------------


def to_thing_update(uow: Uow) -> Uow:
    event = uow["event"]
    return {
        **uow,
        "update_request": {
            "Key": {"pk": event["thing"]["id"], "sk": "thing"},
            **update_expression({**event["thing"], "timestamp": event["timestamp"]}),
            **timestamp_condition(),
        },
    }


def to_thing_delete(uow: Uow) -> Uow:
    event = uow["event"]
    return {
        **uow,
        "update_request": {
            "Key": {"pk": event["thing"]["id"], "sk": "thing"},
            **update_expression({"deleted": True, "name": None, "timestamp": event["timestamp"]}),
        },
    }


def to_order_update(uow: Uow) -> Uow:
    event = uow["event"]
    return {
        **uow,
        "update_request": {
            "Key": {"pk": event["order"]["id"], "sk": "order"},
            **update_expression({**event["order"], "timestamp": event["timestamp"]}),
            **timestamp_condition(),
        },
    }


def to_seen_update(uow: Uow) -> Uow:
    event = uow["event"]
    return {
        **uow,
        "update_request": {
            "Key": {"pk": event["partitionKey"], "sk": "seen"},
            **update_expression({"lastSeen": event["timestamp"], "lastType": event["type"]}),
        },
    }


RULES: list[tuple[str, Any, Callable[[Uow], Uow]]] = [
    ("materialize-things", ["thing-created", "thing-updated"], to_thing_update),
    ("delete-things", "thing-deleted", to_thing_delete),
    ("materialize-orders", "order-placed", to_order_update),
    ("seen-things", re.compile(r"^thing-"), to_seen_update),
]


def _pipeline(event_type: Any, fn: Callable[[Uow], Uow]) -> Any:
    def pipeline(opt: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
        return lambda s: s.filter(on_event_type({"event_type": event_type})).map(fn)

    return pipeline


PIPELINES = initialize({pid: _pipeline(spec, fn) for pid, spec, fn in RULES}, {})  # once, at import
W_FILTER = on_event_type({"event_type": ["thing-created", "thing-updated"]})


def stream_w(bridge: LoopBridge, event: dict[str, Any]) -> list[Uow]:
    return bridge.run(from_kinesis(event).filter(W_FILTER).map(to_thing_update).to_list())


def stream_w4(bridge: LoopBridge, event: dict[str, Any]) -> list[Uow]:
    return bridge.run(PIPELINES.assemble(from_kinesis(event)).to_list())


# -- the baselines: the same work, written by hand -------------------------------------------------


def plain_expression(item: dict[str, Any]) -> dict[str, Any]:
    """SET / REMOVE for names known to be placeholder-safe: what a hand-written handler does."""
    names, values, sets, removes = {}, {}, [], []
    for k, v in item.items():
        names["#" + k] = k
        if v is None:
            removes.append("#" + k)
        else:
            values[":" + k] = v
            sets.append(f"#{k} = :{k}")
    expression = "SET " + ", ".join(sets)
    if removes:
        expression += " REMOVE " + ", ".join(removes)
    return {
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "UpdateExpression": expression,
        "ReturnValues": "ALL_NEW",
    }


CONDITION = "attribute_not_exists(#timestamp) OR #timestamp < :timestamp"


def plain_thing_update(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "Key": {"pk": event["thing"]["id"], "sk": "thing"},
        **plain_expression({**event["thing"], "timestamp": event["timestamp"]}),
        "ConditionExpression": CONDITION,
    }


def plain_decode(record: dict[str, Any]) -> Uow | None:
    payload = json.loads(base64.b64decode(record["kinesis"]["data"]))
    tags = payload.get("tags")
    if tags and tags.get("skip"):
        return None
    return {"record": record, "event": {"id": record["eventID"], **payload}}


def plain_w(event: dict[str, Any]) -> list[Uow]:
    out: list[Uow] = []
    for record in event["Records"]:
        uow = plain_decode(record)
        if uow is not None and uow["event"]["type"] in ("thing-created", "thing-updated"):
            out.append({**uow, "update_request": plain_thing_update(uow["event"])})
    return out


LOGGERS = {pid: logging.getLogger(f"pl.{pid}") for pid, _, _ in RULES}


def plain_w4(event: dict[str, Any]) -> list[Uow]:
    out: list[Uow] = []
    append = out.append
    things = LOGGERS["materialize-things"], LOGGERS["delete-things"], LOGGERS["seen-things"]
    orders = LOGGERS["materialize-orders"]
    for record in event["Records"]:
        uow = plain_decode(record)
        if uow is None:
            continue
        ev = uow["event"]
        t = ev["type"]
        if t == "thing-created" or t == "thing-updated":
            append(
                {
                    **uow,
                    "pipeline": "materialize-things",
                    "logger": things[0],
                    "update_request": plain_thing_update(ev),
                }
            )
        elif t == "thing-deleted":
            request = {
                "Key": {"pk": ev["thing"]["id"], "sk": "thing"},
                **plain_expression({"deleted": True, "name": None, "timestamp": ev["timestamp"]}),
            }
            append({**uow, "pipeline": "delete-things", "logger": things[1], "update_request": request})
        elif t == "order-placed":
            request = {
                "Key": {"pk": ev["order"]["id"], "sk": "order"},
                **plain_expression({**ev["order"], "timestamp": ev["timestamp"]}),
                "ConditionExpression": CONDITION,
            }
            append({**uow, "pipeline": "materialize-orders", "logger": orders, "update_request": request})
        if t.startswith("thing-"):
            request = {
                "Key": {"pk": ev["partitionKey"], "sk": "seen"},
                **plain_expression({"lastSeen": ev["timestamp"], "lastType": t}),
            }
            append({**uow, "pipeline": "seen-things", "logger": things[2], "update_request": request})
    return out


PROCESSOR = BatchProcessor(event_type=EventType.KinesisDataStreams)


def powertools_w(event: dict[str, Any]) -> list[Uow]:
    out: list[Uow] = []

    def record_handler(record: Any) -> None:
        payload = record.kinesis.data_as_json()
        tags = payload.get("tags")
        if tags and tags.get("skip"):
            return
        ev = {"id": record.event_id, **payload}
        if ev["type"] in ("thing-created", "thing-updated"):
            out.append({"record": record.raw_event, "event": ev, "update_request": plain_thing_update(ev)})

    response = process_partial_response(event=event, record_handler=record_handler, processor=PROCESSOR)
    assert response == {"batchItemFailures": []}
    return out


def _key(uow: Uow) -> tuple[str, str]:
    return uow.get("pipeline", ""), uow["event"]["id"]


def run(n: int, repeat: int) -> dict[str, float]:
    event = to_kinesis_records([make_event(i) for i in range(n)])
    bridge = LoopBridge()
    want_w, want_w4 = plain_w(event), sorted(plain_w4(event), key=_key)
    assert stream_w(bridge, event) == want_w and powertools_w(event) == want_w
    assert sorted(stream_w4(bridge, event), key=_key) == want_w4

    def check(side: str, out: Any) -> None:
        assert len(out) == len(want_w4 if side.endswith("W4") else want_w), side

    t = interleaved(
        {
            "plain W": lambda: plain_w(event),
            "powertools W": lambda: powertools_w(event),
            "lambda-stream W": lambda: stream_w(bridge, event),
            "plain W4": lambda: plain_w4(event),
            "lambda-stream W4": lambda: stream_w4(bridge, event),
        },
        repeat,
        check,
    )
    loop_runs = bridge.loop_runs  # runs that went on the event loop (a bounded fork waited)
    bridge.close()
    print(
        f"N = {n:,} Kinesis records; W: {len(want_w):,} outputs, W4: {len(want_w4):,}; {repeat} interleaved "
        f"rounds; {loop_runs} of {2 * repeat + 2} lambda-stream runs went on the event loop (a bounded fork waited)"
    )
    for side, times in t.items():
        print(f"  {side:18} median {median(times) / n * 1e6:6.2f} us/record")
    w_plain = paired_ratio(t["lambda-stream W"], t["plain W"])
    w_pt = paired_ratio(t["lambda-stream W"], t["powertools W"])
    pt_plain = paired_ratio(t["powertools W"], t["plain W"])
    w4 = paired_ratio(t["lambda-stream W4"], t["plain W4"])
    print(f"  W  lambda-stream / plain loop  {w_plain:.3f}x   (Powertools / plain loop {pt_plain:.3f}x)")
    print(f"  W  lambda-stream / Powertools  {w_pt:.3f}x   {verdict(w_pt, 1.0)}")
    print(f"  W4 lambda-stream / plain loop  {w4:.3f}x   {verdict(w4, 1.15)}")
    return {"w_plain": w_plain, "w_powertools": w_pt, "w4_plain": w4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for n in args.n:
        run(n, args.repeat)


if __name__ == "__main__":
    main()
