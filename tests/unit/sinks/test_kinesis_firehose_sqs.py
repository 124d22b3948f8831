from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from lambda_stream.errors import AwsValidationError, BatchEntriesFailedError
from lambda_stream.sinks import publish_to_kinesis, send_to_firehose, send_to_sqs

from .fakes import Failed, FakeBatch, FakeS3, Gate, run, uows


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PUBLISH_BATCH_SIZE",
        "BATCH_SIZE",
        "PUBLISH_PARALLEL",
        "PARALLEL",
        "SQS_BATCH_SIZE",
        "FIREHOSE_BATCH_SIZE",
        "CLAIMCHECK_BUCKET_NAME",
        "STREAM_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


KIB_256 = {"max_request_size": 256 * 1024}  # the old limit, which moto may still enforce


def test_kinesis_records_and_default_batch_size() -> None:
    fake = FakeBatch()
    out = run(uows(60), publish_to_kinesis(connector=fake, stream_name="s1"))
    assert [len(c) for c in fake.calls] == [25, 25, 10]
    assert fake.targets == ["s1"] * 3
    rec = out[0]["publish_request_entry"]
    assert rec["PartitionKey"] == "p0"
    event = json.loads(rec["Data"])
    assert event["id"] == "0" and event["tags"]["region"] == "us-east-1"
    assert out[59]["publish_response"] == {"Id": "r3-9"}


def test_kinesis_stream_name_from_env_at_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAM_NAME", "from-env")
    fake = FakeBatch()
    step = publish_to_kinesis(connector=fake)
    monkeypatch.setenv("STREAM_NAME", "later")
    run(uows(1), step)
    assert fake.targets == ["from-env"]


def test_kinesis_batch_size_capped_at_500() -> None:
    fake = FakeBatch()
    run(uows(1200), publish_to_kinesis(connector=fake, stream_name="s", batch_size=1000))
    assert [len(c) for c in fake.calls] == [500, 500, 200]


def test_kinesis_batches_by_5_mib() -> None:
    fake = FakeBatch()
    items = uows(12)
    for u in items:
        u["event"]["blob"] = "k" * 900_000
    run(items, publish_to_kinesis(connector=fake, stream_name="s", compression_threshold=0))
    assert [len(c) for c in fake.calls] == [5, 5, 2]
    assert all(sum(len(r["Data"]) + len(r["PartitionKey"]) for r in c) <= 5 * 1024 * 1024 for c in fake.calls)


@pytest.mark.parametrize("parallel", [1, 4, 16])
def test_kinesis_peak_in_flight(parallel: int) -> None:
    gate = Gate(parallel)
    run(
        uows(25 * parallel * 2),
        publish_to_kinesis(connector=FakeBatch(gate), stream_name="s", parallel=parallel),
    )
    assert gate.peak == parallel


def test_kinesis_failed_record_faults_its_uow() -> None:
    fake = FakeBatch(
        fail=lambda r: (
            ("ProvisionedThroughputExceededException", "slow") if r["PartitionKey"] == "p7" else None
        )
    )
    out = run(uows(30), publish_to_kinesis(connector=fake, stream_name="s"))
    failed = [u for u in out if isinstance(u, Failed)]
    assert [f.uow["event"]["id"] for f in failed] == ["7"]
    assert isinstance(failed[0].error, BatchEntriesFailedError)
    assert len([u for u in out if not isinstance(u, Failed)]) == 29


def test_firehose_lines_without_tags() -> None:
    fake = FakeBatch()
    out = run([*uows(3), {"skip": 1}], send_to_firehose(connector=fake, delivery_stream_name="d"))
    data = out[0]["put_request_entry"]["Data"]
    assert data.endswith(b"\n") and json.loads(data)["id"] == "0"
    assert "tags" not in json.loads(data)
    assert out[0]["put_response"] == {"Id": "r1-0"}
    assert out[3] == {"skip": 1}
    assert fake.targets == ["d"]


