"""Declared options of the sinks and queries: near misses, wrong types, JS-named requests, non-uows."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest

import lambda_stream.queries as queries
import lambda_stream.sinks as sinks
from lambda_stream.config import LIBRARY_OPTIONS, SHARED_OPTIONS, Settings, declared_options
from lambda_stream.core import Stream
from lambda_stream.errors import ConfigurationError
from lambda_stream.sinks import (
    invoke_lambda,
    publish_to_event_bridge,
    publish_to_kinesis,
    publish_to_sns,
    put_dynamodb,
    put_object_to_s3,
    send_to_sqs,
    update_dynamodb,
)
from lambda_stream.sinks._batched import entry_size
from lambda_stream.sinks.claim_check import claim_check_key

from .fakes import Failed, FakeBatch, FakeDynamoDB, FakeS3, Gate, run, uows


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PARALLEL",
        "UPDATE_PARALLEL",
        "PUBLISH_MAX_REQ_SIZE",
        "MAX_REQ_SIZE",
        "CLAIMCHECK_BUCKET_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-west-2")


# -- near misses fail when the step is built ------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: update_dynamodb(paralel=16),
            r"update_dynamodb: unknown option 'paralel' \(did you mean 'parallel'\?\)",
        ),
        (
            lambda: update_dynamodb(Parallel=16),
            r"update_dynamodb: unknown option 'Parallel' \(did you mean 'parallel'\?\)",
        ),
        (
            lambda: publish_to_event_bridge(bus_name="b", batchSize=5),
            r"publish_to_event_bridge: unknown option 'batchSize' \(did you mean 'batch_size'\?\)",
        ),
        (
            lambda: update_dynamodb(table_name="t", conector=FakeDynamoDB()),
            r"update_dynamodb: unknown option 'conector' \(did you mean 'connector'\?\)",
        ),
        (lambda: update_dynamodb(tableName="t"), r"did you mean 'table_name'"),
        (lambda: publish_to_event_bridge(busName="b"), r"did you mean 'bus_name'"),
        (lambda: send_to_sqs(queueUrl="q"), r"did you mean 'queue_url'"),
    ],
)
def test_a_near_miss_fails_when_the_step_is_built(build: Callable[[], Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: update_dynamodb(parallel="4"),
            r"update_dynamodb: parallel must be a positive integer, got '4'",
        ),
        (lambda: update_dynamodb(parallel=0), r"parallel must be a positive integer, got 0"),
        (
            lambda: update_dynamodb(throw_condition_failure="yes"),
            r"throw_condition_failure must be True or False",
        ),
        (
            lambda: update_dynamodb(update_request_field=""),
            r"update_request_field must be a non-empty string",
        ),
        (lambda: update_dynamodb(table_name=5), r"update_dynamodb: table_name must be a string, got 5"),
        (
            lambda: publish_to_event_bridge(bus_name="b", batch_size=None),
            r"batch_size must be a positive integer",
        ),
        (
            lambda: publish_to_event_bridge(bus_name="b", compression_ignore="tags"),
            r"compression_ignore must be a list",
        ),
        (lambda: queries.batch_get_dynamodb(decrypt=1), r"batch_get_dynamodb: decrypt must be a function"),
        (
            lambda: update_dynamodb(connector=object()),
            r"update_dynamodb: connector object has no update_item\(\)",
        ),
        (
            lambda: update_dynamodb(settings={"parallel": 2}),
            r"settings must be a lambda_stream.config.Settings",
        ),
    ],
)
def test_a_wrong_type_fails_when_the_step_is_built_naming_the_option(
    build: Callable[[], Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build()


def test_the_pipeline_options_can_be_spread_in() -> None:
    opt = {"id": "p1", "bus_name": "b", "batch_size": 5, "my_own": 1, "settings": Settings(), "debug": ""}
    out = run(
        [{"update_request": {"Key": {"pk": "1"}}}],
        update_dynamodb(**opt, table_name="t", connector=FakeDynamoDB()),
    )
    assert out[0]["update_response"] == {"Attributes": {"ok": True}}


def test_defaults_are_visible_in_the_signature() -> None:
    sig = str(inspect.signature(update_dynamodb))
    assert "parallel: 'int' = env('UPDATE_PARALLEL', 'PARALLEL', default=4)" in sig
    assert "update_request_field: 'str' = 'update_request'" in sig
    assert "**shared: 'Any'" in sig


# -- environment-backed defaults: one Settings, read once -----------------------------------------


def test_settings_reads_the_environment_once() -> None:
    s = Settings.from_env({"UPDATE_PARALLEL": "3", "PARALLEL": "0", "BUS_NAME": "b", "ENTITY_TABLE_NAME": ""})
    assert s.update_parallel == 3 and s.parallel is None and s.bus_name == "b" and s.entity_table_name is None
    with pytest.raises(ConfigurationError, match=r"PARALLEL='x' is not an integer"):
        Settings.from_env({"PARALLEL": "x"})
    with pytest.raises(AttributeError):
        s.parallel = 4  # type: ignore[misc]  # frozen


def test_a_step_takes_its_defaults_from_the_pipeline_settings() -> None:
    gate = Gate(3)
    fake = FakeDynamoDB(gate)
    step = update_dynamodb(settings=Settings(update_parallel=3, entity_table_name="T"), connector=fake)
    run([{"update_request": {"Key": {"pk": i}}} for i in range(9)], step)
    assert gate.peak == 3 and fake.requests[0]["TableName"] == "T"


def test_without_settings_a_step_reads_the_environment_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPDATE_PARALLEL", "2")
    gate = Gate(2)
    step = update_dynamodb(table_name="t", connector=FakeDynamoDB(gate))
    monkeypatch.setenv("UPDATE_PARALLEL", "5")  # too late: read when built
    run([{"update_request": {"Key": {"pk": i}}} for i in range(4)], step)
    assert gate.peak == 2


def test_default_options_carry_the_settings() -> None:
    from lambda_stream.pipelines import default_options

    opt = default_options({"BUS_NAME": "bus", "PUBLISH_PARALLEL": "6"})
    assert opt["settings"] == Settings(bus_name="bus", publish_parallel=6)


def test_default_options_refuse_a_near_miss() -> None:
    from lambda_stream.pipelines import default_options

    with pytest.raises(
        ConfigurationError, match=r"default_options: unknown option 'busName' \(did you mean 'bus_name'\?\)"
    ):
        default_options({}, busName="b")
    assert default_options({}, my_own=1, parallel=2)["my_own"] == 1


def _exported_steps() -> dict[str, Callable[..., Any]]:
    steps: dict[str, Callable[..., Any]] = {}
    for module in (sinks, queries):
        for name in module.__all__:
            fn = getattr(module, name)
            params = inspect.signature(inspect.unwrap(fn)).parameters.values()
            if any(p.kind is p.VAR_KEYWORD for p in params):
                steps[name] = fn
    return steps


def test_library_options_are_exactly_the_declared_options_of_the_exported_steps() -> None:
    steps = _exported_steps()
    assert {"update_dynamodb", "send_to_sqs", "scan_split_dynamodb", "page_objects_from_s3"} <= set(steps)
    declared = set().union(*(declared_options(fn) for fn in steps.values()))
    assert declared - SHARED_OPTIONS == LIBRARY_OPTIONS


def test_every_exported_step_declares_keyword_only_options_and_checks_them() -> None:
    for name, fn in _exported_steps().items():
        params = list(inspect.signature(inspect.unwrap(fn)).parameters.values())
        assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params), name
        option = sorted(declared_options(fn))[0]
        with pytest.raises(ConfigurationError, match=rf"{fn.__name__}: unknown option '{option.title()}'"):
            fn(**{option.title(): 2})


# -- misuse while running: JS-named requests, non-uows ---------------------------------------------


class AnyApi:
    """Answers every connector method (enough for the checks that run before any call)."""

    parallel = 64

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any) -> Any:
            return {}

        return call


@pytest.mark.parametrize(
    ("make", "js", "key"),
    [
        (lambda c: update_dynamodb(table_name="t", connector=c), "updateRequest", "update_request"),
        (lambda c: put_dynamodb(table_name="t", connector=c), "putRequest", "put_request"),
        (lambda c: publish_to_sns(connector=c), "publishRequest", "message"),
        (lambda c: send_to_sqs(queue_url="q", connector=c), "sendRequest", "message"),
        (lambda c: put_object_to_s3(connector=c), "putObjectRequest", "put_request"),
        (lambda c: put_object_to_s3(connector=c), "putRequest", "put_request"),
        (lambda c: invoke_lambda(connector=c), "invokeRequest", "invoke_request"),
        (lambda c: queries.batch_get_dynamodb(connector=c), "batchGetRequest", "batch_get_request"),
        (lambda c: queries.query_all_dynamodb(table_name="t", connector=c), "queryRequest", "query_request"),
        (lambda c: queries.get_object_from_s3(connector=c), "getRequest", "get_request"),
        (lambda c: sinks.delete_object_from_s3(connector=c), "deleteRequest", "delete_request"),
        (lambda c: queries.scan_split_dynamodb(table_name="t", connector=c), "scanRequest", "scan_request"),
    ],
)
def test_a_uow_with_only_the_js_named_request_fails_naming_the_python_key(
    make: Callable[[Any], Any], js: str, key: str
) -> None:
    out = run([{js: {"Key": "k"}}], make(AnyApi()))
    assert isinstance(out[0], Failed) and isinstance(out[0].error, ConfigurationError)
    assert f"the uow has {js!r} (the JS name) but no {key!r}" in str(out[0].error)
    assert out[0].uow is None  # not a fault to set aside: the invocation fails, the code is fixed


@pytest.mark.parametrize(
    "make",
    [
        lambda: update_dynamodb(table_name="t", connector=FakeDynamoDB(), id="p1"),
        lambda: publish_to_event_bridge(bus_name="b", connector=FakeBatch(), id="p1"),
        lambda: publish_to_kinesis(stream_name="s", connector=FakeBatch(), id="p1"),
        lambda: send_to_sqs(queue_url="q", connector=FakeBatch(), id="p1"),
    ],
)
def test_a_map_step_returning_none_before_a_sink_fails_naming_the_sink_and_the_pipeline(
    make: Callable[[], Callable[[Stream[Any]], Stream[Any]]],
) -> None:
    step = make()

    async def go() -> None:
        await Stream([{"event": {"id": "1"}}]).map(lambda uow: None).through(step).to_list()

    with pytest.raises(
        ConfigurationError, match=r"\(pipeline 'p1'\): expected a uow \(a dict\), got NoneType None"
    ):
        asyncio.run(go())


# -- defaults of issue 10 ----------------------------------------------------------------------------


def test_event_bridge_and_sqs_default_to_1_mib_requests() -> None:
    eb, sqs = FakeBatch(), FakeBatch()
    events = uows(7)
    for u in events:
        u["event"]["blob"] = "x" * 300_000
    out = run(events, publish_to_event_bridge(connector=eb, bus_name="b", compression_threshold=0))
    assert not any(isinstance(u, Failed) for u in out)
    assert [len(c) for c in eb.calls] == [3, 3, 1]
    run(
        [{"message": {"MessageBody": "m" * 300_000}} for _ in range(4)],
        send_to_sqs(connector=sqs, queue_url="q"),
    )
    assert [len(c) for c in sqs.calls] == [3, 1]


def test_claim_check_keys_use_the_js_layout() -> None:
    jan_5_0307 = 1767582420000  # 2026-01-05T03:07:00Z
    assert claim_check_key({"id": "e1"}, jan_5_0307) == "us-west-2/claimchecks/2026/01/05/03/e1"
    dec_31_2300 = 1767222000000  # 2025-12-31T23:00:00Z
    assert claim_check_key({"id": "e2"}, dec_31_2300) == "us-west-2/claimchecks/2025/12/31/23/e2"


# -- building an entry: any error is that uow's, sizing never raises --------------------------------


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "bad",
    [
        {"thing": object()},  # not JSON
        {"thing": _nested(100_000)},  # deeper than the encoder can go
        {"thing": float("nan")},  # not JSON: JSON.parse rejects it
    ],
)
@pytest.mark.parametrize("sink", ["event_bridge", "kinesis", "firehose"])
def test_an_event_that_cannot_become_an_entry_faults_its_own_uow(bad: dict[str, Any], sink: str) -> None:
    fake = FakeBatch()
    make = {
        "event_bridge": lambda: publish_to_event_bridge(bus_name="b", connector=fake),
        "kinesis": lambda: publish_to_kinesis(stream_name="s", connector=fake),
        "firehose": lambda: sinks.send_to_firehose(delivery_stream_name="d", connector=fake),
    }[sink]
    items = uows(3)
    items[1]["event"].update(bad)
    out = run(items, make())
    failed = [u for u in out if isinstance(u, Failed)]
    assert len(failed) == 1 and failed[0].uow is not None and failed[0].uow["event"]["id"] == "1"
    assert [u["event"]["id"] for u in out if not isinstance(u, Failed)] == ["0", "2"]


def test_sqs_a_message_that_cannot_be_sized_or_checked_faults_its_own_uow() -> None:
    fake = FakeBatch()
    items: list[Any] = [
        {"message": {"MessageBody": "ok"}},
        {"message": "not a dict"},
        {"message": {"MessageBody": "x", "MessageAttributes": "junk"}},
    ]
    out = run(items, send_to_sqs(queue_url="q", connector=fake))
    failed = [u for u in out if isinstance(u, Failed)]
    assert len(failed) == 1 and isinstance(failed[0].error, ConfigurationError) and failed[0].uow is None
    assert "send_to_sqs: uow['message'] must be a dict of request parameters, got str" in str(failed[0].error)
    assert [u["send_response"]["Id"] for u in out if not isinstance(u, Failed)] == ["r1-0", "r1-1"]


def test_a_lone_surrogate_is_published_escaped() -> None:
    items = uows(1)
    items[0]["event"]["thing"] = "\ud800"
    out = run(items, publish_to_kinesis(stream_name="s", connector=FakeBatch()))
    assert b'"thing":"\\ud800"' in out[0]["publish_request_entry"]["Data"]


def test_entry_size_never_raises() -> None:
    assert entry_size(_nested(200_000)) == 4
    assert entry_size({"a": "\ud800", "b": b"12", "c": [1, None, "é"]}) == 3 + 2 + 2
    assert entry_size(object()) == 0


def test_a_claim_check_body_is_the_event_json() -> None:
    s3 = FakeS3()
    items = uows(1)
    items[0]["event"]["blob"] = "z" * 2_000_000
    out = run(
        items,
        publish_to_event_bridge(
            bus_name="b",
            connector=FakeBatch(),
            compression_threshold=0,
            claim_check_bucket_name="cc",
            claim_check_connector=s3,
        ),
    )
    key = json.loads(out[0]["publish_request_entry"]["Detail"])["s3"]["key"]
    assert json.loads(s3.objects[("cc", key)])["blob"] == "z" * 2_000_000


def test_a_step_applied_unbuilt_or_given_its_options_as_a_dict_says_how() -> None:
    async def unbuilt() -> None:
        await Stream([{"x": 1}]).through(update_dynamodb).to_list()  # type: ignore[arg-type]

    with pytest.raises(
        ConfigurationError, match=r"update_dynamodb was applied to a stream unbuilt: build it first"
    ):
        asyncio.run(unbuilt())
    with pytest.raises(
        ConfigurationError, match=r"update_dynamodb takes its options as keywords: update_dynamodb\(\*\*opt\)"
    ):
        update_dynamodb({"table_name": "t"})


def test_a_connector_class_instead_of_an_instance_is_refused() -> None:
    with pytest.raises(
        ConfigurationError, match=r"connector is the class FakeDynamoDB, not a connector: pass an instance"
    ):
        update_dynamodb(table_name="t", connector=FakeDynamoDB)


def test_a_request_that_is_not_a_dict_fails_naming_the_field() -> None:
    out = run(
        [{"update_request": "SET a = 1"}], update_dynamodb(table_name="t", connector=FakeDynamoDB(), id="p9")
    )
    assert isinstance(out[0], Failed) and isinstance(out[0].error, ConfigurationError)
    assert "update_dynamodb (pipeline 'p9'): uow['update_request'] must be a dict" in str(out[0].error)
