"""The demo's world: the resources, what Service X's users write, and what must hold afterwards.

The writes come in phases and the runner drains the system between them, as time passes in real
life: an update never shares a listener batch with the create of the same object, and the late
update arrives in a later invocation than the newer version it loses to (moto's conditional
UpdateItem is not atomic for concurrent requests on one key, so one batch must not race them).
Everything is chosen by ``random.Random(seed)``: the same seed writes the same objects.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...utils.dynamodb_json import unmarshall_image
from .functions import Names

BASE_TS = 1_767_225_600_000  # 2026-01-01T00:00:00Z, in ms: timestamps are part of the seed's world
ADJECTIVES = [
    "amber",
    "brisk",
    "calm",
    "deft",
    "eager",
    "fair",
    "glad",
    "hale",
    "keen",
    "lush",
    "mild",
    "neat",
]
NOUNS = ["anchor", "beacon", "cinder", "delta", "ember", "fjord", "garnet", "harbor", "island", "juniper"]


@dataclass
class Version:
    """One write of a thing: what Y must show if it is the newest."""

    name: str | None
    status: str
    timestamp: int
    deleted: bool = False


@dataclass
class Plan:
    """What the writer does, phase by phase, and what it wrote (the reconciliation's truth)."""

    count: int
    seed: int
    poison: str = ""
    soft_deleted: str = ""
    late: str = ""
    phases: list[tuple[str, list[tuple[str, Version]]]] = field(default_factory=list)
    written: dict[str, list[Version]] = field(default_factory=dict)

    def newest(self, thing_id: str) -> Version:
        return max(self.written[thing_id], key=lambda v: v.timestamp)

    @property
    def writes(self) -> int:
        return sum(len(v) for v in self.written.values())


def thing_id(i: int) -> str:
    return f"thing-{i:04d}"


def plan(count: int, seed: int) -> Plan:
    """The objects, the updates, the soft delete, the late update and the poison object."""
    if count < 4:
        raise ValueError("the demo needs at least 4 objects (one poison, one deleted, one late, one plain)")
    rng = random.Random(seed)
    p = Plan(count, seed)
    ids = [thing_id(i) for i in range(count)]
    p.poison = rng.choice(ids)
    creates = []
    for i, tid in enumerate(ids):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        v = Version(None if tid == p.poison else name, "new", BASE_TS + i * 10)
        creates.append((tid, v))
    healthy = [t for t in ids if t != p.poison]
    updated = sorted(rng.sample(healthy, max(2, len(healthy) * 2 // 5)))
    updates = []
    for tid in updated:
        first = creates[ids.index(tid)][1]
        updates.append((tid, Version(f"{first.name} v2", "active", first.timestamp + 60_000_000)))
    p.soft_deleted = rng.choice([t for t in healthy if t not in updated[:1]])
    p.late = updated[0] if updated[0] != p.soft_deleted else updated[1]
    late_first = creates[ids.index(p.late)][1]
    deleted_base = max(
        [v.timestamp for t, v in updates if t == p.soft_deleted]
        + [creates[ids.index(p.soft_deleted)][1].timestamp]
    )
    last = [
        (
            p.soft_deleted,
            Version(_name_of(p.soft_deleted, creates, updates), "closed", deleted_base + 120_000_000, True),
        ),
        # newer than the create, older than its v2: it arrives late, after v2 was materialized
        (p.late, Version(f"{late_first.name} (late edit)", "draft", late_first.timestamp + 1_000)),
    ]
    p.phases = [("creates", creates), ("updates", updates), ("soft delete + late update", last)]
    for _, writes in p.phases:
        for tid, v in writes:
            p.written.setdefault(tid, []).append(v)
    return p


def _name_of(tid: str, creates: list[tuple[str, Version]], updates: list[tuple[str, Version]]) -> str | None:
    for t, v in reversed(updates + creates):
        if t == tid:
            return v.name
    return None


# -- resources -----------------------------------------------------------------------------------


def create_resources(clients: Any, names: Names) -> None:
    """X's table (stream on), the hub (bus, a rule per consumer queue), Y's tables, the fault bucket."""
    ddb = clients.get("dynamodb")
    keys = {
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
    stream = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ddb.create_table(TableName=names.x_table, AttributeDefinitions=attrs, StreamSpecification=stream, **keys)
    ddb.create_table(TableName=names.y_table, AttributeDefinitions=attrs, **keys)
    ddb.create_table(
        TableName=names.event_store,
        AttributeDefinitions=[*attrs, {"AttributeName": "data", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "DataIndex",
                "KeySchema": [
                    {"AttributeName": "data", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification=stream,
        **keys,
    )
    sqs = clients.get("sqs")

    def queue(name: str, dlq: str | None = None) -> str:
        attributes = {}
        if dlq is not None:
            attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq, "maxReceiveCount": "3"})
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return str(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        )

    listener_arn = queue(names.listener_queue, queue(names.listener_dlq))
    fault_arn = queue(names.fault_queue, queue(names.fault_dlq))
    queue(names.trigger_failures)
    events = clients.get("events")
    events.create_event_bus(Name=names.bus)
    # The target gets the event itself (the envelope's detail), as from_sqs_event expects.
    detail_only = {"InputPathsMap": {"detail": "$.detail"}, "InputTemplate": "<detail>"}
    routes = [
        ("to-service-y", {"source": ["custom"], "detail-type": [{"anything-but": "fault"}]}, listener_arn),
        ("faults", {"detail-type": ["fault"]}, fault_arn),
    ]
    for rule, pattern, arn in routes:
        events.put_rule(Name=rule, EventBusName=names.bus, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule=rule,
            EventBusName=names.bus,
            Targets=[{"Id": rule, "Arn": arn, "InputTransformer": detail_only}],
        )
    clients.get("s3").create_bucket(Bucket=names.fault_bucket)


def write(clients: Any, names: Names, writes: list[tuple[str, Version]], creating: bool) -> None:
    """Service X's ordinary boto3 calls: PutItem for a create, UpdateItem for the rest."""
    ddb = clients.get("dynamodb")
    for tid, v in writes:
        values: dict[str, Any] = {"status": {"S": v.status}, "timestamp": {"N": str(v.timestamp)}}
        if v.name is not None:
            values["name"] = {"S": v.name}
        else:
            values["title"] = {"S": "written by an old client: no name"}
        if v.deleted:
            values["deleted"] = {"BOOL": True}
        if creating:
            item = {"pk": {"S": tid}, "sk": {"S": "thing"}, "discriminator": {"S": "thing"}, **values}
            ddb.put_item(TableName=names.x_table, Item=item)
            continue
        sets = ", ".join(f"#{k} = :{k}" for k in values)
        ddb.update_item(
            TableName=names.x_table,
            Key={"pk": {"S": tid}, "sk": {"S": "thing"}},
            UpdateExpression=f"SET {sets}",
            ExpressionAttributeNames={f"#{k}": k for k in values},
            ExpressionAttributeValues={f":{k}": val for k, val in values.items()},
        )


# -- what is there afterwards ----------------------------------------------------------------------


def scan(clients: Any, table: str) -> Iterator[dict[str, Any]]:
    ddb = clients.get("dynamodb")
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        for item in page.get("Items", []):
            yield unmarshall_image(item)
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def fault_objects(clients: Any, bucket: str) -> list[tuple[str, dict[str, Any]]]:
    s3 = clients.get("s3")
    out = []
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        out.append((obj["Key"], json.loads(body)))
    return out


def queue_depth(clients: Any, name: str) -> int:
    sqs = clients.get("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


@dataclass
class Outcome:
    """What the system holds, and the checks of the reconciliation (name, passed)."""

    rows: dict[str, dict[str, Any]]
    collected: int
    faults: list[tuple[str, dict[str, Any]]]
    faulted_things: list[str]
    checks: list[tuple[str, bool]]


def faulted_thing(fault: dict[str, Any]) -> str | None:
    """The thing a fault event is about (its uow's event)."""
    uow = fault.get("uow") or {}
    event = uow.get("event") or {}
    thing = event.get("thing") or {}
    value = thing.get("id") or event.get("partitionKey")
    return str(value) if value else None


def reconcile(clients: Any, names: Names, p: Plan, published: int) -> Outcome:
    rows = {row["pk"]: row for row in scan(clients, names.y_table)}
    collected = sum(1 for _ in scan(clients, names.event_store))
    faults = fault_objects(clients, names.fault_bucket)
    faulted = sorted(t for t in (faulted_thing(f) for _, f in faults) if t)
    wrong = []
    for tid in sorted(p.written):
        want, row = p.newest(tid), rows.get(tid)
        if row is None:
            if tid not in faulted:
                wrong.append(tid)
            continue
        got = (row.get("name"), row.get("timestamp"), bool(row.get("deleted")))
        if got != (want.name, want.timestamp, want.deleted):
            wrong.append(tid)
    late_row = rows.get(p.late) or {}
    checks = [
        (f"every object is in Y at its newest version or a fault ({len(p.written)} objects)", not wrong),
        (
            f"the late update of {p.late} lost to the newer version",
            late_row.get("timestamp") == p.newest(p.late).timestamp,
        ),
        (
            f"the soft delete of {p.soft_deleted} is materialized",
            bool((rows.get(p.soft_deleted) or {}).get("deleted")),
        ),
        (f"one change event per write in X ({p.writes})", published == p.writes),
        ("every published event is collected in Y's event store", collected == published),
        (
            f"exactly one fault, naming the poison object {p.poison}",
            faulted == [p.poison] and len(faults) == 1,
        ),
        (
            "nothing given up on (on-failure queue and dead-letter queues empty)",
            all(
                queue_depth(clients, q) == 0
                for q in (names.trigger_failures, names.listener_dlq, names.fault_dlq)
            ),
        ),
    ]
    if wrong:
        checks.append((f"mismatched: {', '.join(wrong[:5])}{' ...' if len(wrong) > 5 else ''}", False))
    return Outcome(rows, collected, faults, faulted, checks)
