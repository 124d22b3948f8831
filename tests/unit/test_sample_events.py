"""Every recorded AWS sample event (tests/events/aws-samples/, see sources.md there) through its sources.

Each record ends exactly one way: through the source alone it gives uows or one DecodeError (or is
filtered out); through the handler with a trivial pipeline it is processed, published as a fault
naming that record, or reported by its own identifier — never two of these, never none.
"""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambda_stream import (
    Stream,
    from_cron,
    from_dynamodb,
    from_event_bridge,
    from_firehose,
    from_kinesis,
    from_s3,
    from_sns,
    from_sqs,
    from_sqs_event,
    from_sqs_sns_s3,
    initialize,
    lambda_handler,
)
from lambda_stream.errors import DecodeError
from lambda_stream.utils.json import dumps

from .sources.helpers import collect

SAMPLES = Path(__file__).resolve().parents[1] / "events" / "aws-samples"
FILES = sorted(p.name for p in SAMPLES.glob("*.json"))
Source = Callable[[Any], Stream[Any]]


def load(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def kind(event: Any) -> str:
    if "deliveryStreamArn" in event:
        return "firehose"
    if "Records" not in event:
        return "cron" if event.get("detail-type") == "Scheduled Event" else "eventbridge"
    records = event["Records"]
    return str(records[0].get("eventSource") or records[0].get("EventSource")).removeprefix("aws:")


SOURCES: dict[str, list[Source]] = {
    "sqs": [from_sqs, from_sqs_event, from_sqs_sns_s3],
    "kinesis": [from_kinesis],
    "dynamodb": [from_dynamodb],
    "sns": [from_sns],
    "s3": [from_s3],
    "firehose": [from_firehose],
    "eventbridge": [from_event_bridge, from_cron],
    "cron": [from_cron, from_event_bridge],
}
BATCH_KINDS = {"sqs", "kinesis", "dynamodb"}  # partial batch responses exist for these
CASES = [(name, src) for name in FILES for src in SOURCES[kind(load(name))]]


def records_of(event: Any) -> list[Any]:
    if "deliveryStreamArn" in event:
        return list(event["records"])
    return list(event["Records"]) if "Records" in event else [event]


def identifier(record: Any) -> str | None:
    """The id AWS reports a record by (None for S3, SNS and EventBridge, which have no batch reports)."""
    if "recordId" in record:
        return str(record["recordId"])
    if "messageId" in record:
        return str(record["messageId"])
    if "kinesis" in record:
        return str(record["kinesis"]["sequenceNumber"])
    if "dynamodb" in record:
        return str(record["dynamodb"]["SequenceNumber"])
    return None


def position(records: list[Any], record: Any) -> int:
    """Where ``record`` (as a uow or a fault carries it) sits in the batch: exactly one place."""
    if isinstance(record, dict) and "sqs" in record and "s3" in record:
        record = record["sqs"]  # from_sqs_sns_s3
    at = [i for i, r in enumerate(records) if r == record]
    assert len(at) == 1, f"{record!r:.200} is not exactly one record of the batch"
    return at[0]


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.mark.parametrize(("name", "source"), CASES, ids=[f"{n}-{s.__name__}" for n, s in CASES])
def test_each_record_gives_uows_or_one_decode_error(name: str, source: Source) -> None:
    event = load(name)
    records = records_of(event)
    uows, errors = collect(source(copy.deepcopy(event)))
    assert all(isinstance(e, DecodeError) for e in errors), errors
    made = Counter(position(records, u["record"]) for u in uows)
    failed = Counter(position(records, e.uow["record"]) for e in errors)  # type: ignore[attr-defined]
    assert all(n == 1 for n in failed.values()) and not set(made) & set(failed)
    if source is not from_sqs_sns_s3:
        assert all(n == 1 for n in made.values())  # one uow per record
    for e in errors:
        dumps(e.uow)  # type: ignore[attr-defined]  # what the fault will carry is JSON
    dropped = len(records) - len(set(made) | set(failed))
    assert (len(uows), len(errors), dropped) == _expected(name, source)


def _expected(name: str, source: Source) -> tuple[int, int, int]:
    """What each source makes of each sample: decided by reading the sample, pinned here."""
    event = load(name)
    n = len(records_of(event))
    k = kind(event)
    if source is from_sqs:
        return (n, 0, 0)  # any body: JSON or plain text
    if source is from_sqs_sns_s3:
        s3 = {"powertools-test_events__sqs_sns_s3_event.json", "powertools-test_events__sqs_rawsns_s3_event.json",
              "powertools__s3SqsEvent.json"}  # fmt: skip
        return (n, 0, 0) if name in s3 else (0, n, 0)
    if source is from_sqs_event:
        return (0, n, 0)  # none of the recorded bodies is an event (no "type")
    if source is from_kinesis:
        return (0, n, 0)  # text, gzip, or JSON without "type": none is an event
    if source is from_dynamodb:
        if "KEYS_ONLY" in name or "OLD_IMAGE-INSERT" in name or "NEW_IMAGE-REMOVE" in name:
            return (0, n, 0)  # no image to derive the type from
        typed = {"ddb-streams-test__NEW_AND_OLD_IMAGES-INSERT.json", "ddb-streams-test__NEW_AND_OLD_IMAGES-MODIFY.json",
                 "ddb-streams-test__NEW_AND_OLD_IMAGES-REMOVE.json", "ddb-streams-test__NEW_IMAGE-INSERT.json",
                 "ddb-streams-test__NEW_IMAGE-MODIFY.json", "ddb-streams-test__OLD_IMAGE-MODIFY.json",
                 "ddb-streams-test__OLD_IMAGE-REMOVE.json"}  # fmt: skip
        return (n, 0, 0) if name in typed else (0, n, 0)  # the others' images have no "sk"/"discriminator"
    if source is from_firehose:
        return (0, n, 0)  # none of the recorded payloads is an event
    if source is from_event_bridge:
        return (0, 1, 0)  # AWS's own details are not events (no "type")
    if k in ("sns", "s3") or source is from_cron:
        return (n, 0, 0)
    raise AssertionError(f"no expectation for {name} through {source.__name__}")


def run_handler(
    event: Any, source: Source, *, report: bool
) -> tuple[Any, list[Any], list[dict[str, Any]], list[Any]]:
    """The response, the records the pipeline saw, the published faults, the records given."""
    seen: list[Any] = []
    published: list[dict[str, Any]] = []

    def pipeline(opt: dict[str, Any]) -> Any:
        def done(uow: dict[str, Any]) -> dict[str, Any]:
            seen.append(uow["record"])
            return {**uow, "result": "Ok", "data": b"ok"}  # a Firehose answer; ignored elsewhere

        return lambda s: s.map(done)

    def publish(**opt: Any) -> Any:
        return lambda s: s.tap(lambda u: published.append(u["event"]))

    records = records_of(event)
    with lambda_handler(
        initialize({"p": pipeline}, {"publish": publish}),
        source=source,
        partial_batch_response=kind(event) in BATCH_KINDS or (report and kind(event) == "firehose"),
        faults_as_failures=report,
    ) as handler:
        response = handler(event, None)
    return response, seen, published, records


@pytest.mark.parametrize(("name", "source"), CASES, ids=[f"{n}-{s.__name__}" for n, s in CASES])
def test_through_the_handler_each_record_ends_exactly_one_way(name: str, source: Source) -> None:
    event = load(name)
    uows, errors, _ = _expected(name, source)
    response, seen, published, records = run_handler(copy.deepcopy(event), source, report=False)
    processed = {position(records, r) for r in seen}
    faulted = Counter(position(records, f["uow"]["record"]) for f in published)
    assert all(n == 1 for n in faulted.values()) and not processed & set(faulted)
    assert sum(faulted.values()) == errors and (len(seen) == uows)
    assert all(f["type"] == "fault" and f["err"]["name"] == "DecodeError" for f in published)
    dumps(published)  # wire-ready
    if kind(event) == "firehose":
        answer = {r["recordId"]: r["result"] for r in response["records"]}
        assert list(answer) == [r["recordId"] for r in records]
        assert set(answer.values()) <= {"Dropped", "Ok"}  # a published fault drops the record
    elif kind(event) in BATCH_KINDS:
        assert response == {"batchItemFailures": []}  # faults were published, nothing to retry
    else:
        assert response is None


BATCH_CASES = [(n, s) for n, s in CASES if kind(load(n)) in BATCH_KINDS | {"firehose"}]


@pytest.mark.parametrize(("name", "source"), BATCH_CASES, ids=[f"{n}-{s.__name__}" for n, s in BATCH_CASES])
def test_reported_as_failures_each_record_is_named_by_its_identifier(name: str, source: Source) -> None:
    event = load(name)
    response, seen, published, records = run_handler(copy.deepcopy(event), source, report=True)
    assert published == []
    processed = {position(records, r) for r in seen}
    ids = [identifier(r) for r in records]
    if kind(event) == "firehose":
        failed = {r["recordId"] for r in response["records"] if r["result"] == "ProcessingFailed"}
        ok = {r["recordId"] for r in response["records"] if r["result"] == "Ok"}
        assert ok == {ids[i] for i in processed} and not ok & failed
        assert ok | failed == set(ids)
        for r in response["records"]:
            if r["result"] == "Ok":
                assert base64.b64decode(r["data"]) == b"ok"
        return
    reported = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    assert set(reported) <= set(ids)  # (two recorded samples repeat a sequence number)
    expected_bad = [
        i for i in range(len(records)) if i not in processed and _decodes_badly(records[i], source)
    ]
    if not expected_bad:
        assert reported == []
        return
    ordered = kind(event) in ("kinesis", "dynamodb") or records[0].get("attributes", {}).get("MessageGroupId")
    first = expected_bad[0]
    want = ids[first:] if ordered else [ids[i] for i in expected_bad]
    assert reported == want


def _decodes_badly(record: Any, source: Source) -> bool:
    batch = {"Records": [record]}
    if "dynamodb" in record:
        batch["Records"][0] = copy.deepcopy(record)
    return bool(collect(source(batch))[1])
