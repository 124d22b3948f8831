"""Property: every record ends processed, faulted, or reported as a batch item failure — exactly one.

Random batches (SQS or Kinesis) with undecodable records and records that fail in some
pipelines, run through the real handler; the fault publisher is an in-memory sink.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_stream import faulty, from_kinesis, from_sqs_event, initialize, lambda_handler
from lambda_stream.testing import to_kinesis_records, to_sqs_event_records

TYPES = ["a", "b", "c"]

record = st.fixed_dictionaries(
    {
        "type": st.sampled_from(TYPES),
        "garbled": st.sampled_from([False, False, False, True]),  # a quarter cannot be decoded
        "fails_in": st.frozensets(st.integers(min_value=0, max_value=2), max_size=2),
    }
)
pipelines = st.lists(st.frozensets(st.sampled_from(TYPES), min_size=1), min_size=1, max_size=3)


def make_pipeline(k: int, types: frozenset[str], seen: Counter[tuple[int, str]]) -> Any:
    def pipeline(opt: dict[str, Any]) -> Any:
        def step(uow: dict[str, Any]) -> dict[str, Any]:
            if k in uow["event"]["fails_in"]:
                raise ValueError(f"pipeline {k} rejects {uow['event']['id']}")
            seen[(k, uow["event"]["id"])] += 1
            return uow

        return lambda s: s.filter(lambda u: u["event"]["type"] in types).map(faulty(step))

    return pipeline


@settings(max_examples=60, deadline=None)
@given(
    st.lists(record, min_size=1, max_size=30), pipelines, st.sampled_from(["sqs", "kinesis"]), st.booleans()
)
def test_every_record_ends_exactly_one_way(
    specs: list[dict[str, Any]], pipe_types: list[frozenset[str]], source: str, report: bool
) -> None:
    events = [
        {"id": f"e{i}", "type": s["type"], "fails_in": sorted(s["fails_in"])} for i, s in enumerate(specs)
    ]
    batch = to_sqs_event_records(events) if source == "sqs" else to_kinesis_records(events)
    for i, s in enumerate(specs):
        if s["garbled"]:
            if source == "sqs":
                batch["Records"][i]["body"] = "{not json"
            else:
                batch["Records"][i]["kinesis"]["data"] = "!!!"
    published: list[dict[str, Any]] = []

    def publish(**opt: Any) -> Any:
        return lambda s: s.tap(lambda u: published.append(u["event"]))

    seen: Counter[tuple[int, str]] = Counter()
    pipes = {f"p{k}": make_pipeline(k, t, seen) for k, t in enumerate(pipe_types)}
    from_source = from_sqs_event if source == "sqs" else from_kinesis

    handler = lambda_handler(
        initialize(pipes, {"publish": publish}),
        source=from_source,
        partial_batch_response=True,
        faults_as_failures=report,
    )
    try:
        response = handler(batch, None)
    finally:
        handler.bridge.close()
    assert response is not None

    # what should happen to each (record, pipeline)
    expected_faults: Counter[str] = Counter()
    expected_seen: Counter[tuple[int, str]] = Counter()
    for i, s in enumerate(specs):
        eid = f"e{i}"
        if s["garbled"]:
            expected_faults[eid] += 1  # one fault for the record, not one per pipeline
            continue
        for k, types in enumerate(pipe_types):
            if s["type"] in types:
                if k in s["fails_in"]:
                    expected_faults[eid] += 1
                else:
                    expected_seen[(k, eid)] += 1
    assert seen == expected_seen  # processed exactly once per pipeline that wants it

    def fault_record_index(fault: dict[str, Any]) -> int:
        rec = fault["uow"]["record"]
        return batch["Records"].index(rec)

    ids = (
        [r["messageId"] for r in batch["Records"]]
        if source == "sqs"
        else [r["kinesis"]["sequenceNumber"] for r in batch["Records"]]
    )
    failed_idx = sorted({int(e[1:]) for e in expected_faults})
    reported = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    if report:
        assert published == []
        if not failed_idx:
            assert reported == []
        elif source == "sqs":
            assert reported == [ids[i] for i in failed_idx]
        else:  # ordered: from the first failure to the end of the batch
            assert reported == ids[failed_idx[0] :]
    else:
        assert reported == []
        got = Counter(f"e{fault_record_index(f)}" for f in published)
        assert got == expected_faults
        assert all(f["type"] == "fault" for f in published)
        json.dumps(published)  # wire-ready
