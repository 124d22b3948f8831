"""Per-invocation cost: an SQS batch through one filter + map pipeline, lambda_handler vs Powertools.

Both handlers are built once, at module import, as a user's handler module builds them
(``initialize`` and ``lambda_handler`` for lambda-stream; ``BatchProcessor`` for Powertools).
Each invocation gets a 10-record (or 1-record) SQS batch of events and a Lambda-like context
(``get_remaining_time_in_millis`` → 300,000), and must return ``{"batchItemFailures": []}``.

The work per record is the same on both sides: parse the body, keep ``thing-created`` /
``thing-updated`` events, build the update request with ``update_expression`` and hand it to a
stand-in sink (a list). lambda-stream: ``from_sqs_event`` → ``on_event_type`` → ``map`` through
``initialize(...).assemble(...)``; Powertools: ``process_partial_response`` with a record
handler doing the same (``record.json_body``).

Timing: ``--calls`` invocations per side per round, sides interleaved (the first rotates),
``--repeat`` rounds, median µs per invocation and the median of the per-round ratios; the outputs
of both sides are checked equal. Targets: 10 records <= 1.0x Powertools, 1 record <= 1.5x.

Run: ``.venv/bin/python bench/invocation.py [--calls 2000] [--repeat 9]``
"""

from __future__ import annotations

import argparse
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from _harness import interleaved, median, paired_ratio, verdict
from lambda_stream import from_sqs_event, initialize, lambda_handler, on_event_type, update_expression
from lambda_stream.testing import to_sqs_event_records

Uow = dict[str, Any]
SINK: list[Uow] = []  # what both sides "write"; cleared per invocation by the caller
TYPES = ("thing-created", "thing-updated")


def to_update_request(uow: Uow) -> Uow:
    event = uow["event"]
    out = {
        **uow,
        "update_request": {
            "Key": {"pk": event["thing"]["id"], "sk": "thing"},
            **update_expression({**event["thing"], "timestamp": event["timestamp"]}),
        },
    }
    SINK.append(out["update_request"])
    return out


# -- lambda-stream: the README's handler module ----------------------------------------------------


def materialize(opt: dict[str, Any]) -> Any:
    return lambda s: s.filter(on_event_type({"event_type": list(TYPES)})).map(to_update_request)


PIPELINES = initialize({"materialize": materialize}, {})
handler = lambda_handler(
    lambda event, context: PIPELINES.assemble(from_sqs_event(event)), partial_batch_response=True
)


# -- Powertools: its documented handler ----------------------------------------------------------------

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: Any) -> None:
    event = {"id": record.message_id, **record.json_body}
    if event["type"] in TYPES:
        to_update_request({"record": record.raw_event, "event": event})


def powertools_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


class Context:
    function_name = "bench"
    aws_request_id = "0"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def batch(n: int) -> dict[str, Any]:
    events = [
        {
            "type": TYPES[i % 2] if i % 5 else "thing-deleted",
            "timestamp": 1_764_115_200_000 + i,
            "partitionKey": f"thing-{i}",
            "thing": {"id": f"thing-{i}", "name": f"Thing {i}", "status": "active"},
        }
        for i in range(n)
    ]
    return to_sqs_event_records(events)


def run(size: int, calls: int, repeat: int) -> float:
    event, context = batch(size), Context()

    def outputs(h: Any) -> tuple[Any, list[Uow]]:
        SINK.clear()
        response = h(event, context)
        return response, list(SINK)

    want = outputs(powertools_handler)
    assert want[0] == {"batchItemFailures": []} and outputs(handler) == want

    def many(h: Any) -> Any:
        def go() -> Any:
            for _ in range(calls):
                SINK.clear()
                response = h(event, context)
            return response

        return go

    def check(side: str, response: Any) -> None:
        assert response == {"batchItemFailures": []}, side

    t = interleaved({"Powertools": many(powertools_handler), "lambda-stream": many(handler)}, repeat, check)
    ratio = paired_ratio(t["lambda-stream"], t["Powertools"])
    target = 1.0 if size >= 10 else 1.5
    print(f"SQS batch of {size} record(s), {calls} invocations x {repeat} interleaved rounds:")
    for side, times in t.items():
        print(f"  {side:14} median {median(times) / calls * 1e6:7.1f} us/invocation")
    loop = handler.bridge.loop_runs
    print(
        f"  lambda-stream / Powertools {ratio:.2f}x   {verdict(ratio, target)}   (event-loop passes: {loop})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    for size in (10, 1):
        run(size, args.calls, args.repeat)


if __name__ == "__main__":
    main()
