"""lambda_handler: one loop per container, partial batch responses, the deadline."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from lambda_stream import (
    Stream,
    faulty,
    from_dynamodb,
    from_kinesis,
    from_sqs_event,
    initialize,
    lambda_handler,
)
from lambda_stream.errors import DeadlineExceededError
from lambda_stream.testing import to_dynamodb_records, to_kinesis_records, to_sqs_event_records


class Context:
    """The part of the Lambda context the handler reads."""

    def __init__(self, remaining_ms: float) -> None:
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


EVENTS = [{"id": f"e{i}", "type": "thing-created", "n": i} for i in range(8)]


def fails_on(*ns: int) -> Any:
    def pipeline(opt: dict[str, Any]) -> Any:
        def step(uow: dict[str, Any]) -> dict[str, Any]:
            if uow["event"]["n"] in ns:
                raise ValueError(uow["event"]["id"])
            return uow

        return lambda s: s.map(faulty(step))

    return pipeline


def test_one_event_loop_per_container() -> None:
    loops: list[Any] = []

    def build(event: dict[str, Any], context: Any) -> Stream[Any]:
        return from_kinesis(event).tap(lambda u: loops.append(asyncio.get_running_loop()))

    handler = lambda_handler(build)
    assert handler(to_kinesis_records(EVENTS[:1]), None) is None
    handler(to_kinesis_records(EVENTS[:1]), None)
    assert loops[0] is loops[1]


def test_sqs_faults_as_failures_reports_exactly_the_faulted_messages() -> None:
    event = to_sqs_event_records(EVENTS)
    handler = lambda_handler(
        initialize({"p": fails_on(2, 5)}, {}),
        source=from_sqs_event,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    response = handler(event, Context(60_000))
    ids = [r["messageId"] for r in event["Records"]]
    assert response == {"batchItemFailures": [{"itemIdentifier": ids[2]}, {"itemIdentifier": ids[5]}]}


def test_kinesis_reports_from_the_first_failure_onwards() -> None:
    event = to_kinesis_records(EVENTS)
    handler = lambda_handler(
        initialize({"p": fails_on(5, 3)}, {}),
        source=from_kinesis,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    response = handler(event, Context(60_000))
    assert response == {"batchItemFailures": [{"itemIdentifier": str(i)} for i in range(3, 8)]}


def test_dynamodb_identifier_is_the_sequence_number() -> None:
    event = to_dynamodb_records(
        [
            {
                "timestamp": 1,
                "keys": {"pk": str(i), "sk": "thing"},
                "newImage": {"pk": str(i), "sk": "thing", "n": i},
            }
            for i in range(4)
        ]
    )

    def pipeline(opt: dict[str, Any]) -> Any:
        def step(uow: dict[str, Any]) -> dict[str, Any]:
            if uow["event"]["raw"]["new"]["n"] == 2:
                raise ValueError("two")
            return uow

        return lambda s: s.map(faulty(step))

    handler = lambda_handler(
        initialize({"p": pipeline}, {}),
        source=from_dynamodb,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    assert handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}


def test_no_failures_gives_an_empty_list() -> None:
    handler = lambda_handler(
        initialize({"p": fails_on()}, {}),
        source=from_sqs_event,
        partial_batch_response=True,
    )
    assert handler(to_sqs_event_records(EVENTS), Context(60_000)) == {"batchItemFailures": []}


def slow_pipeline(opt: dict[str, Any]) -> Any:
    async def slow(uow: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0.1)
        return uow

    return lambda s: s.map(slow)


def run_past_the_soft_deadline(pipes: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """An SQS batch of 100 ms records with 1 s left (the soft margin is clamped to half of it, so the
    gate closes after ~0.5 s, i.e. after about 5 records): (processed, reported, all ids)."""
    event = to_sqs_event_records(EVENTS)
    processed: list[str] = []

    def noting(pipeline: Any) -> Any:
        def wrapped(opt: dict[str, Any]) -> Any:
            step = pipeline(opt)
            return lambda s: step(s).tap(lambda u: processed.append(u["record"]["messageId"]))

        return wrapped

    handler = lambda_handler(
        initialize({pid: noting(p) for pid, p in pipes.items()}, {}),
        source=from_sqs_event,
        partial_batch_response=True,
        soft_margin_ms=5000,
        hard_margin_ms=100,
    )
    response = handler(event, Context(1000))
    assert response is not None
    reported = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    return processed, reported, [r["messageId"] for r in event["Records"]]


def test_soft_deadline_stops_pulling_and_reports_the_unstarted_records() -> None:
    processed, reported, ids = run_past_the_soft_deadline({"p": slow_pipeline})
    assert 0 < len(processed) < len(ids)
    # every record is either processed or reported, never both, never neither
    assert sorted(processed + reported) == sorted(ids)
    assert reported == ids[len(processed) :]


def test_without_partial_responses_a_deadline_fails_the_invocation() -> None:
    handler = lambda_handler(initialize({"p": slow_pipeline}, {}), source=from_sqs_event, soft_margin_ms=5000)
    with pytest.raises(DeadlineExceededError, match="not processed in time"):
        handler(to_sqs_event_records(EVENTS), Context(1000))


def test_hard_deadline_cancels_in_flight_work_and_reports_every_record() -> None:
    cancelled: list[bool] = []

    def stuck(opt: dict[str, Any]) -> Any:
        async def wait(uow: dict[str, Any]) -> dict[str, Any]:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancelled.append(True)
                raise
            return uow

        return lambda s: s.map(wait, parallel=4)

    event = to_kinesis_records(EVENTS)
    handler = lambda_handler(
        initialize({"p": stuck}, {}),
        source=from_kinesis,
        partial_batch_response=True,
        soft_margin_ms=200,
        hard_margin_ms=100,
    )
    response = handler(event, Context(300))
    assert response == {"batchItemFailures": [{"itemIdentifier": str(i)} for i in range(8)]}
    assert cancelled == [True] * 4


def test_an_error_without_a_uow_fails_the_invocation() -> None:
    def pipeline(opt: dict[str, Any]) -> Any:
        def boom(uow: Any) -> Any:
            raise KeyError("unexpected")

        return lambda s: s.map(boom)

    handler = lambda_handler(
        initialize({"p": pipeline}, {}), source=from_sqs_event, partial_batch_response=True
    )
    with pytest.raises(KeyError):
        handler(to_sqs_event_records(EVENTS), Context(60_000))


def test_faults_reported_as_failures_are_not_also_published() -> None:
    published: list[Any] = []

    def publish(**opt: Any) -> Any:
        return lambda s: s.tap(published.append)

    handler = lambda_handler(
        initialize({"p": fails_on(1)}, {"publish": publish}),
        source=from_sqs_event,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    event = to_sqs_event_records(EVENTS)
    response = handler(event, Context(60_000))
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert published == []
    # the same pipelines behind a handler that publishes faults
    publishing = lambda_handler(
        initialize({"p": fails_on(1)}, {"publish": publish}),
        source=from_sqs_event,
        partial_batch_response=True,
    )
    assert publishing(event, Context(60_000)) == {"batchItemFailures": []}
    assert [u["event"]["type"] for u in published] == ["fault"]


def test_a_configuration_error_fails_the_invocation_instead_of_faulting_every_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lambda_stream import update_dynamodb
    from lambda_stream.errors import ConfigurationError

    for name in ("ENTITY_TABLE_NAME", "EVENT_TABLE_NAME"):
        monkeypatch.delenv(name, raising=False)

    class NeverCalled:
        async def update_item(self, params: Any) -> Any:
            raise AssertionError("no table: the call must not be made")

    def pipeline(opt: dict[str, Any]) -> Any:
        to_request = lambda u: {**u, "update_request": {"Key": {"pk": u["event"]["id"]}}}  # noqa: E731
        return lambda s: s.map(to_request).through(update_dynamodb(connector=NeverCalled()))

    handler = lambda_handler(
        initialize({"p": pipeline}, {}), source=from_sqs_event, partial_batch_response=True
    )
    with pytest.raises(ConfigurationError, match="update_dynamodb: no 'table_name' option"):
        handler(to_sqs_event_records(EVENTS), Context(60_000))


def test_a_steps_own_timeout_error_is_raised_not_taken_for_the_deadline() -> None:
    def pipeline(opt: dict[str, Any]) -> Any:
        def boom(uow: Any) -> Any:
            raise TimeoutError("socket read timed out")

        return lambda s: s.map(boom)

    for context in (None, Context(60_000)):
        handler = lambda_handler(
            initialize({"p": pipeline}, {}),
            source=from_kinesis,
            partial_batch_response=True,
        )
        with pytest.raises(TimeoutError, match="socket read timed out"):
            handler(to_kinesis_records(EVENTS), context)


def test_faults_as_failures_maps_an_sqs_sns_s3_fault_to_its_sqs_record() -> None:
    from lambda_stream import from_sqs_sns_s3
    from lambda_stream.testing import to_sqs_sns_s3_records

    def pipeline(opt: dict[str, Any]) -> Any:
        def boom(uow: Any) -> Any:
            raise ValueError("cannot read the object")

        return lambda s: s.map(faulty(boom))

    event = to_sqs_sns_s3_records([{"bucket": {"name": "b"}, "object": {"key": "k1"}}])
    handler = lambda_handler(
        initialize({"p": pipeline}, {}),
        source=from_sqs_sns_s3,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    assert handler(event, None) == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]
    }


def test_faults_as_failures_without_records_to_report_fails_the_invocation() -> None:
    from lambda_stream import from_event_bridge
    from lambda_stream.testing import to_event_bridge_record

    def pipeline(opt: dict[str, Any]) -> Any:
        def boom(uow: Any) -> Any:
            raise ValueError("not this one")

        return lambda s: s.map(faulty(boom))

    handler = lambda_handler(
        initialize({"p": pipeline}, {}),
        source=from_event_bridge,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    with pytest.raises(ValueError, match="not this one"):
        handler(to_event_bridge_record(EVENTS[0]), None)


def test_a_short_timeout_still_gets_the_work_done() -> None:
    """Lambda's default timeout is 3 s: the default 5 s soft margin must not stop every record."""
    handler = lambda_handler(
        initialize({"p": fails_on()}, {}),
        source=from_sqs_event,
        partial_batch_response=True,
    )
    assert handler(to_sqs_event_records(EVENTS), Context(3000)) == {"batchItemFailures": []}


