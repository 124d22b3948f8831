from __future__ import annotations

import pytest

STANDARD_ENV = (
    "ACCOUNT_NAME",
    "STAGE",
    "SERVERLESS_STAGE",
    "SERVICE",
    "PROJECT",
    "SERVERLESS_PROJECT",
    "AWS_LAMBDA_FUNCTION_NAME",
    "NODE_ENV",
    "TTL",
    "PARALLEL",
    "BUS_NAME",
    "EVENT_TABLE_NAME",
    "ENTITY_TABLE_NAME",
)


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The JS tests' environment: us-west-2, nothing else set."""
    for name in STANDARD_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
