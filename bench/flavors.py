"""Flavors benchmark: ``materialize`` and ``collect`` rules against the same pipelines by hand.

Workload: N Kinesis records (``to_kinesis_records``) of small events: 80% thing-created /
thing-updated, 20% order-placed (which neither rule takes). Both sides run through
``initialize(...).assemble(from_kinesis(event))`` on one ``LoopBridge``, writing to the same
fake DynamoDB connector (an ``async`` method that returns at once), so what is measured is the
per-record cost of the stream, not of AWS.

- materialize: ``{"flavor": materialize, "event_type": [...], "to_update_request": fn}`` vs
  ``s.filter(out_source_is(self_source())).filter(on_event_type(rule)).map(faulty(...)).through(update_dynamodb(...))``.
- collect: ``{"flavor": collect, "event_type": [...]}`` vs ``s.filter(on_event_type(rule))
  .map(faulty(to_put_request)).through(put_dynamodb(...))`` building the same EVENT row by hand.

Sides are interleaved in one process (the first one rotates), ``gc.collect()`` before each run,
medians of the per-round ratios (CPU time). Outputs are checked equal (the uows' requests) before
timing. Target: each flavor <= 1.1x its hand-written pipeline.

Run: ``.venv/bin/python bench/flavors.py [--n 10000] [--repeat 7]``
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from _harness import cli, interleaved, median, paired_ratio, verdict
from lambda_stream import (
    LoopBridge,
    Stream,
    collect,
    faulty,
    from_kinesis,
    initialize,
    initialize_from,
    materialize,
    on_event_type,
    put_dynamodb,
    timestamp_condition,
    ttl,
    update_dynamodb,
    update_expression,
)
from lambda_stream.filters import out_source_is, self_source
from lambda_stream.testing import to_kinesis_records

Uow = dict[str, Any]
T0 = 1_764_115_200_000
TYPES = ["thing-created", "thing-updated"]
TARGET = 1.1


class FakeDynamoDB:
    """Answers at once: the bench measures the stream, not AWS."""

    async def update_item(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    async def put_item(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}


def make_event(i: int) -> dict[str, Any]:
    if i % 5 == 4:
        return {
            "type": "order-placed",
            "timestamp": T0 + i,
            "partitionKey": f"o{i}",
            "order": {"id": f"o{i}"},
        }
    return {
        "type": TYPES[i % 2],
        "timestamp": T0 + i,
        "partitionKey": f"t{i % 1000}",
        "tags": {"account": "dev", "region": "us-east-1", "source": "other-service"},
        "thing": {"id": f"t{i % 1000}", "name": f"thing {i}", "description": "a thing"},
    }


def to_update_request(uow: Uow, rule: Any = None) -> dict[str, Any]:
    event = uow["event"]
    return {
        "Key": {"pk": event["thing"]["id"], "sk": "thing"},
        **update_expression({**event["thing"], "timestamp": event["timestamp"]}),
        **timestamp_condition(),
    }


def opt() -> dict[str, Any]:
    return {"connector": FakeDynamoDB(), "table_name": "t"}


# -- the flavors -----------------------------------------------------------------------------------
MATERIALIZE = initialize(
    initialize_from(
        [{"id": "m", "flavor": materialize, "event_type": TYPES, "to_update_request": to_update_request}]
    ),
    opt(),
)
COLLECT = initialize(initialize_from([{"id": "c", "flavor": collect, "event_type": TYPES}]), opt())


# -- the same pipelines by hand --------------------------------------------------------------------
def hand_materialize(o: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
    on_type = on_event_type({"event_type": TYPES})
    sink = update_dynamodb(**o)

    def to_request(uow: Uow) -> Uow:
        return {**uow, "update_request": to_update_request(uow)}

    drop_own = out_source_is(self_source())  # read once, as the flavor does
    return lambda s: s.filter(drop_own).filter(on_type).map(faulty(to_request)).through(sink)


def hand_collect(o: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
    on_type = on_event_type({"event_type": TYPES})
    sink = put_dynamodb(**o)
    region = os.environ.get("AWS_REGION")

    def to_put_request(uow: Uow) -> Uow:
        event = uow["event"]
        item = {
            "pk": event["id"],
            "sk": "EVENT",
            "discriminator": "EVENT",
            "timestamp": event["timestamp"],
            "awsregion": region,
            "sequenceNumber": uow["record"]["kinesis"]["sequenceNumber"],
            "ttl": ttl(event["timestamp"], 33),
            "data": event.get("partitionKey"),
            "event": {k: v for k, v in event.items() if k != "raw"},
        }
        return {
            **uow,
            "key": item["data"],
            "put_request": {"Item": {k: v for k, v in item.items() if v is not None}},
        }

    return lambda s: s.filter(on_type).map(faulty(to_put_request)).through(sink)


HAND_MATERIALIZE = initialize({"m": hand_materialize}, opt())
HAND_COLLECT = initialize({"c": hand_collect}, opt())


def requests(out: list[Uow], field: str) -> list[Any]:
    return [u[field] for u in out]


def run(n: int, repeat: int) -> None:
    os.environ.setdefault("AWS_REGION", "us-east-1")
    event = to_kinesis_records([make_event(i) for i in range(n)])
    bridge = LoopBridge()

    def side(pipes: Any) -> Callable[[], list[Uow]]:
        return lambda: bridge.run(pipes.assemble(from_kinesis(event)).to_list())

    for name, flavor_side, hand_side, field in (
        ("materialize", MATERIALIZE, HAND_MATERIALIZE, "update_request"),
        ("collect", COLLECT, HAND_COLLECT, "put_request"),
    ):
        expected = requests(side(hand_side)(), field)
        assert requests(side(flavor_side)(), field) == expected, f"{name}: outputs differ"
        assert len(expected) == n * 4 // 5

        def check(which: str, out: list[Uow], want: int = len(expected)) -> None:
            assert len(out) == want, which

        times = interleaved({"flavor": side(flavor_side), "hand": side(hand_side)}, repeat, check)
        ratio = paired_ratio(times["flavor"], times["hand"])
        per = median(times["flavor"]) / n * 1e6
        print(
            f"{name:12s} n={n:<7d} flavor {per:6.2f} us/record  hand {median(times['hand']) / n * 1e6:6.2f} "
            f"us/record  ratio {ratio:.3f}x  ({verdict(ratio, TARGET)})"
        )
    bridge.close()


if __name__ == "__main__":
    cli(run, __doc__, [10_000])
