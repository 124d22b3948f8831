"""Property: every record ends processed, faulted, or reported as a batch item failure — exactly one.

Random batches (SQS or Kinesis) with undecodable records and records that fail in some
pipelines, run through the real handler; the fault publisher is an in-memory sink. The second
property draws hostile records too: nesting past the decode limit (and just under it), lone
surrogates, NaN / Infinity, payloads larger than a fault may be, one exception object raised for
every failing uow, and steps that copy their uow (``copy.deepcopy``) before failing.
"""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_stream import faulty, from_kinesis, from_sqs_event, initialize, lambda_handler
from lambda_stream.faults import MAX_FAULT_SIZE
from lambda_stream.testing import to_kinesis_records, to_sqs_event_records
from lambda_stream.utils.json import MAX_NESTING, dumps

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


# -- hostile records ------------------------------------------------------------------------------
SHARED = ValueError("one module-level exception object, raised for every failing uow")

# what a record's payload is made of, and whether it can be decoded
HOSTILE = {
    "plain": (lambda: "{}", True),
    "deep": (lambda: '{"a":' * 1000 + "1" + "}" * 1000, False),  # ~10 KB, past the limit
    "deep-ok": (lambda: '{"a":' * (MAX_NESTING - 3) + "1" + "}" * (MAX_NESTING - 3), True),
    "surrogate": (lambda: '"\\ud800"', False),
    "surrogate-pair": (lambda: '"\\ud83d\\ude00"', True),
    "nan": (lambda: "NaN", False),
    "infinity": (lambda: "[1,-Infinity]", False),
    "huge": (lambda: '"' + "h" * 300_000 + '"', True),  # its fault cannot carry it: a pointer
}

hostile_record = st.fixed_dictionaries(
    {
        "type": st.sampled_from(TYPES),
        "payload": st.sampled_from([*["plain"] * 6, *sorted(HOSTILE)]),
        "fails_in": st.frozensets(st.integers(min_value=0, max_value=2), max_size=2),
        "shared": st.booleans(),  # fail with SHARED instead of a fresh exception
        "copied": st.booleans(),  # the step deep-copies its uow before failing
    }
)


def make_hostile_pipeline(k: int, types: frozenset[str], seen: Counter[tuple[int, str]]) -> Any:
    def pipeline(opt: dict[str, Any]) -> Any:
        def step(uow: dict[str, Any]) -> dict[str, Any]:
            event = uow["event"]
            if k in event["fails_in"]:
                if event["copied"]:
                    return faulty(fail)(copy.deepcopy(uow))  # the error carries a copy
                return fail(uow)
            seen[(k, event["id"])] += 1
            return uow

        def fail(uow: dict[str, Any]) -> Any:
            if uow["event"]["shared"]:
                raise SHARED
            raise ValueError(f"pipeline {k} rejects {uow['event']['id']}")

        return lambda s: s.filter(lambda u: u["event"]["type"] in types).map(faulty(step))

    return pipeline


def hostile_batch(specs: list[dict[str, Any]], source: str) -> dict[str, Any]:
    events = [
        {
            "id": f"e{i}",
            "type": s["type"],
            "fails_in": sorted(s["fails_in"]),
            "shared": s["shared"],
            "copied": s["copied"],
            "payload": "PAYLOAD",
        }
        for i, s in enumerate(specs)
    ]
    batch = to_sqs_event_records(events) if source == "sqs" else to_kinesis_records(events)
    for i, s in enumerate(specs):
        text = dumps(events[i]).replace('"PAYLOAD"', HOSTILE[s["payload"]][0]())
        if source == "sqs":
            batch["Records"][i]["body"] = text
        else:
            batch["Records"][i]["kinesis"]["data"] = base64.b64encode(text.encode()).decode()
    return batch


@settings(max_examples=40, deadline=None)
@given(
    st.lists(hostile_record, min_size=1, max_size=12),
    pipelines,
    st.sampled_from(["sqs", "kinesis"]),
    st.booleans(),
)
def test_every_hostile_record_ends_exactly_one_way(
    specs: list[dict[str, Any]], pipe_types: list[frozenset[str]], source: str, report: bool
) -> None:
    batch = hostile_batch(specs, source)
    published: list[dict[str, Any]] = []

    def publish(**opt: Any) -> Any:
        return lambda s: s.tap(lambda u: published.append(u["event"]))

    seen: Counter[tuple[int, str]] = Counter()
    pipes = {f"p{k}": make_hostile_pipeline(k, t, seen) for k, t in enumerate(pipe_types)}
    with lambda_handler(
        initialize(pipes, {"publish": publish}),
        source=from_sqs_event if source == "sqs" else from_kinesis,
        partial_batch_response=True,
        faults_as_failures=report,
    ) as handler:
        response = handler(batch, None)
    assert response is not None

    expected_faults: Counter[int] = Counter()
    expected_seen: Counter[tuple[int, str]] = Counter()
    for i, s in enumerate(specs):
        if not HOSTILE[s["payload"]][1]:
            expected_faults[i] += 1  # one fault for the record, not one per pipeline
            continue
        for k, types in enumerate(pipe_types):
            if s["type"] in types:
                if k in s["fails_in"]:
                    expected_faults[i] += 1  # SHARED or not, copied or not: this uow's fault
                else:
                    expected_seen[(k, f"e{i}")] += 1
    assert seen == expected_seen

    records = batch["Records"]
    ids = [r["messageId"] if source == "sqs" else r["kinesis"]["sequenceNumber"] for r in records]
    reported = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    failed_idx = sorted(expected_faults)
    if report:
        assert published == []
        if not failed_idx:
            assert reported == []
        elif source == "sqs":
            assert reported == [ids[i] for i in failed_idx]
        else:
            assert reported == ids[failed_idx[0] :]
        return
    assert reported == []

    def index_of(fault: dict[str, Any]) -> int:
        uow = fault["uow"]
        if "record" in uow:
            return records.index(uow["record"])
        pointer = uow["pointer"]  # too big to carry its record: it points at it
        return ids.index(pointer["messageId"] if source == "sqs" else pointer["sequenceNumber"])

    assert Counter(index_of(f) for f in published) == expected_faults
    for f in published:
        assert f["type"] == "fault"
        text = dumps(f)  # strict JSON: no NaN, and it encodes to UTF-8
        assert len(text.encode("utf-8")) <= MAX_FAULT_SIZE
