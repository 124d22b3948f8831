"""``lambda-stream demo``: the seed's typical scenario on one machine.

An embedded AWS (moto's server on 127.0.0.1, in process); Service X's table with its stream; the
event hub (an EventBridge bus whose rules route domain events to Service Y's listener queue and
fault events to the fault monitor's queue); Service Y's view table and micro event store; a fault
bucket. Service X's users write domain objects with ordinary boto3 calls (creates, updates, a soft
delete, an update that arrives late, one poison object); the trigger (``cdc``), the listener
(``materialize`` + ``collect``) and the fault monitor run through the local runner
(``cli/runner``) as Lambda would run them, until the system is quiet after each phase. Then the
report, and the reconciliation: the exit status is 1 unless every object written in X is in Y at
its newest version or present as a fault.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from ..runner import EventSourceMapping, Runner
from ..runner.aws import Clients
from .functions import Names, fault_monitor, listener, trigger
from .scenario import Outcome, Plan, create_resources, faulted_thing, plan, reconcile, write
from .view import Progress

FUNCTION_NAME = "lambda-stream-demo"  # one process: every function shares AWS_LAMBDA_FUNCTION_NAME

# Variables that would point boto3 at a real account; unset while the demo runs.
_UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "BUS_NAME",
    "ENTITY_TABLE_NAME",
    "EVENT_TABLE_NAME",
    "SERVICE",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--count", type=int, default=300, help="domain objects Service X's users create")
    p.add_argument("-s", "--seed", type=int, default=1, help="the same seed writes the same objects")
    p.add_argument(
        "--keep-running",
        action="store_true",
        help="after the report, keep the embedded AWS and the functions running until Ctrl-C "
        "(write into Service X's table from another shell and watch it flow)",
    )
    p.add_argument("--no-progress", action="store_true", help="no live progress display")
    p.add_argument(
        "-v", "--verbose", action="store_true", help="also show the library's and the runner's logs"
    )


def demo_command(args: argparse.Namespace) -> int:
    return run_demo(
        count=args.count,
        seed=args.seed,
        keep_running=args.keep_running,
        progress=not args.no_progress,
        verbose=args.verbose,
    )


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` (and unset real-account variables) in ``os.environ``; restore on exit."""
    names = [*values, *_UNSET, *(n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_"))]
    saved = {n: os.environ.get(n) for n in names}
    for n in names:
        os.environ.pop(n, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


@contextmanager
def quiet_logs(verbose: bool) -> Iterator[None]:
    """Faults are logged at ERROR and the runner warns of function errors; the report shows them."""
    loggers = [
        logging.getLogger(n) for n in ("lambda_stream.faults", "lambda_stream.cli.runner", "lambda_stream")
    ]
    saved = [(lg.propagate, lg.handlers[:]) for lg in loggers]
    if verbose:
        logging.basicConfig(level=logging.INFO, format="  log %(name)s %(levelname)s %(message)s")
    else:
        for lg in loggers:
            lg.propagate = False
            lg.handlers = [logging.NullHandler()]
    try:
        yield
    finally:
        for lg, (propagate, handlers) in zip(loggers, saved, strict=True):
            lg.propagate, lg.handlers = propagate, handlers


def mappings(names: Names) -> list[EventSourceMapping]:
    """The event source mappings, set as the service template sets them."""
    return [
        EventSourceMapping(
            f"dynamodb:{names.x_table}",
            lambda: trigger(names),
            function_name="service-x-trigger",
            batch_size=100,
            parallelization_factor=2,
            bisect_on_error=True,
            maximum_retry_attempts=3,
            on_failure=names.trigger_failures,
        ),
        EventSourceMapping(
            f"sqs:{names.listener_queue}",
            lambda: listener(names),
            function_name="service-y-listener",
            batch_size=10,
            maximum_concurrency=4,
        ),
        EventSourceMapping(
            f"sqs:{names.fault_queue}",
            lambda: fault_monitor(names),
            function_name="fault-monitor",
            batch_size=10,
            maximum_concurrency=1,
        ),
    ]


def run_demo(
    count: int = 300,
    seed: int = 1,
    *,
    keep_running: bool = False,
    progress: bool = True,
    verbose: bool = False,
    out: TextIO | None = None,
) -> int:
    """Run the scenario and print the report to ``out``; 0 when everything reconciles."""
    w = out if out is not None else sys.stdout
    try:
        from ...testing.moto_server import start_moto_server
    except ImportError:  # pragma: no cover - moto is in the dev and demo extras
        print("lambda-stream demo needs moto's server: pip install 'lambda-stream[demo]'", file=w)
        return 2
    try:
        p = plan(count, seed)
    except ValueError as e:
        print(f"lambda-stream demo: {e}", file=w)
        return 2
    names = Names()
    server = start_moto_server()
    server.reset()  # moto keeps its backends per process: start from nothing
    try:
        # every function publishes its faults to the one hub (the fault monitor opts out: env={})
        env = {
            **server.env(),
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "STAGE": "demo",
            "BUS_NAME": names.bus,
        }
        with environment(env), quiet_logs(verbose):
            return asyncio.run(_scenario(p, names, server.endpoint_url, w, progress, keep_running))
    finally:
        server.stop()


async def _scenario(
    p: Plan, names: Names, endpoint: str, w: TextIO, progress: bool, keep_running: bool
) -> int:
    def say(line: str = "") -> None:
        print(line, file=w, flush=True)

    clients = Clients(endpoint)
    started = time.perf_counter()
    say(f"lambda-stream demo: Service X -> event hub -> Service Y on an embedded AWS ({endpoint})")
    await asyncio.to_thread(create_resources, clients, names)
    say(f"  X   table {names.x_table} (stream) -> trigger: cdc -> bus {names.bus}")
    say(f"  hub rule to-service-y -> queue {names.listener_queue}; rule faults -> queue {names.fault_queue}")
    say(f"  Y   listener: materialize -> table {names.y_table}, collect -> event store {names.event_store}")
    say(f"      fault monitor -> bucket {names.fault_bucket} (faults/date=…/function=…/)")
    say(
        f"  seed {p.seed}: {p.count} objects, poison {p.poison}, soft delete {p.soft_deleted}, late update {p.late}"
    )
    runner = Runner(mappings(names), endpoint_url=endpoint, poll_interval_s=0.02)
    view = Progress(runner, w, live=progress)
    async with runner:
        for i, (phase, writes) in enumerate(p.phases):
            t0 = time.perf_counter()
            async with view.phase(f"{i + 1}. {phase}: {len(writes)} writes"):
                await asyncio.to_thread(write, clients, names, writes, i == 0)
                if not await runner.until_quiet(timeout_s=600):
                    say("FAILED    the system did not get quiet within 10 minutes")
                    return 1
            view.done(f"{i + 1}. {phase}: {len(writes)} writes, quiet after {time.perf_counter() - t0:.1f} s")
        elapsed = time.perf_counter() - started
        trigger_stats = runner.stats[0]
        outcome = await asyncio.to_thread(reconcile, clients, names, p, trigger_stats.records_done)
        status = report(say, runner, names, p, outcome, elapsed)
        if keep_running:
            say(f"running on {endpoint} (AWS_ENDPOINT_URL={endpoint}); Ctrl-C to stop")
            await until_interrupted(runner)
            say(runner.report())
    return status


async def until_interrupted(runner: Runner) -> None:
    """Keep the runner going until Ctrl-C (then the invocations in flight finish)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        tasks: list[asyncio.Task[Any]] = [
            asyncio.create_task(stop.wait()),
            asyncio.create_task(runner.wait()),
        ]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for task in done:
            task.result()  # a crash of the runner itself is raised
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def report(
    say: Callable[[str], None], runner: Runner, names: Names, p: Plan, o: Outcome, elapsed: float
) -> int:
    say("")
    say("records read per source")
    for s in runner.stats:
        say(f"  {s.name:<38} -> {s.function:<18} {s.records_done:>5} records")
    published = runner.stats[0].records_done
    say(f"events published   {published} (one per change in X)")
    say(
        f"rows materialized  {len(o.rows)} in Y's view table ({sum(1 for r in o.rows.values() if r.get('deleted'))} soft-deleted)"
    )
    say(f"events collected   {o.collected} in Y's event store")
    say(f"faults captured    {len(o.faults)}")
    for key, fault in o.faults:
        err = fault.get("err") or {}
        tags = fault.get("tags") or {}
        about = faulted_thing(fault) or "?"
        say(f"  {about}: {err.get('name')}: {err.get('message')} [pipeline {tags.get('pipeline')}]")
        function = key.split("/function=", 1)[1].split("/", 1)[0] if "/function=" in key else "?"
        say(f"    -> s3://{names.fault_bucket}/faults/date=<its day>/function={function}/<fault id>.json")
    through = sum(s.records_done for s in runner.stats)
    busy = sum(s.busy_ms for s in runner.stats)
    invocations = sum(s.invocations for s in runner.stats)
    say(
        f"time               {elapsed:.2f} s for {p.writes} writes; {elapsed * 1000 / max(1, p.writes):.2f} ms per "
        f"object change end to end, {busy / max(1, through):.2f} ms of function time per record "
        f"({invocations} invocations)"
    )
    say("")
    failed = [name for name, ok in o.checks if not ok]
    for name, ok in o.checks:
        say(f"{'ok      ' if ok else 'FAILED  '}  {name}")
    say("")
    if failed:
        say(f"NOT RECONCILED: {len(failed)} check(s) failed")
        return 1
    say(f"RECONCILED: {p.count} objects, {p.writes} writes, all accounted for")
    return 0
