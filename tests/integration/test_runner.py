"""The local runner against moto's server: Lambda's delivery rules, checked by what the handler saw.

Every scenario writes its records before the runner starts, so the batches are known in advance
(the first read takes every record); nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from lambda_stream.cli.runner import EventSourceMapping, Runner
from lambda_stream.cli.runner.shards import lane_of
from lambda_stream.testing.moto_server import create_table

SAMPLES = Path("/work/shared/aws-sample-events")
Handler = Callable[[dict[str, Any], Any], Any]


class Recorder:
    """A handler factory that records every invocation (the records' identifiers, in order)."""

    def __init__(self, decide: Callable[[list[dict[str, Any]], int], Any] | None = None) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.decide = decide
        self.made = 0

    def __call__(self) -> Handler:
        with self.lock:
            self.made += 1

        def handler(event: dict[str, Any], context: Any) -> Any:
            assert context.get_remaining_time_in_millis() > 0
            with self.lock:
                self.calls.append(event["Records"])
                n = len(self.calls)
            return self.decide(event["Records"], n) if self.decide else {"batchItemFailures": []}

        return handler


def run(mappings: list[EventSourceMapping], endpoint: str, **kwargs: Any) -> Runner:
    async def go() -> Runner:
        async with Runner(mappings, endpoint_url=endpoint, poll_interval_s=0.02, **kwargs) as runner:
            assert await runner.until_quiet(timeout_s=60)
        return runner

    return asyncio.run(go())


def kinesis_stream(name: str, records: list[tuple[str, dict[str, Any]]], shards: int = 1) -> list[str]:
    """Create a stream, put ``(partition key, payload)`` records one by one; their sequence numbers."""
    client = boto3.client("kinesis")
    client.create_stream(StreamName=name, ShardCount=shards)
    return [
        client.put_record(StreamName=name, PartitionKey=key, Data=json.dumps(data).encode())["SequenceNumber"]
        for key, data in records
    ]


def kinesis_seq(record: dict[str, Any]) -> str:
    return str(record["kinesis"]["sequenceNumber"])


def queue(name: str) -> str:
    return str(boto3.client("sqs").create_queue(QueueName=name)["QueueUrl"])


def drain_queue(url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in got]


def sample_keys(name: str) -> set[str]:
    return set(json.loads((SAMPLES / name).read_text())["Records"][0])


def test_kinesis_checkpoint_redelivers_from_the_failed_record_only(aws: str) -> None:
    seqs = kinesis_stream("s", [(f"k{i}", {"n": i}) for i in range(10)])

    def decide(records: list[dict[str, Any]], call: int) -> Any:
        failed = [r for r in records if kinesis_seq(r) == seqs[5]]
        return {"batchItemFailures": [{"itemIdentifier": kinesis_seq(r)} for r in failed if call == 1]}

    handler = Recorder(decide)
    runner = run([EventSourceMapping("kinesis:s", handler, batch_size=10)], aws)
    delivered = [[kinesis_seq(r) for r in call] for call in handler.calls]
    assert delivered == [seqs, seqs[5:]]  # records 0-4 are not delivered again
    stats = runner.stats[0]
    assert stats.checkpoints == {"shardId-000000000000": seqs[-1]}
    assert (stats.records_read, stats.records_done, stats.redelivered, stats.partial_failures) == (
        10,
        10,
        5,
        1,
    )
    first = handler.calls[0][0]
    assert set(first) == sample_keys("powertools__kinesisStreamEventOneRecord.json")
    assert (
        first["eventSourceARN"].endswith(":stream/s")
        and first["eventID"] == f"shardId-000000000000:{seqs[0]}"
    )
    assert json.loads(__import__("base64").b64decode(first["kinesis"]["data"])) == {"n": 0}


def test_an_unknown_item_identifier_fails_the_whole_batch(aws: str) -> None:
    seqs = kinesis_stream("s", [("k", {"n": i}) for i in range(3)])

    def decide(records: list[dict[str, Any]], call: int) -> Any:
        return {"batchItemFailures": [{"itemIdentifier": "nope"}] if call == 1 else []}

    handler = Recorder(decide)
    run([EventSourceMapping("kinesis:s", handler, batch_size=10)], aws)
    assert [[kinesis_seq(r) for r in call] for call in handler.calls] == [seqs, seqs]


def test_dynamodb_bisect_isolates_the_poison_record_and_sends_it_to_the_destination(aws: str) -> None:
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName="things",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for i in range(8):
        ddb.put_item(TableName="things", Item={"pk": {"S": f"t{i}"}, "n": {"N": str(i)}})
    dlq = queue("on-failure")
    processed: list[str] = []

    def decide(records: list[dict[str, Any]], call: int) -> Any:
        keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]
        if "t5" in keys:
            raise ValueError("cannot map t5")
        processed.extend(keys)
        return {"batchItemFailures": []}

    handler = Recorder(decide)
    mapping = EventSourceMapping(
        "dynamodb:things",
        handler,
        function_name="trigger",
        batch_size=8,
        bisect_on_error=True,
        maximum_retry_attempts=1,
        on_failure=dlq,
    )
    runner = run([mapping], aws)
    sizes = [len(call) for call in handler.calls]
    # 8 fails -> 4 ok + 4 fails -> 2 fails + 2 ok -> 1 ok + 1 fails, retried once -> given up
    assert sizes == [8, 4, 4, 2, 1, 1, 1, 2]
    assert processed == ["t0", "t1", "t2", "t3", "t4", "t6", "t7"]
    [failure] = drain_queue(dlq)
    info = failure["DDBStreamBatchInfo"]
    poison = next(r for r in handler.calls[-2] if r["dynamodb"]["Keys"]["pk"]["S"] == "t5")
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poison["dynamodb"]["SequenceNumber"]
    assert info["batchSize"] == 1 and info["streamArn"] == poison["eventSourceARN"]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["functionArn"].endswith(":function:trigger")
    assert failure["responseContext"]["functionError"] == "Unhandled"
    stats = runner.stats[0]
    assert (stats.records_done, stats.discarded, stats.bisects) == (7, 1, 3)
    first = handler.calls[0][0]
    assert set(first) == sample_keys("ddb-streams-test__NEW_AND_OLD_IMAGES-INSERT.json")
    assert first["eventSourceARN"].startswith("arn:aws:dynamodb:") and "/stream/" in first["eventSourceARN"]
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int | float)