def test_sqs_batches_of_10_and_ids() -> None:
    fake = FakeBatch()
    items = [{"message": {"MessageBody": json.dumps({"n": i})}} for i in range(23)]
    out = run(items, send_to_sqs(connector=fake, queue_url="q"))
    assert [len(c) for c in fake.calls] == [10, 10, 3]
    assert [e["Id"] for e in fake.calls[0]] == [str(i) for i in range(10)]
    assert out[0]["send_response"] == {"Id": "r1-0"}
    assert out[0]["message"] == {"MessageBody": json.dumps({"n": 0})}  # the uow's message is not changed
    assert fake.targets == ["q"] * 3


def test_sqs_batches_by_256_kib() -> None:
    fake = FakeBatch()
    items = [{"message": {"MessageBody": "m" * 100_000}} for _ in range(5)]
    run(items, send_to_sqs(connector=fake, queue_url="q", **KIB_256))
    assert [len(c) for c in fake.calls] == [2, 2, 1]


def test_sqs_claim_check_for_a_large_event_body() -> None:
    s3 = FakeS3()
    fake = FakeBatch()
    event = {
        "id": "e1",
        "type": "big",
        "partitionKey": "p",
        "timestamp": 1,
        "tags": {},
        "blob": "b" * 300_000,
    }
    out = run(
        [{"message": {"MessageBody": json.dumps(event)}}],
        send_to_sqs(
            connector=fake, queue_url="q", claim_check_bucket_name="cc", claim_check_connector=s3, **KIB_256
        ),
    )
    stub = json.loads(fake.calls[0][0]["MessageBody"])
    assert stub["s3"]["bucket"] == "cc"
    assert json.loads(s3.objects[("cc", stub["s3"]["key"])]) == event
    assert out[0]["send_response"] is not None


def test_sqs_failed_entry_faults_its_uow() -> None:
    fake = FakeBatch(fail=lambda e: ("InvalidMessageContents", "bad") if e["MessageBody"] == "bad" else None)
    items = [{"message": {"MessageBody": b}} for b in ["ok", "bad", "ok"]]
    out = run(items, send_to_sqs(connector=fake, queue_url="q"))
    assert isinstance(out[1], Failed) and out[1].uow["message"]["MessageBody"] == "bad"
    assert not isinstance(out[0], Failed) and not isinstance(out[2], Failed)


def test_kinesis_data_is_what_to_kinesis_records_decodes() -> None:
    fake = FakeBatch()
    out = run(uows(1), publish_to_kinesis(connector=fake, stream_name="s"))
    data = out[0]["publish_request_entry"]["Data"]
    assert json.loads(base64.b64decode(base64.b64encode(data)))["type"] == "thing-created"


def test_kinesis_a_partition_key_over_256_characters_fails_its_own_uow_only() -> None:
    fake = FakeBatch()
    items = uows(3)
    items[1]["event"]["partitionKey"] = "é" * 257
    items[2]["event"]["partitionKey"] = "é" * 256  # characters, not bytes
    out = run(items, publish_to_kinesis(connector=fake, stream_name="s"))
    failed = [o for o in out if isinstance(o, Failed)]
    assert len(failed) == 1 and isinstance(failed[0].error, AwsValidationError)
    assert failed[0].uow["event"]["id"] == "1"
    assert sorted(o["event"]["id"] for o in out if not isinstance(o, Failed)) == ["0", "2"]
    assert [r["PartitionKey"] for r in fake.calls[0]] == ["p0", "é" * 256]


def test_sqs_an_empty_or_none_message_passes_through_untouched() -> None:
    fake = FakeBatch()
    items: list[dict[str, Any]] = [
        {"message": {"MessageBody": "a"}},
        {"message": {}},
        {"message": None},
        {"other": 1},
        {"message": {"MessageBody": "c"}},
    ]
    out = run(items, send_to_sqs(connector=fake, queue_url="q"))
    assert not any(isinstance(o, Failed) for o in out)
    assert out[1:4] == items[1:4]
    assert [e["MessageBody"] for e in fake.calls[0]] == ["a", "c"]
    assert out[4]["send_response"] == {"Id": "r1-1"}


