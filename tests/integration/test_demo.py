"""``lambda-stream demo`` end to end: the typical scenario (trigger -> hub -> listener) through the
local runner on its own embedded AWS, at a small count, reconciled; the same seed gives the same
report; a world that does not reconcile fails the checks. The README's example handler runs as
written against moto."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest

from lambda_stream.cli.demo.functions import Names
from lambda_stream.cli.demo.scenario import create_resources, plan, reconcile
from lambda_stream.cli.main import main
from lambda_stream.cli.runner.aws import Clients
from lambda_stream.connectors import ConnectorCache, DynamoDBConnector
from lambda_stream.testing import to_kinesis_records
from lambda_stream.testing.moto_server import create_table

TABLE = "entities"
VARIABLE = re.compile(r"^(time|  \d\. .*quiet after|lambda-stream demo: ).*$", re.M)  # timings, the port


def demo(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(["demo", "--no-progress", *argv])
    return status, capsys.readouterr().out


def test_the_demo_reconciles_and_the_same_seed_gives_the_same_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env_before = dict(os.environ)
    status, out = demo(capsys, "--count", "24", "--seed", "3")
    assert status == 0, out
    p = plan(24, 3)
    assert f"seed 3: 24 objects, poison {p.poison}, soft delete {p.soft_deleted}, late update {p.late}" in out
    assert re.search(rf"service-x-things +-> service-x-trigger +{p.writes} records", out)
    assert re.search(rf"service-y-listener +-> service-y-listener +{p.writes} records", out)
    assert f"events published   {p.writes} (one per change in X)" in out
    assert "rows materialized  23 in Y's view table (1 soft-deleted)" in out  # all but the poison
    assert f"events collected   {p.writes} in Y's event store" in out
    assert "faults captured    1" in out
    assert f"  {p.poison}: KeyError: 'name' [pipeline materialize-things]" in out
    assert "function=lambda-stream-demo/" in out
    assert f"RECONCILED: 24 objects, {p.writes} writes, all accounted for" in out
    assert "FAILED" not in out
    assert dict(os.environ) == env_before  # the demo restores the environment it changed
    again_status, again = demo(capsys, "--count", "24", "--seed", "3")
    assert again_status == 0
    assert VARIABLE.sub("", again) == VARIABLE.sub("", out)


def test_a_world_that_does_not_reconcile_fails_the_checks(aws: str) -> None:
    names, p = Names(), plan(12, 1)
    clients = Clients(aws)
    create_resources(clients, names)  # nothing was written through: nothing is materialized
    checks = dict(reconcile(clients, names, p, published=0).checks)
    assert not checks[f"every object is in Y at its newest version or a fault ({len(p.written)} objects)"]
    assert not checks[f"exactly one fault, naming the poison object {p.poison}"]
    assert not checks[f"one change event per write in X ({p.writes})"]
    assert checks["nothing given up on (on-failure queue and dead-letter queues empty)"]


def test_the_plan_is_the_seeds() -> None:
    a, b, c = plan(50, 7), plan(50, 7), plan(50, 8)
    assert a == b and a != c
    assert a.newest(a.late).name is not None and a.newest(a.late).name.endswith("v2")  # the late edit loses
    assert a.newest(a.soft_deleted).deleted
    assert a.newest(a.poison).name is None
    with pytest.raises(ValueError, match="at least 4"):
        plan(3, 1)


def test_demo_help_documents_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    assert "--count" in out and "--seed" in out and "--keep-running" in out


def test_cli_without_a_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "demo" in err and "run" in err


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
        # One invocation per version of t1, the stale one last (as it arrives in real life): moto's
        # conditional UpdateItem is not atomic for concurrent requests on one key, so versions of
        # one key must not race in one batch.
        invocations = [[events[0], events[2], events[4]], [events[1]], [events[3]]]
        try:
            for batch in invocations:
                assert handler(to_kinesis_records(batch), None) == {"batchItemFailures": []}
        finally:
            handler.bridge.close()
            module["OPT"]["connectors"].close()
        t1 = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": {"pk": "t1", "sk": "thing"}}))["Item"]
        t2 = asyncio.run(ddb.get_item({"TableName": TABLE, "Key": {"pk": "t2", "sk": "thing"}}))["Item"]
        assert (t1["name"], t1["timestamp"]) == ("c", 3000)
        assert (t2["name"], t2["timestamp"]) == ("x", 1000)
    finally:
        cache.close()
