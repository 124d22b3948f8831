"""``lambda-stream demo`` runs in-process against its own moto server and reports success; the
README's example handler runs as written against moto."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest

from lambda_stream.cli.main import main
from lambda_stream.connectors import ConnectorCache, DynamoDBConnector
from lambda_stream.testing import to_kinesis_records
from lambda_stream.testing.moto_server import create_table

TABLE = "entities"


def test_demo_succeeds_and_reports_what_arrived(capsys: pytest.CaptureFixture[str]) -> None:
    env_before = dict(os.environ)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "table 'entities': 3 rows" in out
    assert "t1  name='widget v2'" in out
    assert "stale update e6 (t1 -> 'widget v1 (stale)' @ 2000): ignored" in out
    assert "queue 'demo-events': 4 events" in out
    assert out.count("thing-announced  e") == 3
    assert "fault            DecodeError: kinesis.data: invalid JSON" in out
    assert "[record shardId-000000000000:5, pipeline undefined]" in out
    assert 'response  {"batchItemFailures": []}' in out
    assert "OK        all 7 records accounted for" in out
    assert "FAILED" not in out
    assert dict(os.environ) == env_before  # the demo restores the environment it changed


def test_cli_without_a_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().err


# -- the README's example handler, run as written ----------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_handler_source() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python block"
    return blocks[0]


def test_readme_handler_materializes_and_ignores_a_stale_update(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTITY_TABLE_NAME", TABLE)
    monkeypatch.delenv("BUS_NAME", raising=False)
    cache = ConnectorCache()
    try:
        ddb = cache.get(DynamoDBConnector)
        create_table(ddb.client, TABLE)
        module: dict[str, Any] = {"__name__": "readme_handler"}
        exec(compile(readme_handler_source(), "README.md", "exec"), module)
        handler = module["handler"]
        events = [
            {"id": "e0", "type": "thing-created", "timestamp": 1000, "thing": {"id": "t1", "name": "a"}},
            {"id": "e1", "type": "thing-updated", "timestamp": 3000, "thing": {"id": "t1", "name": "c"}},
            {"id": "e2", "type": "other", "timestamp": 3000},
            {"id": "e3", "type": "thing-updated", "timestamp": 2000, "thing": {"id": "t1", "name": "b"}},
            {"id": "e4", "type": "thing-created", "timestamp": 1000, "thing": {"id": "t2", "name": "x"}},
        ]
        try:
            assert handler(to_kinesis_records(events), None) == {"batchItemFailures": []}
        finally:
            handler.bridge.close()
            module["OPT"]["connectors"].close()
        t1 = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": {"pk": "t1", "sk": "thing"}}))["Item"]
        t2 = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": {"pk": "t2", "sk": "thing"}}))["Item"]
        assert (t1["name"], t1["timestamp"]) == ("c", 3000)
        assert (t2["name"], t2["timestamp"]) == ("x", 1000)
    finally:
        cache.close()
