"""``lambda-stream run``: event source mappings on this machine (see ``cli/runner``).

By default it starts an embedded AWS (moto's server on 127.0.0.1) and, with ``--setup
module:function``, calls that function with the endpoint URL to create the resources (and
maybe seed them); ``--endpoint-url`` points it at a running emulator, ``--aws`` at real AWS.
The handlers run in this process and see the same endpoint through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ..errors import ConfigurationError
from .runner import EventSourceMapping, Runner, load_handler

SETTINGS = (
    "batch_size",
    "batching_window_s",
    "parallelization_factor",
    "bisect_on_error",
    "maximum_retry_attempts",
    "on_failure",
    "report_batch_item_failures",
    "starting_position",
    "timeout_s",
    "maximum_concurrency",
    "retry_visibility_s",
    "function_name",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("function", nargs="?", help="the handler, as module:function")
    p.add_argument(
        "sources", nargs="*", metavar="source", help="ARN, or kinesis:NAME, dynamodb:TABLE, sqs:QUEUE"
    )
    p.add_argument(
        "--config", type=Path, help="a TOML file with [[mapping]] tables (function, source, settings)"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", help="an AWS endpoint (moto server, LocalStack)")
    where.add_argument("--aws", action="store_true", help="real AWS, with the usual credentials")
    p.add_argument("--setup", help="module:function called with the endpoint URL before polling starts")
    p.add_argument("--region", default=None, help="AWS region (default: the environment's, else us-east-1)")
    p.add_argument("--until-quiet", action="store_true", help="exit once every source is drained")
    p.add_argument("--progress-interval", type=float, default=2.0, help="seconds between progress lines")
    p.add_argument("--poll-interval", type=float, default=0.1, help="seconds between empty polls of a source")
    s = p.add_argument_group("event source mapping settings (Lambda's, in snake_case)")
    s.add_argument("--function-name", help="the context's function_name (default: the handler's name)")
    s.add_argument("--batch-size", type=int, help="records per batch (default 100 for streams, 10 for SQS)")
    s.add_argument(
        "--batching-window", dest="batching_window_s", type=float, help="seconds to gather a batch"
    )
    s.add_argument("--parallelization-factor", type=int, help="concurrent batches per shard (1-10)")
    s.add_argument(
        "--bisect-on-error", action="store_true", default=None, help="split a failing batch in two"
    )
    s.add_argument("--maximum-retry-attempts", type=int, help="-1 (default): retry until it succeeds")
    s.add_argument("--on-failure", help="SQS queue (URL, ARN or name) for records given up on")
    s.add_argument(
        "--no-report-batch-item-failures",
        dest="report_batch_item_failures",
        action="store_false",
        default=None,
        help="ignore batchItemFailures (FunctionResponseTypes not set)",
    )
    s.add_argument("--starting-position", choices=("TRIM_HORIZON", "LATEST"))
    s.add_argument("--timeout", dest="timeout_s", type=float, help="function timeout in seconds (default 30)")
    s.add_argument("--maximum-concurrency", type=int, help="SQS: concurrent batches (default 2)")
    s.add_argument(
        "--retry-visibility", dest="retry_visibility_s", type=int, help="SQS: seconds before a retry"
    )


def mappings_from(args: argparse.Namespace) -> list[EventSourceMapping]:
    """The mappings the command line (or ``--config``) describes."""
    given = {k: getattr(args, k) for k in SETTINGS if getattr(args, k, None) is not None}
    out: list[EventSourceMapping] = []
    if args.config is not None:
        config = tomllib.loads(args.config.read_text())
        for i, table in enumerate(config.get("mapping", [])):
            table = {**given, **table}
            function, source = table.pop("function", None), table.pop("source", None)
            if not function or not source:
                raise ConfigurationError(f"{args.config}: [[mapping]] {i + 1} needs function and source")
            known = {k: table.pop(k) for k in list(table) if k in SETTINGS}
            out.append(EventSourceMapping(source, function, **known, extra=table))
    if args.function:
        if not args.sources:
            raise ConfigurationError("lambda-stream run: give at least one source after the function")
        out += [EventSourceMapping(source, args.function, **given) for source in args.sources]
    if not out:
        raise ConfigurationError("lambda-stream run: give FUNCTION SOURCE... or --config FILE")
    return out


async def _run(
    mappings: list[EventSourceMapping], args: argparse.Namespace, endpoint: str | None, w: TextIO
) -> int:
    runner = Runner(mappings, endpoint_url=endpoint, region=args.region, poll_interval_s=args.poll_interval)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread / Windows
        loop.add_signal_handler(signal.SIGINT, stopping.set)
    await runner.start()
    for s in runner.stats:
        print(f"polling {s.source} -> {s.function}", file=w, flush=True)
    last = ""
    try:
        while not stopping.is_set():
            if args.until_quiet and await runner.until_quiet(timeout_s=args.progress_interval):
                break
            if not args.until_quiet:
                try:
                    async with asyncio.timeout(args.progress_interval):
                        await stopping.wait()
                except TimeoutError:
                    pass
            report = runner.report()
            if report != last:
                print(report, file=w, flush=True)
                last = report
    finally:
        if stopping.is_set():
            print("stopping after the batches in flight (Ctrl-C again to kill)", file=w, flush=True)
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        await runner.stop()
    print(runner.report(), file=w, flush=True)
    return 0


def run_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    w = out if out is not None else sys.stdout
    try:
        mappings = mappings_from(args)
    except (ConfigurationError, OSError, tomllib.TOMLDecodeError) as e:
        print(f"lambda-stream run: {e}", file=sys.stderr)
        return 2
    server = None
    endpoint: str | None = None
    if args.endpoint_url:
        endpoint = args.endpoint_url
    elif not args.aws:
        from ..testing.moto_server import start_moto_server

        server = start_moto_server()
        endpoint = server.endpoint_url
        os.environ.update(server.env(args.region or os.environ.get("AWS_REGION") or "us-east-1"))
        print(f"embedded AWS at {endpoint} (AWS_ENDPOINT_URL={endpoint})", file=w, flush=True)
    if endpoint is not None:
        os.environ.setdefault("AWS_ENDPOINT_URL", endpoint)
    try:
        if args.setup:
            setup: Callable[[str | None], Any] = load_handler(args.setup)  # type: ignore[assignment]
            setup(endpoint)
        return asyncio.run(_run(mappings, args, endpoint, w))
    except (ConfigurationError, LookupError) as e:
        print(f"lambda-stream run: {e}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