def test_sqs_a_message_without_a_body_fails_its_own_uow_only() -> None:
    fake = FakeBatch()
    items: list[dict[str, Any]] = [
        {"message": {"MessageBody": "a"}},
        {"message": {"MessageGroupId": "g"}},
        {"message": {"MessageBody": ""}},
        {"message": {"MessageBody": "d"}},
    ]
    out = run(items, send_to_sqs(connector=fake, queue_url="q"))
    failed = [o for o in out if isinstance(o, Failed)]
    assert [type(f.error) for f in failed] == [AwsValidationError, AwsValidationError]
    assert [f.uow for f in failed] == [items[1], items[2]]
    assert [e["MessageBody"] for e in fake.calls[0]] == ["a", "d"]


def test_sqs_wire_ids_are_positions_whatever_ids_the_messages_carry() -> None:
    fake = FakeBatch()
    items = [{"message": {"Id": "1", "MessageBody": "a"}}, {"message": {"MessageBody": "b"}}]
    out = run(items, send_to_sqs(connector=fake, queue_url="q"))
    assert [e["Id"] for e in fake.calls[0]] == ["0", "1"]  # distinct: never a collision
    assert [u["send_response"] for u in out] == [{"Id": "r1-0"}, {"Id": "r1-1"}]
    assert [e["Id"] for e in out[0]["send_request"]["Entries"]] == ["0", "1"]  # the request as sent
    assert out[0]["message"] == {"Id": "1", "MessageBody": "a"}  # the uow's message is not changed


def test_sqs_message_attribute_names_and_types_count_toward_the_limit() -> None:
    from lambda_stream.sinks.sqs import message_size

    attrs = {f"a{i}" + "n" * 250: {"DataType": "String", "StringValue": "v"} for i in range(10)}
    msg = {"MessageBody": "x" * 26_000, "MessageAttributes": attrs}
    assert message_size(msg) == 26_000 + sum(len(k) + len("String") + 1 for k in attrs)
    binary = {"MessageBody": "é", "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": b"123"}}}
    assert message_size(binary) == 2 + 1 + 6 + 3
    fake = FakeBatch()
    run([{"message": msg} for _ in range(10)], send_to_sqs(connector=fake, queue_url="q", **KIB_256))
    assert [len(c) for c in fake.calls] == [9, 1]  # 10 x 28,590 bytes > 256 KiB
    assert all(sum(message_size(m) for m in c) <= 256 * 1024 for c in fake.calls)


def test_sqs_a_single_message_over_the_limit_by_its_attributes_fails() -> None:
    fake = FakeBatch()
    attrs = {"n" * 200: {"DataType": "String", "StringValue": "v"}}
    items = [{"message": {"MessageBody": "x" * (256 * 1024 - 100), "MessageAttributes": attrs}}]
    out = run(items, send_to_sqs(connector=fake, queue_url="q", **KIB_256))
    assert isinstance(out[0], Failed) and isinstance(out[0].error, AwsValidationError)
    assert fake.calls == []


def test_kinesis_partition_key_falls_back_to_the_id_then_a_random_key() -> None:
    items = uows(3)
    del items[0]["event"]["partitionKey"]
    for u in items[1:]:
        del u["event"]["partitionKey"]
        del u["event"]["id"]
    out = run(items, publish_to_kinesis(connector=FakeBatch(), stream_name="s1"))
    keys = [u["publish_request_entry"]["PartitionKey"] for u in out]
    assert keys[0] == "0"
    assert keys[1] != "None" and keys[2] != "None" and keys[1] != keys[2]
