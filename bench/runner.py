"""Runner benchmark: records per second through the demo's trigger -> hub -> listener path on
the embedded AWS (moto's server, in this process), and how it grows with the number of shards
and the parallelization factor.

Each configuration writes N domain objects first, then starts the runner and times it until the
system is quiet (wall time: the path waits on the emulator). Every object goes through three
hops: the trigger reads a change and publishes an event to the bus (PutEvents), the bus routes
it to the listener's queue, the listener materializes it (UpdateItem) and collects it (PutItem).

- ``dynamodb``: the demo's trigger on Service X's table stream (moto gives a table's stream one
  shard), parallelization factor 1..8;
- ``kinesis``: the same trigger logic fed from a Kinesis stream of 1..4 shards (for the shards
  axis), with parallelization factor 1 and 4.

The emulator runs in its own process (``moto_server``), so its CPU is not the runner's; with
``--in-process`` it shares this process (and its GIL) as in ``make demo``. A second series makes the
trigger the bottleneck, as a function talking to real AWS is: batches of 5 and 500 ms of waiting
per invocation (at most 10 records/s per lane), to show what the parallelization factor and the
shards buy until the emulator saturates. Also printed: the emulator's cost of the calls each record needs, measured alone,
which is where the path saturates. Run: ``.venv/bin/python bench/runner.py [N] [--in-process]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_stream import (
    Stream,
    default_options,
    from_kinesis,
    initialize,
    lambda_handler,
    publish_to_event_bridge,
)
from lambda_stream.cli.demo import environment, quiet_logs
from lambda_stream.cli.demo.functions import Names, listener, trigger
from lambda_stream.cli.demo.scenario import Version, create_resources, write
from lambda_stream.cli.runner import EventSourceMapping, Runner
from lambda_stream.cli.runner.aws import Clients
from lambda_stream.testing.moto_server import MotoServer, start_moto_server

STREAM = "service-x-changes"


def forward(opt: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
    """The trigger's job for events arriving on Kinesis: publish each one to the hub."""
    return lambda s: s.through(publish_to_event_bridge(**opt))


def kinesis_trigger(names: Names) -> Any:
    opt = default_options(bus_name=names.bus)
    return lambda_handler(
        initialize({"forward": forward}, opt), source=from_kinesis, partial_batch_response=True
    )


@dataclass
class Waiting:
    """A handler that also waits ``seconds`` per invocation (network time to a real service)."""

    handler: Any
    seconds: float

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        time.sleep(self.seconds)
        return self.handler(event, context)

    def close(self) -> None:
        self.handler.bridge.close()


@dataclass
class External:
    """moto's server in its own process."""

    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def start_external() -> MotoServer:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    binary = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    return MotoServer(server=External(process), endpoint_url=url)


def thing_event(i: int) -> dict[str, Any]:
    tid = f"thing-{i:05d}"
    return {
        "id": f"e{i}",
        "type": "thing-created",
        "timestamp": 1_767_225_600_000 + i,
        "partitionKey": tid,
        "thing": {"id": tid, "name": f"thing {i}", "status": "new"},
    }


def seed_kinesis(clients: Clients, shards: int, n: int) -> None:
    kinesis = clients.get("kinesis")
    kinesis.create_stream(StreamName=STREAM, ShardCount=shards)
    for start in range(0, n, 500):
        records = [
            {"PartitionKey": e["partitionKey"], "Data": json.dumps(e).encode()}
            for e in map(thing_event, range(start, min(n, start + 500)))
        ]
        kinesis.put_records(StreamName=STREAM, Records=records)