def test_retries_exhausted_send_the_rest_of_the_batch_to_the_destination_and_the_shard_moves_on(
    aws: str,
) -> None:
    seqs = kinesis_stream("s", [("k", {"n": i}) for i in range(4)])
    dlq = queue("on-failure")

    def decide(records: list[dict[str, Any]], call: int) -> Any:
        bad = [kinesis_seq(r) for r in records if kinesis_seq(r) == seqs[1]]
        return {"batchItemFailures": [{"itemIdentifier": s} for s in bad]}

    handler = Recorder(decide)
    mapping = EventSourceMapping("kinesis:s", handler, batch_size=3, maximum_retry_attempts=2, on_failure=dlq)
    runner = run([mapping], aws)
    delivered = [[kinesis_seq(r) for r in call] for call in handler.calls]
    assert delivered == [seqs[:3], seqs[1:3], seqs[1:3], [seqs[3]]]  # 1 try + 2 retries, then the next batch
    [failure] = drain_queue(dlq)
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        seqs[1],
        seqs[2],
        2,
    )
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert "functionError" not in failure["responseContext"]  # a partial failure is not a function error
    assert runner.stats[0].checkpoints == {"shardId-000000000000": seqs[3]}


def test_parallelization_factor_runs_batches_concurrently_and_keeps_each_key_in_order(aws: str) -> None:
    keys = [f"key-{i}" for i in range(8)]
    records = [(keys[i % 8], {"key": keys[i % 8], "n": i}) for i in range(48)]
    kinesis_stream("s", records)
    factor = 4
    assert len({lane_of(k, factor) for k in keys}) >= 2  # the keys spread over several lanes
    together = threading.Barrier(2, timeout=30)  # the first two batches must be in flight at once
    seen: dict[str, list[int]] = {}

    def decide(batch: list[dict[str, Any]], call: int) -> Any:
        if call <= 2:
            together.wait()
        for r in batch:
            data = json.loads(__import__("base64").b64decode(r["kinesis"]["data"]))
            seen.setdefault(data["key"], []).append(data["n"])
        return {"batchItemFailures": []}

    handler = Recorder(decide)
    mapping = EventSourceMapping("kinesis:s", handler, batch_size=2, parallelization_factor=factor)
    runner = run([mapping], aws)
    for key in keys:
        assert seen[key] == sorted(seen[key]) == [n for k, d in records if k == key for n in [d["n"]]]
    assert runner.stats[0].peak_in_flight >= 2
    assert handler.made >= 2  # each concurrent batch has its own container
    assert all(len({r["kinesis"]["partitionKey"] for r in call}) >= 1 for call in handler.calls)
    assert runner.stats[0].records_done == 48


