"""lambda_handler: one invocation at a time, found records, clean loops, Firehose answers, misuse."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import threading
from typing import Any

import pytest

from lambda_stream import (
    Stream,
    faulty,
    from_firehose,
    from_kinesis,
    from_sqs_event,
    from_sqs_sns_s3,
    initialize,
    lambda_handler,
)
from lambda_stream.errors import ConfigurationError
from lambda_stream.testing import (
    to_firehose_records,
    to_kinesis_records,
    to_sqs_event_records,
    to_sqs_sns_s3_records,
)

EVENTS = [{"id": f"e{i}", "type": "thing-created", "n": i} for i in range(6)]


def failing_copy(*ns: int, how: str = "deepcopy") -> Any:
    """A pipeline whose step copies the uow (deepcopy, or through JSON) before it fails."""

    def pipeline(opt: dict[str, Any]) -> Any:
        def step(uow: dict[str, Any]) -> dict[str, Any]:
            if uow["event"]["n"] in ns:
                clean = {k: v for k, v in uow.items() if k != "logger"}
                copied = copy.deepcopy(clean) if how == "deepcopy" else json.loads(json.dumps(clean))
                raise faulty(lambda u: (_ for _ in ()).throw(ValueError("bad")))(copied)
            return uow

        return lambda s: s.map(step)

    return pipeline


@pytest.mark.parametrize("how", ["deepcopy", "json"])
def test_a_copied_uow_is_reported_by_its_identifier(how: str) -> None:
    sqs = to_sqs_event_records(EVENTS)
    with lambda_handler(
        initialize({"p": failing_copy(1, 4, how=how)}, {}),
        source=from_sqs_event,
        partial_batch_response=True,
        faults_as_failures=True,
    ) as handler:
        ids = [r["messageId"] for r in sqs["Records"]]
        assert handler(sqs, None) == {
            "batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[4]}]
        }
        kinesis = to_kinesis_records(EVENTS)
        handler_k = lambda_handler(
            initialize({"p": failing_copy(2, how=how)}, {}),
            source=from_kinesis,
            partial_batch_response=True,
            faults_as_failures=True,
        )
        assert handler_k(kinesis, None) == {
            "batchItemFailures": [{"itemIdentifier": str(i)} for i in range(2, 6)]
        }
        handler_k.close()


def test_a_copied_sqs_sns_s3_uow_is_reported_by_its_sqs_message() -> None:
    def pipeline(opt: dict[str, Any]) -> Any:
        def boom(uow: dict[str, Any]) -> Any:
            raise ValueError("cannot read the object")

        return lambda s: s.map(lambda u: faulty(boom)(copy.deepcopy({**u, "logger": None})))

    event = to_sqs_sns_s3_records([{"bucket": {"name": "b"}, "object": {"key": k}} for k in ("k1", "k2")])
    with lambda_handler(
        initialize({"p": pipeline}, {}),
        source=from_sqs_sns_s3,
        partial_batch_response=True,
        faults_as_failures=True,
    ) as handler:
        ids = sorted(r["messageId"] for r in event["Records"])
        got = sorted(f["itemIdentifier"] for f in handler(event, None)["batchItemFailures"])  # type: ignore[index]
        assert got == ids


def test_concurrent_calls_from_two_threads_never_mix_invocations() -> None:
    """Each call runs alone on the handler's loop; each call's fault is reported by that call."""

    def pipeline(opt: dict[str, Any]) -> Any:
        async def slow(uow: dict[str, Any]) -> dict[str, Any]:
            await asyncio.sleep(0.01)
            if uow["event"]["type"] == "poison":
                raise faulty(lambda u: (_ for _ in ()).throw(ValueError("poison")))(uow)
            return uow

        return lambda s: s.map(slow, parallel=2)

    handler = lambda_handler(
        initialize({"p": pipeline}, {}),
        source=from_sqs_event,
        partial_batch_response=True,
        faults_as_failures=True,
    )
    batches = [
        to_sqs_event_records(
            [{**e, "id": f"t{t}-{e['id']}", "type": "poison" if e["n"] == t else "ok"} for e in EVENTS]
        )
        for t in range(4)
    ]
    results: dict[int, Any] = {}
    errors: list[BaseException] = []

    def call(t: int) -> None:
        try:
            results[t] = handler(batches[t], None)
        except BaseException as e:  # pragma: no cover - the failure is reported by the assert below
            errors.append(e)

    threads = [threading.Thread(target=call, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    handler.close()
    assert errors == []
    for t in range(4):
        assert results[t] == {
            "batchItemFailures": [{"itemIdentifier": batches[t]["Records"][t]["messageId"]}]
        }


def test_a_base_exception_out_of_a_step_leaves_the_next_invocation_clean() -> None:
    started: list[int] = []
    cancelled: list[int] = []

    def pipeline(opt: dict[str, Any]) -> Any:
        async def step(uow: dict[str, Any]) -> dict[str, Any]:
            n = uow["event"]["n"]
            if uow["event"]["type"] == "exit" and n == 0:
                raise SystemExit(3)
            started.append(n)
            try:
                await asyncio.sleep(0.05 if uow["event"]["type"] == "exit" else 0)
            except asyncio.CancelledError:
                cancelled.append(n)
                raise
            return uow

        return lambda s: s.map(step, parallel=4)

    handler = lambda_handler(
        initialize({"p": pipeline}, {}), source=from_kinesis, partial_batch_response=True
    )
    with pytest.raises(SystemExit):
        handler(to_kinesis_records([{**e, "type": "exit"} for e in EVENTS]), None)
    started.clear()
    assert handler(to_kinesis_records(EVENTS), None) == {"batchItemFailures": []}
    assert sorted(started) == list(range(6))  # only this invocation's work ran
    handler.close()


def test_inside_a_running_loop_the_call_says_to_await_invoke() -> None:
    handler = lambda_handler(initialize({"p": lambda opt: lambda s: s}, {}), source=from_kinesis)

    async def go() -> Any:
        with pytest.raises(RuntimeError, match=r"await handler\.invoke\(event, context\)"):
            handler(to_kinesis_records(EVENTS), None)
        return await handler.invoke(to_kinesis_records(EVENTS), None)

    assert asyncio.run(go()) is None
    handler.close()


def firehose_pipeline(opt: dict[str, Any]) -> Any:
    def transform(uow: dict[str, Any]) -> dict[str, Any]:
        if uow["event"]["n"] == 2:
            return uow  # keeps the default result: Dropped
        if uow["event"]["n"] == 3:
            raise faulty(lambda u: (_ for _ in ()).throw(ValueError("bad")))(uow)
        data = base64.b64encode(json.dumps({"n": uow["event"]["n"]}).encode() + b"\n").decode()
        return {
            **uow,
            "result": "Ok",
            "data": data,
            "metadata": {"partitionKeys": {"n": str(uow["event"]["n"])}},
        }

    return lambda s: s.map(transform)


@pytest.mark.parametrize("report", [False, True])
def test_a_firehose_transformation_is_answered_with_one_result_per_record(report: bool) -> None:
    event = to_firehose_records(EVENTS[:5])
    event["records"].append(
        {"recordId": "garbled", "approximateArrivalTimestamp": 1, "data": "SGVsbG8gV29ybGQ="}
    )
    published: list[Any] = []

    def publish(**opt: Any) -> Any:
        return lambda s: s.tap(lambda u: published.append(u["event"]))

    with lambda_handler(
        initialize({"t": firehose_pipeline}, {"publish": publish}),
        source=from_firehose,
        partial_batch_response=report,
        faults_as_failures=report,
    ) as handler:
        response = handler(event, None)
    assert response is not None and "records" in response
    records = response["records"]  # type: ignore[typeddict-item]
    assert [r["recordId"] for r in records] == [r["recordId"] for r in event["records"]]
    results = [r["result"] for r in records]
    failed = "ProcessingFailed" if report else "Dropped"  # a published fault drops its record
    assert results == ["Ok", "Ok", "Dropped", failed, "Ok", failed]
    assert json.loads(base64.b64decode(records[4]["data"])) == {"n": 4}
    assert records[2]["data"] == event["records"][2]["data"]
    assert records[4]["metadata"] == {"partitionKeys": {"n": "4"}}  # dynamic partitioning
    assert "metadata" not in records[2]
    assert len(published) == (0 if report else 2)


def test_misuse_fails_when_the_handler_is_built_or_called() -> None:
    with pytest.raises(ConfigurationError, match=r"pipeline 'p' returned None.*forget `return`"):
        initialize({"p": lambda opt: None}, {})
    with pytest.raises(ConfigurationError, match=r"source=from_kinesis"):
        lambda_handler(initialize({}, {}))
    with pytest.raises(ConfigurationError, match=r"takes initialize\(PIPELINES, OPT\)"):
        lambda_handler({"p": lambda opt: lambda s: s}, source=from_kinesis)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="initialize takes a mapping"):
        initialize([lambda opt: lambda s: s], {})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="partial_batch_response must be True or False"):
        lambda_handler(initialize({}, {}), source=from_kinesis, partial_batch_response="yes")  # type: ignore[arg-type]

    class NoneContext:
        def get_remaining_time_in_millis(self) -> Any:
            return None

    with lambda_handler(initialize({}, {}), source=from_kinesis) as handler:
        with pytest.raises(ConfigurationError, match=r"get_remaining_time_in_millis\(\) returned None"):
            handler(to_kinesis_records(EVENTS), NoneContext())
        bad_source = lambda_handler(initialize({}, {}), source=lambda e: [1, 2])  # type: ignore[arg-type,return-value]
        with pytest.raises(ConfigurationError, match="not a Stream"):
            bad_source(to_kinesis_records(EVENTS), None)
        bad_source.close()

    def not_a_stream(opt: dict[str, Any]) -> Any:
        return lambda s: [s]

    with pytest.raises(ConfigurationError, match=r"pipeline 'q': its step returned list, not a Stream"):
        initialize({"q": not_a_stream}, {}).assemble(Stream([]))


def test_from_sqs_where_from_sqs_event_was_meant_fails_loudly() -> None:
    from lambda_stream import from_sqs, on_event_type

    def pipeline(opt: dict[str, Any]) -> Any:
        return lambda s: s.filter(on_event_type({"event_type": "thing-created"}))

    wrong = lambda_handler(initialize({"p": pipeline}, {}), source=from_sqs, partial_batch_response=True)
    with wrong, pytest.raises(ConfigurationError, match="use from_sqs_event"):
        wrong(to_sqs_event_records(EVENTS), None)
    # the right source: every event matches
    with lambda_handler(
        initialize({"p": pipeline}, {}), source=from_sqs_event, partial_batch_response=True
    ) as handler:
        assert handler(to_sqs_event_records(EVENTS), None) == {"batchItemFailures": []}


def test_claim_check_stubs_are_redeemed_before_any_pipeline_sees_them() -> None:
    """As JS fromKinesis does; a uow without a stub costs one dict lookup and no S3 connector."""
    from tests.unit.sinks.fakes import FakeS3

    s3 = FakeS3(fail_keys={"lost"})
    full = {"id": "e1", "type": "thing-created", "thing": {"big": "x" * 100}}
    s3.objects[("b", "k1")] = json.dumps(full).encode()
    stubs = [
        {"id": "e1", "type": "thing-created", "s3": {"bucket": "b", "key": "k1"}},
        {"id": "e2", "type": "thing-created", "s3": {"bucket": "b", "key": "lost"}},
        {"id": "e3", "type": "thing-created", "thing": {"small": 1}},
    ]
    seen: list[Any] = []
    published: list[Any] = []

    def publish(**opt: Any) -> Any:
        return lambda s: s.tap(lambda u: published.append(u["event"]))

    pipes = initialize(
        {"p": lambda opt: lambda s: s.tap(lambda u: seen.append(u["event"]))},
        {"claim_check_connector": s3, "publish": publish},
    )
    with lambda_handler(pipes, source=from_kinesis, partial_batch_response=True) as handler:
        assert handler(to_kinesis_records(stubs), None) == {"batchItemFailures": []}
    assert seen == [full, {"id": "e3", "type": "thing-created", "thing": {"small": 1}}]
    assert [f["type"] for f in published] == ["fault"]  # the stub that could not be fetched, once
    assert published[0]["uow"]["record"]["kinesis"]["sequenceNumber"] == "1"


@pytest.mark.parametrize("cached", [True, False], ids=["cached connector", "connector= given to the step"])
def test_at_the_hard_deadline_the_handler_waits_for_aws_calls_in_flight(cached: bool) -> None:
    """A cancelled invocation cannot stop a boto3 call: its write must land before the handler
    answers (and before the next invocation), never after."""
    import time as clock

    from lambda_stream import update_dynamodb
    from lambda_stream.connectors import ConnectorCache, DynamoDBConnector

    class Context:
        def __init__(self, ms: float) -> None:
            self.end = clock.monotonic() + ms / 1000

        def get_remaining_time_in_millis(self) -> int:
            return int((self.end - clock.monotonic()) * 1000)

    finished: list[float] = []

    class SlowClient:  # stands in for boto3's client: a call that takes longer than the time left
        def update_item(self, **params: Any) -> dict[str, Any]:
            clock.sleep(3.3)
            finished.append(clock.monotonic())
            return {}

    cache = ConnectorCache()
    if cached:
        connector = cache.get(DynamoDBConnector, client=SlowClient(), parallel=64)
    else:  # not in the handler's cache: the step registers it there
        connector = DynamoDBConnector(client=SlowClient(), parallel=64)

    def pipeline(opt: dict[str, Any]) -> Any:
        def to_request(uow: dict[str, Any]) -> dict[str, Any]:
            return {
                **uow,
                "update_request": {"Key": {"pk": uow["event"]["id"]}, "UpdateExpression": "SET a = :a"},
            }

        return lambda s: s.map(to_request).through(
            update_dynamodb(table_name="t", connector=connector, **opt)
        )

    events = EVENTS[:1]
    with lambda_handler(
        initialize({"p": pipeline}, {"connectors": cache}), source=from_kinesis, partial_batch_response=True
    ) as handler:
        # 4 s left: soft stop at 2 s, hard stop at 3 s; the call ends at 3.3 s
        response = handler(to_kinesis_records(events), Context(4000))
        returned = clock.monotonic()
    assert response == {"batchItemFailures": [{"itemIdentifier": "0"}]}  # cancelled: reported
    assert finished and finished[0] <= returned  # the write landed before the handler answered
    assert connector.in_flight == 0
    cache.close()


def test_a_fault_without_a_publisher_is_reported_not_only_logged() -> None:
    """No BUS_NAME / publish: a fault only logged would let Lambda delete its record."""

    def pipeline(opt: dict[str, Any]) -> Any:
        def step(uow: dict[str, Any]) -> dict[str, Any]:
            if uow["event"]["n"] == 1:
                raise ValueError("poison")
            return uow

        return lambda s: s.map(faulty(step))

    sqs = to_sqs_event_records(EVENTS)
    with lambda_handler(
        initialize({"p": pipeline}, {}), source=from_sqs_event, partial_batch_response=True
    ) as h:
        assert h(sqs, None) == {"batchItemFailures": [{"itemIdentifier": sqs["Records"][1]["messageId"]}]}
    with (
        lambda_handler(initialize({"p": pipeline}, {}), source=from_sqs_event) as h,
        pytest.raises(ValueError, match="poison"),
    ):
        h(sqs, None)  # nothing to report it by: the invocation fails, Lambda retries


def test_a_misconfigured_fault_publisher_fails_when_the_pipelines_are_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lambda_stream import publish_to_event_bridge

    monkeypatch.delenv("BUS_NAME", raising=False)
    with pytest.raises(ConfigurationError, match="bus_name"):
        initialize({"p": lambda opt: lambda s: s}, {"publish": publish_to_event_bridge})


def test_initialize_checks_its_own_options() -> None:
    p = {"p1": lambda opt: lambda s: s, "p10": lambda opt: lambda s: s}
    with pytest.raises(
        ConfigurationError,
        match=r"initialize: unknown option 'disable_pipelines' \(did you mean 'disabled_pipelines'\?\)",
    ):
        initialize(p, {"disable_pipelines": ["p1"]})
    with pytest.raises(ConfigurationError, match="did you mean 'enabled_pipelines'"):
        initialize(p, {"enabledPipelines": ["p1"]})
    assert initialize(p, {"enabled_pipelines": "p10"}).ids == ["p10"]  # ids, never substrings
    assert initialize(p, {"disabled_pipelines": "p10"}).ids == ["p1"]


def test_two_collect_rules_for_one_event_type_fail_when_built() -> None:
    from lambda_stream import collect, initialize_from

    with pytest.raises(ConfigurationError, match=r"rule c2: event type 'b' is already collected by rule c1"):
        initialize_from(
            [
                {"id": "c1", "flavor": collect, "event_type": ["a", "b"]},
                {"id": "c2", "flavor": collect, "event_type": "b"},
            ]
        )
    assert (
        len(
            initialize_from(
                [
                    {"id": "c1", "flavor": collect, "event_type": "a"},
                    {"id": "c2", "flavor": collect, "event_type": "b"},
                ]
            )
        )
        == 2
    )


def test_the_soft_margin_must_not_be_below_the_hard_one() -> None:
    with pytest.raises(ConfigurationError, match=r"soft_margin_ms .* must be >= hard_margin_ms"):
        lambda_handler(initialize({}, {}), source=from_kinesis, soft_margin_ms=0, hard_margin_ms=1000)