def one(
    server: MotoServer, kind: str, shards: int, factor: int, n: int, wait_s: float, batch: int
) -> tuple[float, int, int]:
    """(records per second, trigger invocations, their peak concurrency) for one configuration,
    from a fresh emulator."""
    server.reset()
    names, clients = Names(), Clients(server.endpoint_url)
    create_resources(clients, names)
    if kind == "dynamodb":
        writes = [(f"thing-{i:05d}", Version(f"thing {i}", "new", 1_767_225_600_000 + i)) for i in range(n)]
        write(clients, names, writes, creating=True)
        source, make = f"dynamodb:{names.x_table}", trigger
    else:
        seed_kinesis(clients, shards, n)
        source, make = f"kinesis:{STREAM}", kinesis_trigger

    def function() -> Any:
        return Waiting(make(names), wait_s) if wait_s else make(names)

    mappings = [
        EventSourceMapping(
            source, function, function_name="trigger", batch_size=batch, parallelization_factor=factor
        ),
        EventSourceMapping(
            f"sqs:{names.listener_queue}",
            lambda: listener(names),
            function_name="listener",
            maximum_concurrency=4,
        ),
    ]

    async def go() -> tuple[float, int, int]:
        runner = Runner(mappings, endpoint_url=server.endpoint_url, poll_interval_s=0.02)
        t0 = time.perf_counter()
        async with runner:
            assert await runner.until_quiet(timeout_s=900)
        elapsed = time.perf_counter() - t0
        done = runner.stats[1].records_done
        assert done == n, f"listener finished {done} of {n}:\n{runner.report()}"
        t = runner.stats[0]
        return n / elapsed, t.invocations, t.peak_in_flight

    return asyncio.run(go())


def call_costs(server: MotoServer) -> dict[str, float]:
    """Milliseconds per call of what each record needs, measured alone against the emulator."""
    server.reset()
    names, clients = Names(), Clients(server.endpoint_url)
    create_resources(clients, names)
    events, ddb = clients.get("events"), clients.get("dynamodb")
    out: dict[str, float] = {}
    t = time.perf_counter()
    for i in range(10):
        entries = [
            {
                "EventBusName": names.bus,
                "Source": "custom",
                "DetailType": "thing-created",
                "Detail": json.dumps(thing_event(i * 10 + j)),
            }
            for j in range(10)
        ]
        events.put_events(Entries=entries)
    out["PutEvents, per event (bus -> SQS rule)"] = (time.perf_counter() - t) * 1000 / 100
    t = time.perf_counter()
    for i in range(100):
        ddb.put_item(TableName=names.event_store, Item={"pk": {"S": f"e{i}"}, "sk": {"S": "EVENT"}})
    out["PutItem"] = (time.perf_counter() - t) * 1000 / 100
    t = time.perf_counter()
    for i in range(100):
        ddb.update_item(
            TableName=names.y_table,
            Key={"pk": {"S": f"t{i}"}, "sk": {"S": "thing"}},
            UpdateExpression="SET #n = :n, #t = :t",
            ConditionExpression="attribute_not_exists(#t) OR #t < :t",
            ExpressionAttributeNames={"#n": "name", "#t": "timestamp"},
            ExpressionAttributeValues={":n": {"S": "x"}, ":t": {"N": str(i)}},
        )
    out["UpdateItem (conditional)"] = (time.perf_counter() - t) * 1000 / 100
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 150
    in_process = "--in-process" in sys.argv
    server = start_moto_server() if in_process else start_external()
    configs = [("dynamodb", 1, f, 0.0, 25) for f in (1, 2, 4, 8)] + [
        ("kinesis", s, 1, 0.0, 25) for s in (1, 2, 4)
    ]
    configs += [("dynamodb", 1, f, 0.5, 5) for f in (1, 2, 4, 8)] + [
        ("kinesis", s, 1, 0.5, 5) for s in (1, 2, 4)
    ]
    env = {**server.env(), "AWS_LAMBDA_FUNCTION_NAME": "bench", "BUS_NAME": Names().bus}
    where = "in this process" if in_process else "its own process"
    try:
        with environment(env), quiet_logs(False):
            print(
                f"runner: {n} records, trigger -> hub -> listener; emulator in {where}; {os.cpu_count()} cores"
            )
            print(
                f"{'source':<9} {'shards':>6} {'factor':>6} {'batch':>5} {'wait ms':>7} {'records/s':>9} {'vs first':>8} {'calls':>6} {'peak':>5}"
            )
            first: dict[float, float] = {}
            for kind, shards, factor, wait_s, batch in configs:
                rate, invocations, peak = one(server, kind, shards, factor, n, wait_s, batch)
                base = first.setdefault(wait_s, rate)
                row = f"{kind:<9} {shards:>6} {factor:>6} {batch:>5} {wait_s * 1000:>7.0f} {rate:>9.1f} {rate / base:>7.2f}x"
                print(f"{row} {invocations:>6} {peak:>5}", flush=True)
            print("emulator cost per call, alone (ms):")
            for name, ms in call_costs(server).items():
                print(f"  {name:<40} {ms:6.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