def test_the_soft_deadline_holds_with_several_pipelines_reading_ahead() -> None:
    quick = lambda opt: lambda s: s.filter(lambda u: False)  # noqa: E731
    processed, reported, ids = run_past_the_soft_deadline({"slow": slow_pipeline, "quick": quick})
    assert 0 < len(processed) < len(ids)
    assert sorted(processed + reported) == sorted(ids)


def test_an_event_bridge_event_skipped_at_the_deadline_fails_the_invocation() -> None:
    from lambda_stream import from_event_bridge
    from lambda_stream.testing import to_event_bridge_record

    seen: list[Any] = []

    def slow_source(e: dict[str, Any]) -> Stream[Any]:
        time.sleep(0.6)  # a slow source: the soft deadline (0.5 s) passes before the pipeline runs
        return from_event_bridge(e)

    handler = lambda_handler(
        initialize({"p": lambda opt: lambda s: s.tap(seen.append)}, {}),
        source=slow_source,
        soft_margin_ms=5000,
        hard_margin_ms=100,
    )
    with pytest.raises(DeadlineExceededError):
        handler(to_event_bridge_record(EVENTS[0]), Context(1000))
    assert seen == []


def test_a_batch_fault_with_a_member_without_a_record_fails_the_invocation() -> None:
    from lambda_stream import to_batch_uow

    def pipeline(opt: dict[str, Any]) -> Any:
        def derive(uow: dict[str, Any]) -> dict[str, Any]:
            return {"event": uow["event"]} if uow["event"]["n"] == 6 else uow  # drops the record

        def boom(batch_uow: dict[str, Any]) -> Any:
            if any(u["event"]["n"] == 6 for u in batch_uow["batch"]):
                raise ValueError("batch failed")
            return batch_uow

        return lambda s: s.map(derive).batch(2).map(to_batch_uow).map(faulty(boom))

    handler = lambda_handler(
        initialize({"p": pipeline}, {}),
        source=from_sqs_event,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    with pytest.raises(ValueError, match="batch failed"):
        handler(to_sqs_event_records(EVENTS), Context(60_000))
