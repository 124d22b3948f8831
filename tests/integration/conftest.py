"""Fixtures for integration tests against one moto server (real HTTP, real boto3).

``moto_server``: started once per session. ``aws``: resets moto, points the AWS_* variables at
it for one test and returns the endpoint URL. ``connectors``: a ``ConnectorCache`` closed after
the test. ``read_queue``: read every message of an SQS queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lambda_stream.connectors import ConnectorCache
from lambda_stream.testing.moto_server import MotoServer, start_moto_server

_UNSET = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = start_moto_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> str:
    moto_server.reset()
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    return moto_server.endpoint_url


@pytest.fixture
def connectors() -> Iterator[ConnectorCache]:
    """A ``ConnectorCache`` whose connectors are closed after the test."""
    cache = ConnectorCache()
    try:
        yield cache
    finally:
        cache.close()


def read_queue(client: Any, queue_url: str, expected: int, max_polls: int = 50) -> list[dict[str, Any]]:
    """Receive (and delete) messages until ``expected`` arrived, then check that no more are there."""
    messages: list[dict[str, Any]] = []
    for _ in range(max_polls):
        if len(messages) >= expected:
            break
        batch = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        messages.extend(batch)
        for m in batch:
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    extra = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    messages.extend(extra.get("Messages", []))
    return messages


@pytest.fixture(name="read_queue")
def read_queue_fixture() -> Callable[..., list[dict[str, Any]]]:
    """``read_queue(client, queue_url, expected)``: every message on the queue (deleted as read)."""
    return read_queue
