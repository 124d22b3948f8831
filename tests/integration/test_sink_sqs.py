"""send_to_sqs against moto: Ids never collide, empty messages pass through, bad ones fail alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from lambda_stream.connectors import ConnectorCache, SqsConnector
from lambda_stream.core import Stream
from lambda_stream.errors import AwsValidationError
from lambda_stream.sinks import send_to_sqs


def run(uows: list[dict[str, Any]], step: Any) -> tuple[list[Any], list[BaseException]]:
    errors: list[BaseException] = []

    async def go() -> list[Any]:
        return await Stream(uows).through(step).errors(lambda e, push: errors.append(e)).to_list()

    return asyncio.run(go()), errors


def test_messages_with_their_own_ids_and_empty_ones(
    aws: str, connectors: ConnectorCache, read_queue: Callable[..., list[dict[str, Any]]]
) -> None:
    sqs = connectors.get(SqsConnector)
    url = sqs.client.create_queue(QueueName="q")["QueueUrl"]
    uows: list[dict[str, Any]] = [
        {"message": {"Id": "1", "MessageBody": "a"}},  # the next message's position is "1" too
        {"message": {"MessageBody": "b"}},
        {"message": {}},
        {"message": {"MessageBody": ""}},
    ]
    out, errors = run(uows, send_to_sqs(queue_url=url, connector=sqs))
    assert [type(e) for e in errors] == [AwsValidationError]
    assert errors[0].uow is uows[3]  # type: ignore[attr-defined]
    sent = [u for u in out if "send_response" in u]
    assert [u["message"]["MessageBody"] for u in sent] == ["a", "b"]
    assert all(u["send_response"]["MessageId"] for u in sent)
    assert {"message": {}} in out
    assert sorted(m["Body"] for m in read_queue(sqs.client, url, 2)) == ["a", "b"]
