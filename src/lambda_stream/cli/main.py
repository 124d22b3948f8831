"""``lambda-stream``: the package's command line (``demo``, ``run``).

The CLI is an optional layer on top of the library: the library never imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("lambda-stream")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    from .demo import add_arguments as demo_arguments
    from .run import add_arguments as run_arguments

    parser = argparse.ArgumentParser(
        prog="lambda-stream",
        description="Functional-reactive stream processing for AWS Lambda.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-stream {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="the typical scenario (trigger -> event hub -> listener) on an embedded AWS, with a report",
        description=(
            "Start an embedded AWS (moto's server on 127.0.0.1, no account, no network), create Service "
            "X's table, an event hub, Service Y's view table and event store and a fault bucket; write "
            "domain objects into X (creates, updates, a soft delete, a late update, one poison object); "
            "run the trigger (cdc) and the listener (materialize, collect) through the local runner until "
            "quiet and report. Exits 1 if anything does not reconcile. Needs the demo (or dev) extra: lambda-stream[demo]."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    demo_arguments(demo)
    run = commands.add_parser(
        "run",
        help="poll DynamoDB streams, Kinesis shards and SQS queues and invoke a handler as Lambda would",
        description=(
            "A local stand-in for Lambda event source mappings: batch size and window, partial batch "
            "responses, bisect on error, retries, an on-failure destination, parallelization factor. "
            "Uses an embedded AWS unless --endpoint-url or --aws is given. Ctrl-C stops after the "
            "batches in flight."
        ),
    )
    run_arguments(run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lambda-stream`` script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import demo_command  # only now: the demo needs moto

        return demo_command(args)
    if args.command == "run":
        from .run import run_command

        return run_command(args)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
