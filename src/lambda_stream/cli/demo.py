"""``lambda-stream demo``: a typical Kinesis handler, run on an embedded AWS, with a short report.

moto's server runs on 127.0.0.1 (no account, no network). The demo creates a DynamoDB entity
table and an EventBridge bus whose rule routes every event to an SQS queue, builds a handler as a
user writes one, invokes it with a Kinesis batch holding a stale update and a malformed record,
then reads back the table and the queue. It doubles as a smoke test: ``run_demo`` returns 1 when
what arrived is not what was expected.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from lambda_stream import (
    Stream,
    default_options,
    faulty,
    from_kinesis,
    initialize,
    lambda_handler,
    on_event_type,
    publish_to_event_bridge,
    timestamp_condition,
    update_dynamodb,
    update_expression,
)
from lambda_stream.connectors import ConnectorCache, DynamoDBConnector, EventBridgeConnector, SqsConnector
from lambda_stream.pipelines import LambdaHandler
from lambda_stream.testing import to_kinesis_records
from lambda_stream.testing.moto_server import create_table

TABLE = "entities"
BUS = "demo-bus"
QUEUE = "demo-events"
FUNCTION_NAME = "lambda-stream-demo"

# -------------------------------------------------------------------------------------------------
# The handler, written as a user writes one (in a real service this is the handler module).
# -------------------------------------------------------------------------------------------------


def to_update_request(uow: dict[str, Any]) -> dict[str, Any]:
    """Materialize a thing: SET its fields, but only if this event is newer than the row."""
    event = uow["event"]
    thing = event["thing"]
    return {
        **uow,
        "update_request": {
            "Key": {"pk": thing["id"], "sk": "thing"},
            **update_expression(
                {
                    "name": thing["name"],
                    "discriminator": "thing",
                    "lastModifiedBy": event["id"],
                    "timestamp": event["timestamp"],
                }
            ),
            **timestamp_condition(),
        },
    }


def materialize(opt: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
    """thing-created / thing-updated -> the thing's row in the entity table."""
    return lambda s: (
        s.filter(on_event_type({"event_type": ["thing-created", "thing-updated"]}))
        .map(faulty(to_update_request))
        .through(update_dynamodb(**opt))
    )


def to_announcement(uow: dict[str, Any]) -> dict[str, Any]:
    """A derived event: every new thing is announced to the rest of the system."""
    event = uow["event"]
    return {
        **uow,
        "event": {
            "id": f"{event['id']}.announced",
            "type": "thing-announced",
            "timestamp": event["timestamp"],
            "partitionKey": event["partitionKey"],
            "thing": {"id": event["thing"]["id"], "name": event["thing"]["name"]},
            "triggers": [{"id": event["id"], "type": event["type"], "timestamp": event["timestamp"]}],
        },
    }


