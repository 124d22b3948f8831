from __future__ import annotations

from typing import Any

from lambda_stream.sinks import invoke_lambda, publish_to_sns, put_object_to_s3

from .fakes import Failed, Gate, run


class Recorder:
    def __init__(self, gate: Gate | None = None, fail_on: Any = None) -> None:
        self.gate = gate or Gate()
        self.params: list[dict[str, Any]] = []
        self.fail_on = fail_on

    async def _do(self, params: dict[str, Any]) -> dict[str, Any]:
        self.params.append(params)
        await self.gate.enter()
        try:
            if self.fail_on is not None and self.fail_on(params):
                raise RuntimeError("nope")
            return {"ok": len(self.params)}
        finally:
            self.gate.leave()

    publish = put_object = invoke = _do


def test_sns_publish_with_topic_default() -> None:
    rec = Recorder()
    items = [{"message": {"Message": "a"}}, {"message": {"Message": "b", "TopicArn": "own"}}, {"x": 1}]
    out = run(items, publish_to_sns(connector=rec, topic_arn="arn:t"))
    assert rec.params == [{"TopicArn": "arn:t", "Message": "a"}, {"TopicArn": "own", "Message": "b"}]
    assert "publish_response" in out[0] and out[2] == {"x": 1}


def test_s3_put_encodes_text_bodies_and_faults_per_uow() -> None:
    rec = Recorder(fail_on=lambda p: p["Key"] == "k1")
    items = [{"put_request": {"Key": f"k{i}", "Body": "text"}} for i in range(3)]
    out = run(items, put_object_to_s3(connector=rec, bucket_name="b"))
    assert rec.params[0] == {"Bucket": "b", "Key": "k0", "Body": b"text"}
    assert isinstance(out[1], Failed) and out[1].uow["put_request"]["Key"] == "k1"
    assert out[0]["put_response"] and out[2]["put_response"]


def test_lambda_invoke_parallel() -> None:
    gate = Gate(3)
    rec = Recorder(gate)
    items = [{"invoke_request": {"Payload": b"{}"}} for _ in range(9)]
    out = run(items, invoke_lambda(connector=rec, function_name="f", parallel=3))
    assert gate.peak == 3
    assert rec.params[0] == {"FunctionName": "f", "Payload": b"{}"}
    assert all("invoke_response" in u for u in out)


def test_sns_a_message_over_256_kib_fails_its_own_uow_before_any_call() -> None:
    from lambda_stream.errors import AwsValidationError

    rec = Recorder()
    items = [{"message": {"Message": "x" * (256 * 1024 + 1)}}, {"message": {"Message": "ok"}}]
    out = run(items, publish_to_sns(connector=rec, topic_arn="arn:t"))
    assert isinstance(out[0], Failed) and isinstance(out[0].error, AwsValidationError)
    assert out[0].uow is items[0] and rec.params == [{"TopicArn": "arn:t", "Message": "ok"}]
    big = run(
        items[:1], publish_to_sns(connector=Recorder(), topic_arn="arn:t", max_request_size=1024 * 1024)
    )
    assert "publish_response" in big[0]
