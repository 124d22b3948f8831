from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lambda_stream.errors import AwsValidationError, BatchEntriesFailedError, ThrottledError
from lambda_stream.sinks import publish_to_event_bridge
from lambda_stream.utils import decompress

from .fakes import Failed, FakeBatch, FakeS3, Gate, run, uows


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PUBLISH_BATCH_SIZE",
        "BATCH_SIZE",
        "PUBLISH_PARALLEL",
        "PARALLEL",
        "CLAIMCHECK_BUCKET_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("STAGE", "dev")


KIB_256 = {"max_request_size": 256 * 1024}  # the old limit, which moto may still enforce


def test_entries_are_tagged_serialized_and_responses_adorned() -> None:
    fake = FakeBatch()
    items = uows(3)
    items[0]["event"]["amount"] = Decimal("1.5")
    items[0]["pipeline"] = "p1"
    out = run(items, publish_to_event_bridge(connector=fake, bus_name="bus", source="svc"))
    entry = out[0]["publish_request_entry"]
    assert (
        entry["EventBusName"] == "bus" and entry["Source"] == "svc" and entry["DetailType"] == "thing-created"
    )
    detail = json.loads(entry["Detail"])
    assert detail["amount"] == 1.5
    assert detail["tags"]["region"] == "us-west-2" and detail["tags"]["stage"] == "dev"
    assert detail["tags"]["pipeline"] == "p1"
    assert out[0]["event"]["tags"]["pipeline"] == "p1"  # the tagged event stays on the uow, as in JS
    assert ',"' in entry["Detail"] and ", " not in entry["Detail"]  # compact separators
    assert [u["publish_response"] for u in out] == [{"Id": "r1-0"}, {"Id": "r1-1"}, {"Id": "r1-2"}]
    assert out[0]["publish_request"] == {"Entries": [u["publish_request_entry"] for u in out]}


def test_existing_tags_win() -> None:
    items = uows(1)
    items[0]["event"]["tags"] = {"region": "mine", "custom": 1}
    out = run(items, publish_to_event_bridge(connector=FakeBatch(), bus_name="b"))
    tags = json.loads(out[0]["publish_request_entry"]["Detail"])["tags"]
    assert tags["region"] == "mine" and tags["custom"] == 1 and tags["stage"] == "dev"


def test_batches_of_at_most_10_even_when_asked_for_more() -> None:
    fake = FakeBatch()
    out = run(uows(25), publish_to_event_bridge(connector=fake, bus_name="b", batch_size=50))
    assert [len(c) for c in fake.calls] == [10, 10, 5]
    assert [u["event"]["id"] for u in out] == [str(i) for i in range(25)]


def test_batches_by_bytes() -> None:
    fake = FakeBatch()
    items = uows(10)
    for u in items:
        u["event"]["blob"] = "x" * 100_000  # ~100 KB each: two fit in 256 KiB
    run(items, publish_to_event_bridge(connector=fake, bus_name="b", compression_threshold=0, **KIB_256))
    assert [len(c) for c in fake.calls] == [2, 2, 2, 2, 2]
    for call in fake.calls:
        assert sum(len(e["Detail"]) + len(e["DetailType"]) + len(e["Source"]) for e in call) <= 256 * 1024


def test_a_too_large_event_faults_that_uow_only() -> None:
    items = uows(3)
    items[1]["event"]["blob"] = "x" * 300_000
    out = run(
        items,
        publish_to_event_bridge(connector=FakeBatch(), bus_name="b", compression_threshold=0, **KIB_256),
    )
    # an error found before batching passes the batch step at once (errors are not gathered)
    failed = [u for u in out if isinstance(u, Failed)]
    assert len(failed) == 1 and isinstance(failed[0].error, AwsValidationError)
    assert failed[0].uow["event"]["id"] == "1"
    assert [u["event"]["id"] for u in out if not isinstance(u, Failed)] == ["0", "2"]


def test_large_fields_are_compressed_by_default() -> None:
    items = uows(1)
    items[0]["event"]["blob"] = "y" * 300_000
    out = run(items, publish_to_event_bridge(connector=FakeBatch(), bus_name="b"))
    detail = json.loads(out[0]["publish_request_entry"]["Detail"])
    assert detail["blob"].startswith("COMPRESSED")
    assert decompress(detail)["blob"] == "y" * 300_000


@pytest.mark.parametrize("parallel", [1, 4, 16])
def test_peak_in_flight_is_parallel(parallel: int) -> None:
    gate = Gate(parallel)
    fake = FakeBatch(gate)
    out = run(
        uows(10 * parallel * 3), publish_to_event_bridge(connector=fake, bus_name="b", parallel=parallel)
    )
    assert gate.peak == parallel
    assert len(fake.calls) == parallel * 3
    assert [u["event"]["id"] for u in out] == [str(i) for i in range(10 * parallel * 3)]


