"""``lambda-stream``: the package's command line (``lambda-stream demo``).

The CLI is an optional layer on top of the library: the library never imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lambda-stream",
        description="Functional-reactive stream processing for AWS Lambda.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="run a Kinesis handler on an embedded AWS (moto server on loopback) and report what it did",
        description=(
            "Start moto's server on 127.0.0.1, create a table, an event bus and a queue, invoke a real "
            "lambda-stream handler with a Kinesis batch (with a stale update and a malformed record) "
            "and print what arrived. Exits 1 if anything is not as expected. Needs the dev extra "
            "(moto[server])."
        ),
    )
    demo.add_argument(
        "-v", "--verbose", action="store_true", help="also show the library's log lines (faults, debug)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lambda-stream`` script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo  # only now: the demo needs moto

        return run_demo(verbose=args.verbose)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