def announce(opt: dict[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
    """thing-created -> thing-announced, published to the bus."""
    return lambda s: (
        s.filter(on_event_type({"event_type": "thing-created"}))
        .map(faulty(to_announcement))
        .through(publish_to_event_bridge(**opt))
    )


PIPELINES = {"materialize": materialize, "announce": announce}


def make_handler() -> tuple[LambdaHandler, dict[str, Any]]:
    """What a handler module holds, built once the environment is set (BUS_NAME, ENTITY_TABLE_NAME)."""
    OPT = default_options()  # BUS_NAME is set: faults are published to the bus
    handler = lambda_handler(
        lambda event, ctx: initialize(PIPELINES, OPT).assemble(from_kinesis(event)),
        partial_batch_response=True,
    )
    return handler, OPT


# -------------------------------------------------------------------------------------------------
# The scenario
# -------------------------------------------------------------------------------------------------


def thing_event(i: int, type_: str, thing_id: str, name: str, timestamp: int) -> dict[str, Any]:
    return {
        "id": f"e{i}",
        "type": type_,
        "timestamp": timestamp,
        "partitionKey": thing_id,
        "thing": {"id": thing_id, "name": name},
    }


EVENTS = [
    thing_event(0, "thing-created", "t1", "widget", 1_000),
    thing_event(1, "thing-created", "t2", "gadget", 1_100),
    thing_event(2, "thing-updated", "t1", "widget v2", 3_000),
    thing_event(3, "thing-created", "t3", "gizmo", 1_200),
    {"id": "e4", "type": "order-placed", "timestamp": 1_300, "partitionKey": "o1", "order": {"n": 1}},
    # record 5 is malformed (see MALFORMED); then an update of t1 older than e2: stale
    thing_event(6, "thing-updated", "t1", "widget v1 (stale)", 2_000),
]
MALFORMED_AT = 5
MALFORMED = b'{"id":"e5","type":"thing-created","thing":'  # truncated JSON
STALE_ID = "e6"

EXPECTED_ROWS = {
    "t1": {"name": "widget v2", "timestamp": 3_000, "lastModifiedBy": "e2"},
    "t2": {"name": "gadget", "timestamp": 1_100, "lastModifiedBy": "e1"},
    "t3": {"name": "gizmo", "timestamp": 1_200, "lastModifiedBy": "e3"},
}
EXPECTED_ANNOUNCED = ["e0.announced", "e1.announced", "e3.announced"]


def kinesis_batch() -> dict[str, Any]:
    """The batch: the events, with a malformed record slotted in at ``MALFORMED_AT``."""
    events = [*EVENTS[:MALFORMED_AT], {"id": "e5", "type": "placeholder"}, *EVENTS[MALFORMED_AT:]]
    batch = to_kinesis_records(events)
    batch["Records"][MALFORMED_AT]["kinesis"]["data"] = base64.b64encode(MALFORMED).decode("ascii")
    return batch


class DemoContext:
    """The part of the Lambda context lambda-stream reads: the remaining time."""

    function_name = FUNCTION_NAME
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def __init__(self, timeout_ms: int = 30_000) -> None:
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


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
    """Faults are logged at ERROR on ``lambda_stream.faults``; the report shows them instead."""
    logger = logging.getLogger("lambda_stream.faults")
    saved = logger.propagate, logger.handlers[:]
    if verbose:
        logging.basicConfig(level=logging.INFO, format="  log %(name)s %(levelname)s %(message)s")
    else:
        logger.propagate = False
        logger.handlers = [logging.NullHandler()]
    try:
        yield
    finally:
        logger.propagate, logger.handlers = saved[0], saved[1]


def create_resources(cache: ConnectorCache) -> str:
    """The entity table, the bus with a rule routing every event to a queue; returns the queue URL."""
    ddb = cache.get(DynamoDBConnector).client
    create_table(ddb, TABLE)
    sqs = cache.get(SqsConnector).client
    queue_url: str = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = cache.get(EventBridgeConnector).client
    events.create_event_bus(Name=BUS)
    events.put_rule(Name="everything", EventBusName=BUS, EventPattern=json.dumps({"source": ["custom"]}))
    events.put_targets(Rule="everything", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": arn}])
    return queue_url


async def read_rows(cache: ConnectorCache) -> tuple[int, dict[str, dict[str, Any]]]:
    """The number of rows in the table, and each expected thing's row (read with our connector)."""
    ddb = cache.get(DynamoDBConnector)
    count = (await ddb.call("scan", TableName=TABLE, Select="COUNT"))["Count"]
    rows: dict[str, dict[str, Any]] = {}
    for thing_id in EXPECTED_ROWS:
        response = await ddb.get_item(
            {"TableName": TABLE, "Key": {"pk": thing_id, "sk": "thing"}, "ConsistentRead": True}
        )
        if "Item" in response:
            rows[thing_id] = response["Item"]
    return int(count), rows


def read_queue(cache: ConnectorCache, queue_url: str, expected: int) -> list[dict[str, Any]]:
    """Every event on the queue (EventBridge's ``detail``), polling until ``expected`` arrived."""
    sqs = cache.get(SqsConnector).client
    details: list[dict[str, Any]] = []
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        for m in messages:
            details.append(json.loads(m["Body"])["detail"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        if not messages and len(details) >= expected:
            break
        if not messages:
            time.sleep(0.05)
    return details


# -------------------------------------------------------------------------------------------------
# The report
# -------------------------------------------------------------------------------------------------


def run_demo(out: TextIO | None = None, verbose: bool = False) -> int:
    """Run the scenario and print the report to ``out``; 0 when everything arrived as expected."""
    w = out if out is not None else sys.stdout
    started = time.perf_counter()
    try:
        from lambda_stream.testing.moto_server import start_moto_server

        server = start_moto_server()
        # moto keeps its backends per process: start from nothing even if another server ran here
        server.reset()
    except ImportError:
        print("lambda-stream demo needs moto's server: pip install 'lambda-stream[dev]'", file=w)
        return 2

    def say(line: str = "") -> None:
        print(line, file=w)

    try:
        env = {
            **server.env(),
            "BUS_NAME": BUS,
            "ENTITY_TABLE_NAME": TABLE,
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "STAGE": "demo",
        }
        with environment(env), quiet_logs(verbose):
            setup = ConnectorCache()
            try:
                return _scenario(setup, say, server.endpoint_url, started)
            finally:
                setup.close()
    finally:
        server.stop()


def _scenario(setup: ConnectorCache, say: Callable[[str], None], endpoint: str, started: float) -> int:
    say(f"lambda-stream demo: a Kinesis handler on an embedded AWS (moto server at {endpoint})")
    queue_url = create_resources(setup)
    say(
        f"  set-up    table {TABLE!r} (pk/sk); bus {BUS!r} with a rule routing every event to queue {QUEUE!r}"
    )
    say("  pipelines materialize: thing-created|thing-updated -> update_dynamodb (timestamp_condition)")
    say("            announce:    thing-created -> thing-announced -> publish_to_event_bridge")

    handler, opt = make_handler()
    batch = kinesis_batch()
    n = len(batch["Records"])
    say(
        f"  in        {n} Kinesis records: {n - 1} events (one stale update, one type no pipeline wants)"
        f" + record {MALFORMED_AT} malformed (truncated JSON)"
    )
    t0 = time.perf_counter()
    try:
        response = handler(batch, DemoContext())
    finally:
        handler_s = time.perf_counter() - t0
        handler.bridge.close()
        opt["connectors"].close()

    count, rows = asyncio.run(read_rows(setup))
    details = read_queue(setup, queue_url, expected=len(EXPECTED_ANNOUNCED) + 1)
    announced = sorted(d["id"] for d in details if d.get("type") == "thing-announced")
    faults = [d for d in details if d.get("type") == "fault"]
    others = [d for d in details if d.get("type") not in ("thing-announced", "fault")]

    say("")
    say(f"table {TABLE!r}: {count} rows")
    for thing_id, row in rows.items():
        say(
            f"  {thing_id}  name={row.get('name')!r:<14} timestamp={row.get('timestamp')}  "
            f"lastModifiedBy={row.get('lastModifiedBy')}"
        )
    stale = next(e for e in EVENTS if e["id"] == STALE_ID)
    t1 = rows.get("t1", {})
    stale_ignored = t1.get("lastModifiedBy") == "e2" and t1.get("timestamp") == 3_000
    say(
        f"  stale update {STALE_ID} (t1 -> {stale['thing']['name']!r} @ {stale['timestamp']}): "
        + ("ignored, t1 keeps the newer e2 @ 3000" if stale_ignored else "NOT ignored")
    )

    say("")
    say(f"queue {QUEUE!r}: {len(details)} events")
    for d in sorted(details, key=lambda d: (d.get("type") == "fault", str(d.get("id")))):
        if d.get("type") == "fault":
            record = ((d.get("uow") or {}).get("record")) or {}
            say(
                f"  fault            {d['err']['name']}: {d['err']['message']}"
                f"  [record {record.get('eventID')}, pipeline {d['tags'].get('pipeline')}]"
            )
        else:
            thing = d.get("thing") or {}
            tags = d.get("tags") or {}
            say(
                f"  {d.get('type'):<16} {d.get('id')}  thing {thing.get('id')} {thing.get('name')!r}"
                f"  [pipeline {tags.get('pipeline')}, stage {tags.get('stage')}]"
            )

    say("")
    say(f"response  {json.dumps(response)}")
    say(f"time      handler {handler_s * 1000:.0f} ms; whole demo {time.perf_counter() - started:.2f} s")

    malformed_id = batch["Records"][MALFORMED_AT]["eventID"]
    checks = [
        ("the table holds exactly the 3 things", count == 3 and set(rows) == set(EXPECTED_ROWS)),
        (
            "each row holds its newest event",
            all(
                all(rows.get(t, {}).get(k) == v for k, v in want.items()) for t, want in EXPECTED_ROWS.items()
            ),
        ),
        ("the stale update was ignored", stale_ignored),
        ("one thing-announced per thing-created", announced == EXPECTED_ANNOUNCED),
        (
            "one fault, for the malformed record",
            len(faults) == 1
            and faults[0]["err"]["name"] == "DecodeError"
            and ((faults[0].get("uow") or {}).get("record") or {}).get("eventID") == malformed_id,
        ),
        ("nothing else on the queue", not others),
        ("no batch item failures", response == {"batchItemFailures": []}),
    ]
    failed = [name for name, ok in checks if not ok]
    say("")
    if failed:
        for name in failed:
            say(f"FAILED    {name}")
        return 1
    say(
        f"OK        all {n} records accounted for: {len(EXPECTED_ROWS)} things materialized, "
        f"1 stale update ignored, {len(announced)} events derived, 1 fault published"
    )
    return 0


def add_arguments(p: Any) -> None:
    p.add_argument("-v", "--verbose", action="store_true", help="also show the library's log lines")


def demo_command(args: Any) -> int:
    return run_demo(verbose=args.verbose)
