"""The runner's pieces that need no AWS: mappings, handler loading, the context, lanes, the CLI's
parsing of mappings."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_stream.cli.main import main, version
from lambda_stream.cli.run import add_arguments, mappings_from
from lambda_stream.cli.runner import EventSourceMapping, Function, LambdaContext, SourceRef, load_handler
from lambda_stream.cli.runner.shards import lane_of
from lambda_stream.errors import ConfigurationError


def test_sources_parse_from_arns_and_kind_name() -> None:
    assert SourceRef.parse("kinesis:events") == SourceRef("kinesis", "events")
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/things/stream/2024-01-01T00:00:00.000"
    assert SourceRef.parse(arn) == SourceRef("dynamodb", "things", arn)
    assert SourceRef.parse("arn:aws:sqs:us-east-1:123456789012:q").name == "q"
    assert SourceRef.parse("arn:aws:kinesis:us-east-1:1:stream/s").kind == "kinesis"
    with pytest.raises(ConfigurationError, match="kind:name"):
        SourceRef.parse("events")
    with pytest.raises(ConfigurationError, match="not a Kinesis stream"):
        SourceRef.parse("arn:aws:s3:::bucket")


def test_mapping_defaults_and_misuse_name_the_fix() -> None:
    assert EventSourceMapping("kinesis:s", "m:f").size == 100
    assert EventSourceMapping("sqs:q", "m:f").size == 10
    assert EventSourceMapping("sqs:q", "pkg.mod:handler").name == "handler"
    with pytest.raises(ConfigurationError, match="RedrivePolicy"):
        EventSourceMapping("sqs:q", "m:f", bisect_on_error=True)
    with pytest.raises(ConfigurationError, match="batching_window_s"):
        EventSourceMapping("sqs:q", "m:f", batch_size=100)
    with pytest.raises(ConfigurationError, match="parallelization_factor"):
        EventSourceMapping("kinesis:s", "m:f", parallelization_factor=11)
    with pytest.raises(ConfigurationError, match="batch_size 0"):
        EventSourceMapping("kinesis:s", "m:f", batch_size=0)


def test_load_handler_explains_what_is_wrong() -> None:
    assert load_handler("json:dumps").__name__ == "dumps"
    with pytest.raises(ConfigurationError, match="module:function"):
        load_handler("json")
    with pytest.raises(ConfigurationError, match="no module 'no_such_module_x'"):
        load_handler("no_such_module_x:f")
    with pytest.raises(ConfigurationError, match="has no 'nope'"):
        load_handler("json:nope")


def test_each_fresh_load_runs_the_module_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "runner_unit_mod.py").write_text("STATE = []\ndef handler(e, c):\n    return STATE\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        first, second = (
            load_handler("runner_unit_mod:handler"),
            load_handler("runner_unit_mod:handler", fresh=True),
        )
        assert first(None, None) is not second(None, None)  # no module-level state shared
    finally:
        sys.modules.pop("runner_unit_mod", None)


def test_context_counts_down_from_the_timeout() -> None:
    ctx = LambdaContext("f", timeout_s=3, region="eu-west-1", account="111")
    assert 0 < ctx.get_remaining_time_in_millis() <= 3000
    assert ctx.invoked_function_arn == "arn:aws:lambda:eu-west-1:111:function:f"
    assert ctx.log_group_name == "/aws/lambda/f" and ctx.aws_request_id


def test_lanes_are_stable_and_spread() -> None:
    assert lane_of("k", 1) == 0
    assert [lane_of(f"k{i}", 4) for i in range(8)] == [lane_of(f"k{i}", 4) for i in range(8)]
    assert len({lane_of(f"k{i}", 4) for i in range(32)}) == 4


def test_a_function_error_and_a_timeout_are_outcomes() -> None:
    import threading

    release = threading.Event()

    def make() -> Any:
        def handler(event: dict[str, Any], context: Any) -> Any:
            if event.get("hang"):
                release.wait(30)
            if event.get("boom"):
                raise KeyError("thing")
            return {"ok": True}

        return handler

    async def go() -> None:
        fn = Function(make, "f", timeout_s=0.05)
        assert (await fn.invoke({})).response == {"ok": True}
        failed = await fn.invoke({"boom": True})
        assert failed.failed and failed.error is not None and failed.error.startswith("KeyError: 'thing'")
        slow = await fn.invoke({"hang": True})
        assert slow.timed_out and "Task timed out" in (slow.error or "")
        release.set()
        assert (await fn.invoke({})).response == {"ok": True}  # a new container
        assert fn.containers == 2
        fn.close()

    asyncio.run(go())


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(argv)


def test_cli_mappings_from_arguments_and_a_config_file(tmp_path: Path) -> None:
    [m] = mappings_from(parse(["svc:handler", "kinesis:s", "--batch-size", "5", "--bisect-on-error"]))
    assert (m.size, m.bisect_on_error, m.ref.kind) == (5, True, "kinesis")
    config = tmp_path / "m.toml"
    config.write_text(
        '[[mapping]]\nfunction = "a:h"\nsource = "sqs:q"\n\n'
        '[[mapping]]\nfunction = "b:h"\nsource = "dynamodb:t"\nparallelization_factor = 2\n'
    )
    a, b = mappings_from(parse(["--config", str(config)]))
    assert (a.ref.kind, b.parallelization_factor) == ("sqs", 2)
    config.write_text('[[mapping]]\nfunction = "a:h"\nsource = "sqs:q"\nbatchSize = 3\n')
    with pytest.raises(ConfigurationError, match="unknown settings"):
        mappings_from(parse(["--config", str(config)]))
    with pytest.raises(ConfigurationError, match="FUNCTION SOURCE"):
        mappings_from(parse([]))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"lambda-stream {version()}"
    assert version() != "unknown"