def test_kinesis_shards_are_read_by_a_worker_each(aws: str) -> None:
    kinesis_stream("s", [(f"k{i}", {"n": i}) for i in range(20)], shards=2)
    handler = Recorder()
    runner = run([EventSourceMapping("kinesis:s", handler, batch_size=100)], aws)
    assert runner.stats[0].shards == 2
    assert sum(len(c) for c in handler.calls) == 20
    assert {r["eventID"].split(":")[0] for c in handler.calls for r in c} == {
        "shardId-000000000000",
        "shardId-000000000001",
    }


def test_sqs_deletes_the_successes_and_redelivers_the_failures(aws: str) -> None:
    url = queue("listener")
    sqs = boto3.client("sqs")
    for i in range(3):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"n": i}),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}},
        )

    def decide(records: list[dict[str, Any]], call: int) -> Any:
        bad = [r["messageId"] for r in records if json.loads(r["body"])["n"] == 1 and call == 1]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in bad]}

    handler = Recorder(decide)
    runner = run([EventSourceMapping("sqs:listener", handler, batch_size=10, maximum_concurrency=1)], aws)
    bodies = [[json.loads(r["body"])["n"] for r in call] for call in handler.calls]
    assert bodies == [[0, 1, 2], [1]]
    again = handler.calls[1][0]
    assert again["attributes"]["ApproximateReceiveCount"] == "2"
    # Lambda adds md5OfMessageAttributes when the message has attributes (as in lambda-go's sample)
    assert set(again) == sample_keys("lambda-go__sqs-event.json")
    assert again["messageAttributes"]["kind"]["stringValue"] == "test"
    assert again["eventSourceARN"].endswith(":listener")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (
        attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    )
    assert (runner.stats[0].records_done, runner.stats[0].redelivered) == (3, 1)


def test_a_function_error_on_sqs_leaves_the_batch_for_the_queue_redrive_policy(aws: str) -> None:
    sqs = boto3.client("sqs")
    dlq = queue("dlq")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName="listener",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})},
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")

    def decide(records: list[dict[str, Any]], call: int) -> Any:
        raise RuntimeError("cannot handle")

    handler = Recorder(decide)
    runner = run([EventSourceMapping("sqs:listener", handler, maximum_concurrency=1)], aws)
    assert len(handler.calls) == 2  # received twice, then the queue moved it to its DLQ
    assert sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"] == "poison"
    assert runner.stats[0].function_errors == 2


