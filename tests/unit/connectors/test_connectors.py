"""Connectors with fake clients (no network): threads, laziness, caching, per-service shaping."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import threading
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambda_stream.connectors import (
    ConnectorCache,
    DynamoDBConnector,
    EventBridgeConnector,
    KinesisConnector,
    LambdaConnector,
    S3Connector,
    SnsConnector,
    SqsConnector,
)
from lambda_stream.core import Stream
from lambda_stream.errors import BatchEntriesFailedError, ConfigurationError, ConnectorError, NotFoundError
from lambda_stream.sinks import publish_to_event_bridge


class FakeClient:
    """Answers ``client.<operation>(**params)`` from a handler; records calls and their threads."""

    def __init__(self, **handlers: Any) -> None:
        self.handlers = handlers
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.threads: set[str] = set()

    def __getattr__(self, operation: str) -> Any:
        if operation not in self.handlers:
            raise AttributeError(operation)

        def call(**params: Any) -> Any:
            self.calls.append((operation, params))
            self.threads.add(threading.current_thread().name)
            return self.handlers[operation](**params)

        return call


def test_constructing_a_connector_does_not_import_boto3() -> None:
    code = (
        "import sys\n"
        "import lambda_stream.connectors as all_connectors\n"
        "import lambda_stream.connectors.dynamodb as m\n"
        "m.DynamoDBConnector(); all_connectors.SqsConnector(parallel=4)\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_client_is_created_lazily_once_with_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    connector = SqsConnector(parallel=24, timeout=3.0, max_attempts=5, retry_mode="standard")
    assert connector._client is None
    client = connector.client
    assert connector.client is client
    config = client.meta.config
    assert config.max_pool_connections == 24
    assert (config.connect_timeout, config.read_timeout) == (3.0, 3.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 5}  # 5 attempts in all
    assert client.meta.region_name == "eu-west-1"  # AWS_REGION wins over AWS_DEFAULT_REGION
    assert client.meta.endpoint_url == "http://localhost:4566"  # boto3 honours AWS_ENDPOINT_URL
    connector.close()
    assert connector._client is None

    explicit = KinesisConnector(region="ap-south-1", endpoint_url="http://127.0.0.1:1", parallel=2)
    assert explicit.client.meta.region_name == "ap-south-1"
    assert explicit.client.meta.endpoint_url == "http://127.0.0.1:1"
    assert explicit.client.meta.config.max_pool_connections == 10  # never below botocore's default


def test_the_service_specific_endpoint_variable_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:2")
    assert DynamoDBConnector().client.meta.endpoint_url == "http://localhost:2"
    assert SnsConnector().client.meta.endpoint_url == "http://localhost:1"


def test_calls_run_on_the_connectors_own_threads() -> None:
    client = FakeClient(list_queues=lambda **p: {"QueueUrls": []})
    connector = SqsConnector(client=client, parallel=3)

    async def main() -> None:
        await asyncio.gather(*(connector.call("list_queues") for _ in range(12)))

    asyncio.run(main())
    assert client.threads and all(t.startswith("lambda-stream-sqs") for t in client.threads)
    assert len(client.threads) <= 3
    connector.close()
    assert connector.client is client  # a client handed in is kept (and not closed)


def test_client_errors_are_mapped_and_chained() -> None:
    def fail(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "QueueDoesNotExist", "Message": "gone"}}, "SendMessageBatch")

    connector = SqsConnector(client=FakeClient(send_message_batch=fail), max_retries=0)
    with pytest.raises(NotFoundError) as info:
        asyncio.run(connector.send_message_batch("url", [{"Id": "1", "MessageBody": "x"}]))
    assert isinstance(info.value.__cause__, ClientError)
    connector.close()


def test_connector_cache_keeps_one_connector_per_class_and_options() -> None:
    cache = ConnectorCache()
    a = cache.get(SqsConnector, parallel=4)
    assert cache.get(SqsConnector, parallel=4) is a
    assert cache.get(SqsConnector, parallel=8) is not a
    assert cache.get(SnsConnector, parallel=4) is not a
    assert len(cache) == 3
    cache.close()
    assert len(cache) == 0
    assert ConnectorCache().get(SqsConnector, parallel=4) is not a  # no module-level state


def test_parallel_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SqsConnector(parallel=0)


def test_event_bridge_outcomes_come_from_the_entries() -> None:
    answers = [
        {
            "FailedEntryCount": 1,
            "Entries": [{"EventId": "1"}, {"ErrorCode": "ThrottlingException"}, {"EventId": "3"}],
        },
        {"FailedEntryCount": 0, "Entries": [{"EventId": "2"}]},
    ]
    client = FakeClient(put_events=lambda **p: answers.pop(0))
    connector = EventBridgeConnector(client=client, retry_base_delay=0)
    result = asyncio.run(connector.put_events([{"Detail": "a"}, {"Detail": "b"}, {"Detail": "c"}]))
    assert result.ok
    assert [r["EventId"] if r else None for r in result.responses] == ["1", "2", "3"]
    assert [p["Entries"] for _, p in client.calls] == [
        [{"Detail": "a"}, {"Detail": "b"}, {"Detail": "c"}],
        [{"Detail": "b"}],
    ]
    connector.close()


def test_sqs_sender_faults_are_not_retried_and_missing_ids_are() -> None:
    answers = [
        {
            "Successful": [{"Id": "a", "MessageId": "1"}],
            "Failed": [{"Id": "b", "SenderFault": True, "Code": "InvalidMessageContents", "Message": "bad"}],
        },  # "c" is in neither list
        {"Successful": [{"Id": "c", "MessageId": "3"}]},
    ]
    client = FakeClient(send_message_batch=lambda **p: answers.pop(0))
    connector = SqsConnector(client=client, retry_base_delay=0)
    entries = [{"Id": i, "MessageBody": i} for i in "abc"]
    result = asyncio.run(connector.send_message_batch("url", entries))
    assert [(f.index, f.code) for f in result.failed] == [(1, "InvalidMessageContents")]
    assert [[e["Id"] for e in p["Entries"]] for _, p in client.calls] == [["a", "b", "c"], ["c"]]
    connector.close()


def test_s3_body_and_lambda_payload_are_read_in_the_worker_thread() -> None:
    class Body(io.BytesIO):
        read_in: str | None = None

        def read(self, *args: Any) -> bytes:
            Body.read_in = threading.current_thread().name
            return super().read(*args)

    s3 = S3Connector(client=FakeClient(get_object=lambda **p: {"Body": Body(b"hello")}))
    assert asyncio.run(s3.get_object({"Bucket": "b", "Key": "k"}))["Body"] == b"hello"
    assert Body.read_in is not None and Body.read_in.startswith("lambda-stream-s3")
    s3.close()

    fn = LambdaConnector(client=FakeClient(invoke=lambda **p: {"StatusCode": 200, "Payload": Body(b"{}")}))
    assert asyncio.run(fn.invoke({"FunctionName": "f"}))["Payload"] == b"{}"
    fn.close()


def test_a_function_error_is_raised() -> None:
    failing = {
        "StatusCode": 200,
        "FunctionError": "Unhandled",
        "Payload": io.BytesIO(b'{"errorMessage":"boom"}'),
    }
    fn = LambdaConnector(client=FakeClient(invoke=lambda **p: failing))
    with pytest.raises(ConnectorError) as info:
        asyncio.run(fn.invoke({"FunctionName": "f"}))
    assert info.value.code == "Unhandled"
    assert "boom" in str(info.value)
    fn.close()


def test_dynamodb_marshals_plain_values_in_and_out() -> None:
    def update_item(**params: Any) -> dict[str, Any]:
        return {"Attributes": {"pk": {"S": "1"}, "n": {"N": "1.5"}, "c": {"N": "2"}, "b": {"B": b"\x01"}}}

    client = FakeClient(update_item=update_item)
    ddb = DynamoDBConnector(client=client)
    response = asyncio.run(
        ddb.update_item(
            {
                "TableName": "t",
                "Key": {"pk": "1"},
                "UpdateExpression": "SET #n = :n, #b = :b",
                "ExpressionAttributeValues": {":n": Decimal("1.5"), ":b": b"\x01", ":l": [{"x": b"\x02"}]},
            }
        )
    )
    assert response["Attributes"] == {"pk": "1", "n": Decimal("1.5"), "c": 2, "b": b"\x01"}
    _, sent = client.calls[0]
    assert sent["Key"] == {"pk": {"S": "1"}}
    assert sent["ExpressionAttributeValues"] == {
        ":n": {"N": "1.5"},
        ":b": {"B": b"\x01"},  # raw bytes: the client base64-encodes them itself
        ":l": {"L": [{"M": {"x": {"B": b"\x02"}}}]},
    }
    ddb.close()


def test_dynamodb_batch_get_resends_unprocessed_keys_then_gives_up() -> None:
    def batch_get_item(RequestItems: dict[str, Any]) -> dict[str, Any]:
        keys = RequestItems["t"]["Keys"]
        return {
            "Responses": {"t": [k for k in keys if k["pk"]["S"] != "stuck"][:1]},
            "UnprocessedKeys": {"t": {"Keys": [k for k in keys if k["pk"]["S"] != "stuck"][1:]}}
            if len(keys) > 1
            else {"t": {"Keys": [k for k in keys if k["pk"]["S"] == "stuck"]}},
        }

    client = FakeClient(batch_get_item=batch_get_item)
    ddb = DynamoDBConnector(client=client, retry_base_delay=0)
    result = asyncio.run(ddb.batch_get({"t": {"Keys": [{"pk": "a"}, {"pk": "b"}, {"pk": "c"}]}}))
    assert sorted(i["pk"] for i in result["t"]) == ["a", "b", "c"]
    assert len(client.calls) == 3

    stuck = DynamoDBConnector(
        client=FakeClient(batch_get_item=batch_get_item), retry_base_delay=0, max_retries=2
    )
    with pytest.raises(BatchEntriesFailedError) as info:
        asyncio.run(stuck.batch_get({"t": {"Keys": [{"pk": "stuck"}]}}))
    assert info.value.failed == [{"TableName": "t", "Key": {"pk": "stuck"}}]
    ddb.close()
    stuck.close()


def test_a_client_that_cannot_be_created_without_a_region_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    connector = SqsConnector()
    with pytest.raises(ConfigurationError, match="no AWS region") as info:
        asyncio.run(connector.call("list_queues"))
    assert "sqs" in str(info.value)
    connector.close()


def test_other_client_creation_errors_are_connector_errors() -> None:
    class Broken(SqsConnector):
        def _create_client(self) -> Any:
            raise ValueError("Invalid endpoint: nope")

    connector = Broken()
    with pytest.raises(
        ConnectorError, match="cannot create the sqs client: ValueError: Invalid endpoint"
    ) as info:
        asyncio.run(connector.call("list_queues"))
    assert info.value.code == "ValueError"
    assert isinstance(info.value.__cause__, ValueError)


def test_a_failed_retry_faults_only_the_entries_not_yet_accepted() -> None:
    """Partial success, then the retry fails as a whole: the accepted uows keep their responses."""
    calls: list[list[Any]] = []

    def put_events(Entries: list[Any]) -> dict[str, Any]:
        calls.append(Entries)
        if len(calls) == 1:
            out: list[dict[str, Any]] = [{"EventId": f"ok{i}"} for i in range(len(Entries))]
            out[0] = {"ErrorCode": "InternalFailure", "ErrorMessage": "x"}
            return {"FailedEntryCount": 1, "Entries": out}
        raise ClientError({"Error": {"Code": "InternalException", "Message": "boom"}}, "PutEvents")

    connector = EventBridgeConnector(client=FakeClient(put_events=put_events), retry_base_delay=0)
    uows = [{"event": {"id": f"e{i}", "type": "t", "timestamp": 1}} for i in range(3)]
    errors: list[BaseException] = []

    async def go() -> list[Any]:
        step = publish_to_event_bridge(bus_name="b", connector=connector)
        return await Stream(uows).through(step).errors(lambda e, push: errors.append(e)).to_list()

    out = asyncio.run(go())
    assert len(calls) == 2
    assert [u["event"]["id"] for u in out] == ["e1", "e2"]
    assert [u["publish_response"]["EventId"] for u in out] == ["ok1", "ok2"]
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, BatchEntriesFailedError)
    assert error.code == "InternalException"
    assert error.uow["event"]["id"] == "e0"  # type: ignore[attr-defined]
    connector.close()


def test_wait_idle_waits_for_a_call_that_outlives_its_cancelled_caller() -> None:
    """Cancelling the awaiting task does not stop a boto3 call: wait_idle is how a handler waits for it."""
    from lambda_stream.connectors.base import Connector, ConnectorCache

    entered = threading.Event()
    release = threading.Event()
    done: list[str] = []

    class Blocking:
        def put_item(self, **params: Any) -> dict[str, Any]:
            entered.set()
            release.wait(10)
            done.append(params["Key"])
            return {}

    class Table(Connector):
        service = "dynamodb"

    cache = ConnectorCache()
    table = cache.get(Table, parallel=2, client=Blocking())

    async def cancel_mid_call() -> None:
        task = asyncio.ensure_future(table.call("put_item", Key="k1"))
        await asyncio.get_running_loop().run_in_executor(None, entered.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_mid_call())
    assert done == [] and table.in_flight == 1
    assert table.wait_idle(0) is False and cache.wait_idle(0) is False  # still writing
    release.set()
    assert cache.wait_idle(10) is True and done == ["k1"] and table.in_flight == 0
    assert table.wait_idle(0) is True
    cache.close()
