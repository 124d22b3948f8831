"""LambdaConnector against moto's server.

moto runs functions in docker by default (no docker here); with ``{"lambda": {"use_docker":
False}}`` its simple backend answers ``invoke`` by echoing the payload, which is enough to test
the round trip. A missing function is only reported by the default backend.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import Iterator

import pytest

from lambda_stream.connectors import ConnectorCache, LambdaConnector
from lambda_stream.errors import NotFoundError
from lambda_stream.testing.moto_server import MotoServer


@pytest.fixture
def simple_lambda(aws: str, moto_server: MotoServer) -> Iterator[None]:
    moto_server.configure({"lambda": {"use_docker": False}})
    try:
        yield
    finally:
        moto_server.configure({"lambda": {"use_docker": True}})


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.mark.usefixtures("simple_lambda")
def test_invoke_returns_the_payload_as_bytes(connectors: ConnectorCache) -> None:
    from lambda_stream.connectors import Connector

    class Iam(Connector):
        service = "iam"

    role = connectors.get(Iam).client.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    connector = connectors.get(LambdaConnector)
    connector.client.create_function(
        FunctionName="echo",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": function_zip()},
    )
    response = asyncio.run(connector.invoke({"FunctionName": "echo", "Payload": json.dumps({"id": "e1"})}))
    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"]) == {"id": "e1"}


def test_invoking_a_missing_function_is_not_found(aws: str, connectors: ConnectorCache) -> None:
    connector = connectors.get(LambdaConnector)
    with pytest.raises(NotFoundError) as info:
        asyncio.run(connector.invoke({"FunctionName": "no-such-function", "Payload": b"{}"}))
    assert info.value.code == "ResourceNotFoundException"