def test_a_handler_named_module_function_runs_from_its_module(
    aws: str, tmp_path: Path, monkeypatch: Any
) -> None:
    (tmp_path / "runner_fixture_handler.py").write_text(
        "CALLS = []\n"
        "def handler(event, context):\n"
        "    CALLS.append((context.function_name, len(event['Records'])))\n"
        "    return {'batchItemFailures': []}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    kinesis_stream("s", [("k", {"n": i}) for i in range(3)])
    run([EventSourceMapping("kinesis:s", "runner_fixture_handler:handler")], aws)
    import runner_fixture_handler  # type: ignore[import-not-found]

    assert runner_fixture_handler.CALLS == [("handler", 3)]


def test_a_table_without_a_stream_fails_with_the_fix(aws: str) -> None:
    create_table(boto3.client("dynamodb"), "plain")
    try:
        run([EventSourceMapping("dynamodb:plain", Recorder())], aws)
    except LookupError as e:
        assert "enable one" in str(e)
    else:
        raise AssertionError("expected a LookupError")


def test_the_run_command_sets_up_an_embedded_aws_and_drains_it(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    from lambda_stream.cli.main import main

    (tmp_path / "runner_cli_fixture.py").write_text(
        "import boto3, json\n"
        "SEEN = []\n"
        "def setup(endpoint):\n"
        "    k = boto3.client('kinesis', endpoint_url=endpoint)\n"
        "    k.create_stream(StreamName='cli-s', ShardCount=1)\n"
        "    for i in range(5):\n"
        "        k.put_record(StreamName='cli-s', PartitionKey='p', Data=json.dumps({'n': i}).encode())\n"
        "def handler(event, context):\n"
        "    SEEN.extend(r['kinesis']['sequenceNumber'] for r in event['Records'])\n"
        "    return {'batchItemFailures': []}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        monkeypatch.setenv(name, "placeholder")  # restored after the test: the command sets them
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    argv = ["run", "runner_cli_fixture:handler", "kinesis:cli-s", "--setup", "runner_cli_fixture:setup"]
    assert main([*argv, "--until-quiet", "--batch-size", "2", "--region", "us-east-1"]) == 0
    import runner_cli_fixture  # type: ignore[import-not-found]

    assert len(runner_cli_fixture.SEEN) == 5
    out = capsys.readouterr().out
    assert "embedded AWS at http://127.0.0.1:" in out
    assert ":stream/cli-s -> handler [1 shard]: 5 read, 5 done, 3 invocations" in out


def test_a_missing_source_fails_naming_it(aws: str) -> None:
    try:
        run([EventSourceMapping("kinesis:nope", Recorder())], aws)
    except LookupError as e:
        assert "event source kinesis:nope" in str(e) and "not found" in str(e)
    else:
        raise AssertionError("expected a LookupError")


def test_stop_lets_the_batch_in_flight_finish_and_delivers_no_more(aws: str) -> None:
    seqs = kinesis_stream("s", [("k", {"n": i}) for i in range(6)])
    started, release = threading.Event(), threading.Event()

    def decide(records: list[dict[str, Any]], call: int) -> Any:
        started.set()
        release.wait(30)
        return {"batchItemFailures": []}

    handler = Recorder(decide)

    async def go() -> Runner:
        runner = Runner([EventSourceMapping("kinesis:s", handler, batch_size=3)], endpoint_url=aws)
        await runner.start()
        assert await asyncio.to_thread(started.wait, 30)
        stopping = asyncio.create_task(runner.stop())  # what Ctrl-C does
        await asyncio.sleep(0)  # the stop task sets the flag before the batch is released
        release.set()
        await stopping
        return runner

    runner = asyncio.run(go())
    assert [[kinesis_seq(r) for r in call] for call in handler.calls] == [seqs[:3]]
    assert runner.stats[0].records_done == 3
    assert runner.stats[0].checkpoints == {"shardId-000000000000": seqs[2]}