def test_a_failed_entry_faults_exactly_its_uow() -> None:
    fake = FakeBatch(
        fail=lambda e: ("InternalFailure", "boom") if json.loads(e["Detail"])["id"] in {"3", "12"} else None
    )
    out = run(uows(15), publish_to_event_bridge(connector=fake, bus_name="b"))
    failed = [u for u in out if isinstance(u, Failed)]
    assert [f.uow["event"]["id"] for f in failed] == ["3", "12"]
    assert all(
        isinstance(f.error, BatchEntriesFailedError) and f.error.code == "InternalFailure" for f in failed
    )
    ok = [u for u in out if not isinstance(u, Failed)]
    assert [u["event"]["id"] for u in ok] == [str(i) for i in range(15) if i not in (3, 12)]
    assert all(u["publish_response"] is not None for u in ok)
    assert [type(u).__name__ for u in out].index("Failed") == 3  # in its place


def test_a_whole_call_failure_faults_the_batch_once() -> None:
    out = run(
        [*uows(3), {"no": "event"}],
        publish_to_event_bridge(connector=FakeBatch(raise_=ThrottledError("x")), bus_name="b"),
    )
    assert isinstance(out[0], Failed)
    assert [u["event"]["id"] for u in out[0].uow["batch"]] == ["0", "1", "2"]
    assert out[1] == {"no": "event"}


def test_uows_without_event_pass_through() -> None:
    fake = FakeBatch()
    items = [{"x": 1}, *uows(1), {"x": 2, "event": None}]
    out = run(items, publish_to_event_bridge(connector=fake, bus_name="b"))
    assert out[0] == {"x": 1} and out[2] == {"x": 2, "event": None}
    assert len(fake.calls) == 1 and len(fake.calls[0]) == 1


def test_claim_check(monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = FakeS3()
    fake = FakeBatch()
    items = uows(2)
    items[1]["event"]["blob"] = "z" * 300_000
    step = publish_to_event_bridge(
        connector=fake,
        bus_name="b",
        compression_threshold=0,
        claim_check_bucket_name="lake",
        claim_check_connector=s3,
        **KIB_256,
    )
    out = run(items, step)
    stub = json.loads(out[1]["publish_request_entry"]["Detail"])
    assert set(stub) == {"id", "type", "partitionKey", "timestamp", "tags", "s3"}
    assert stub["s3"]["bucket"] == "lake" and stub["s3"]["key"].startswith("us-west-2/claimchecks/")
    stored = json.loads(s3.objects[("lake", stub["s3"]["key"])])
    assert stored["blob"] == "z" * 300_000 and stored["id"] == "1"
    assert out[1]["put_claim_check_response"] == {"ETag": "x"}
    assert "put_claim_check_request" not in out[0]


def test_failed_claim_check_faults_that_uow() -> None:
    s3 = FakeS3(fail_keys=set())
    items = uows(2)
    items[0]["event"]["blob"] = "z" * 300_000

    class Boom(FakeS3):
        async def put_object(self, params: dict[str, object]) -> dict[str, object]:
            raise RuntimeError("s3 down")

    fake = FakeBatch()
    out = run(
        items,
        publish_to_event_bridge(
            connector=fake,
            bus_name="b",
            compression_threshold=0,
            claim_check_bucket_name="lake",
            claim_check_connector=Boom(),
            **KIB_256,
        ),
    )
    assert isinstance(out[0], Failed) and out[0].uow["event"]["id"] == "0"
    assert out[1]["event"]["id"] == "1"
    assert len(fake.calls[0]) == 1
    assert s3.objects == {}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("publish_to_event_bridge", "no 'bus_name' option and BUS_NAME is not set"),
        ("publish_to_kinesis", "no 'stream_name' option and STREAM_NAME is not set"),
        ("send_to_sqs", "no 'queue_url' option and QUEUE_URL is not set"),
        ("send_to_firehose", "no 'delivery_stream_name' option and DELIVERY_STREAM_NAME is not set"),
    ],
)
def test_a_sink_without_its_target_fails_when_built(
    make: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lambda_stream.sinks as sinks
    from lambda_stream.errors import ConfigurationError

    for name in ("BUS_NAME", "STREAM_NAME", "QUEUE_URL", "DELIVERY_STREAM_NAME"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match=f"{make}: {message}"):
        getattr(sinks, make)(connector=FakeBatch())


def test_an_event_without_a_type_fails_its_own_uow_only() -> None:
    fake = FakeBatch()
    items = uows(3)
    del items[1]["event"]["type"]
    out = run(items, publish_to_event_bridge(connector=fake, bus_name="bus"))
    failed = [o for o in out if isinstance(o, Failed)]
    ok = [o for o in out if not isinstance(o, Failed)]
    assert len(failed) == 1 and isinstance(failed[0].error, AwsValidationError)
    assert failed[0].uow["event"]["id"] == "1"
    assert "DetailType" in str(failed[0].error)
    assert [(u["event"]["id"], u["publish_response"]) for u in ok] == [
        ("0", {"Id": "r1-0"}),
        ("2", {"Id": "r1-1"}),
    ]
    assert [json.loads(e["Detail"])["id"] for e in fake.calls[0]] == ["0", "2"]  # never sent
