from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lambda_stream.errors import DecodeError
from lambda_stream.sources import from_dynamodb
from lambda_stream.testing import to_dynamodb_records

from .helpers import collect, load_event


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")


def events_of(event: dict[str, Any], **opt: Any) -> list[dict[str, Any]]:
    uows, errors = collect(from_dynamodb(event, **opt))
    assert errors == []
    return [u["event"] for u in uows]


def test_sample_insert() -> None:
    event = load_event("dynamodb-insert.json")
    uows, errors = collect(from_dynamodb(event))
    assert errors == []
    assert uows[0]["record"] == event["Records"][0]
    e = uows[0]["event"]
    assert e == {
        "id": "c4ca4238a0b923820dcc509a6f75849b",
        "type": "thing-created",
        "partitionKey": "00000000-0000-0000-0000-000000000001",
        "timestamp": 1548967022000,
        "tags": {"region": "us-west-2"},
        "raw": {"new": e["raw"]["new"], "old": None},
    }
    new = e["raw"]["new"]
    assert new["price"] == Decimal("12.50") and type(new["price"]) is Decimal
    assert new["quantity"] == 3 and type(new["quantity"]) is int
    assert new["tags"] == {"blue", "red"}
    assert new["attachment"] == b"hello"
    assert new["deleted"] is None
    assert new["dimensions"] == {"height": 10, "width": Decimal("0.5")}
    assert new["parts"] == ["a", 1, True]


def test_sample_modify_and_remove() -> None:
    [modify] = events_of(load_event("dynamodb-modify.json"))
    assert modify["type"] == "thing-updated"
    assert modify["timestamp"] == 1548967023000
    assert modify["raw"]["new"]["name"] == "Thing One Updated"
    assert modify["raw"]["old"]["name"] == "Thing One"
    [remove] = events_of(load_event("dynamodb-remove.json"))
    assert remove["type"] == "thing-deleted"
    assert remove["raw"] == {"new": None, "old": remove["raw"]["old"]}
    assert remove["timestamp"] == 1548967024000  # no new image: ApproximateCreationDateTime x 1000


def test_type_prefix_discriminator_else_sk_lower_cased_or_given() -> None:
    event = to_dynamodb_records(
        [
            {
                "timestamp": 1,
                "keys": {"pk": "1", "sk": "x"},
                "newImage": {"pk": "1", "sk": "Thing", "discriminator": "Widget"},
            },
            {"timestamp": 1, "keys": {"pk": "2", "sk": "x"}, "newImage": {"pk": "2", "sk": "Thing"}},
            {"timestamp": 1, "keys": {"pk": "3", "sk": "x"}, "oldImage": {"pk": "3", "sk": "GADGET"}},
        ]
    )
    assert [e["type"] for e in events_of(event)] == ["widget-created", "thing-created", "gadget-deleted"]
    assert [e["type"] for e in events_of(event, event_type_prefix="stuff")] == [
        "stuff-created",
        "stuff-created",
        "stuff-deleted",
    ]
    custom = to_dynamodb_records(
        [
            {
                "timestamp": 1,
                "keys": {"id": "9", "kind": "x"},
                "newImage": {"id": "9", "kind": "Order", "d": "Line"},
            }
        ]
    )
    [e] = events_of(custom, pk="id", sk="kind", discriminator="d")
    assert (e["type"], e["partitionKey"]) == ("line-created", "9")
    [e] = events_of(custom, pk="id", sk="kind", discriminator="missing")
    assert e["type"] == "order-created"


def test_soft_delete_and_undelete() -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records(
        [
            {"timestamp": 1, "keys": keys, "newImage": {**keys, "deleted": True}, "oldImage": {**keys}},
            {
                "timestamp": 1,
                "keys": keys,
                "newImage": {**keys, "deleted": None},
                "oldImage": {**keys, "deleted": True},
            },
            {
                "timestamp": 1,
                "keys": keys,
                "newImage": {**keys, "deleted": False},
                "oldImage": {**keys, "deleted": True},
            },
            {"timestamp": 1, "keys": keys, "newImage": {**keys}, "oldImage": {**keys, "deleted": True}},
            {"timestamp": 1, "keys": keys, "newImage": {**keys, "deleted": True}},
            {
                "timestamp": 1,
                "keys": keys,
                "newImage": {**keys, "deleted": False},
                "oldImage": {**keys, "deleted": False},
            },
            {"timestamp": 1, "keys": keys, "oldImage": {**keys, "deleted": True}},
        ]
    )
    assert [e["type"] for e in events_of(event)] == [
        "thing-deleted",
        "thing-undeleted",
        "thing-undeleted",
        "thing-undeleted",
        "thing-deleted",
        "thing-updated",
        "thing-deleted",
    ]


def test_timestamp_new_image_else_approximate_creation_time() -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records(
        [
            {"timestamp": 1600000000, "keys": keys, "newImage": {**keys, "timestamp": 1600000000123}},
            {"timestamp": 1600000000, "keys": keys, "newImage": {**keys}},
            {"timestamp": 1600000000, "keys": keys, "newImage": {**keys, "timestamp": "2020-09-13"}},
            {"timestamp": 1600000000, "keys": keys, "newImage": {**keys, "timestamp": 0}},
            {"timestamp": 1600000000, "keys": keys, "oldImage": {**keys, "timestamp": 5}},
            {"timestamp": 1600000000.5, "keys": keys, "newImage": {**keys}},
        ]
    )
    ts = [e["timestamp"] for e in events_of(event)]
    assert ts == [1600000000123, 1600000000000, 1600000000000, 1600000000000, 1600000000000, 1600000000500]
    assert all(type(t) is int for t in ts)


def test_partition_key_and_region_tag() -> None:
    event = to_dynamodb_records(
        [{"timestamp": 1, "keys": {"pk": 7, "sk": "a"}, "newImage": {"pk": 7, "sk": "a"}}]
    )
    event["Records"][0]["awsRegion"] = "eu-west-1"
    [e] = events_of(event)
    assert e["partitionKey"] == "7"
    assert e["tags"] == {"region": "eu-west-1"}


def test_global_table_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    event = load_event("dynamodb-global-table.json")
    # us-west-2: the replica from us-east-1 and the extra MODIFY are dropped
    assert [e["id"] for e in events_of(event)] == ["8f14e45fceea167a5a36dedd4bea2543"]
    # ignore_replicas=False keeps the replica; the extra MODIFY is still dropped
    assert [e["id"] for e in events_of(event, ignore_replicas=False)] == [
        "1679091c5a880faf6fb5e6087eb1b2dc",
        "8f14e45fceea167a5a36dedd4bea2543",
    ]
    # the region is read when the source is called: in us-east-1 the INSERT is local, the MODIFY a replica
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert [e["id"] for e in events_of(event)] == ["1679091c5a880faf6fb5e6087eb1b2dc"]


def test_global_table_v1_attribute_and_removes() -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records(
        [
            {"timestamp": 1, "keys": keys, "newImage": {**keys, "aws:rep:updateregion": "us-east-1"}},
            {"timestamp": 1, "keys": keys, "newImage": {**keys, "aws:rep:updateregion": "us-west-2"}},
            {"timestamp": 1, "keys": keys, "oldImage": {**keys, "awsregion": "us-east-1"}},
            {"timestamp": 1, "keys": keys, "oldImage": {**keys, "awsregion": "us-west-2"}},
            {
                "timestamp": 1,
                "keys": keys,
                "newImage": {**keys, "aws:rep:updateregion": "us-west-2"},
                "oldImage": {**keys},
            },
        ]
    )
    assert [e["id"] for e in events_of(event)] == ["1", "3"]


def test_ttl_expired_removes(monkeypatch: pytest.MonkeyPatch) -> None:
    event = load_event("dynamodb-ttl-remove.json")
    assert [e["type"] for e in events_of(event)] == ["event-deleted", "event-deleted"]
    # the second REMOVE has no userIdentity and its ttl has passed: a replicated TTL delete (JS #426)
    assert events_of(event, ignore_ttl_expired_events=True) == []
    user_delete = event["Records"][1]
    user_delete["dynamodb"]["OldImage"]["ttl"] = {"N": "1549053600"}  # not expired yet: a user's delete
    [kept] = events_of(event, ignore_ttl_expired_events=True)
    assert kept["id"] == "e4da3b7fbbce2345d7772b0674a318d5"
    assert kept["raw"]["old"]["event"]["type"] == "thing-submitted"
    user_delete["userIdentity"] = {"type": "User", "principalId": "me"}  # any identity but TTL's stays
    user_delete["dynamodb"]["OldImage"]["ttl"] = {"N": "1"}
    assert [e["id"] for e in events_of(event, ignore_ttl_expired_events=True)] == [kept["id"]]
    del user_delete["dynamodb"]["OldImage"]["ttl"], user_delete["userIdentity"]  # no ttl: a user's delete
    assert [e["id"] for e in events_of(event, ignore_ttl_expired_events=True)] == [kept["id"]]
    assert len(events_of(event)) == 2  # nothing is dropped unless asked


def test_prefer_approximate_timestamp() -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records(
        [{"timestamp": 1700000000, "keys": keys, "newImage": {**keys, "timestamp": 5}}]
    )
    assert [e["timestamp"] for e in events_of(event)] == [5]
    assert [e["timestamp"] for e in events_of(event, prefer_approximate_timestamp=True)] == [1700000000000]


def test_ttl_builder_input_round_trip() -> None:
    principal = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    keys = {"pk": "1", "sk": "EVENT"}
    event = to_dynamodb_records(
        [{"timestamp": 2, "keys": keys, "oldImage": {**keys, "ttl": 1}, "userIdentity": principal}]
    )
    assert event["Records"][0]["userIdentity"] == principal
    assert events_of(event, ignore_ttl_expired_events=True) == []


def test_without_aws_region_every_global_table_write_counts_as_a_replica(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION")
    event = load_event("dynamodb-global-table.json")
    assert events_of(event) == []
    keys = {"pk": "1", "sk": "thing"}
    assert len(events_of(to_dynamodb_records([{"timestamp": 1, "keys": keys, "newImage": keys}]))) == 1


def test_round_trip_through_the_builder() -> None:
    keys = {"pk": "p1", "sk": "thing"}
    item = {**keys, "discriminator": "thing", "name": "x", "n": Decimal("1.25"), "s": {"a"}, "nothing": None}
    [e] = events_of(to_dynamodb_records([{"timestamp": 1548967022, "keys": keys, "newImage": item}]))
    assert e == {
        "id": "0",
        "type": "thing-created",
        "partitionKey": "p1",
        "timestamp": 1548967022000,
        "tags": {"region": "us-west-2"},
        "raw": {"new": item, "old": None},
    }


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("dynamodb"), "dynamodb"),
        (lambda r: r.update(eventName="UPSERT"), "UPSERT"),
        (lambda r: r["dynamodb"].pop("Keys"), "Keys"),
        (lambda r: r["dynamodb"]["Keys"].pop("pk"), "pk"),
        (lambda r: r["dynamodb"].pop("NewImage"), "NewImage"),
        (lambda r: r["dynamodb"]["NewImage"].update(price={"N": "twelve"}), "twelve"),
        (
            lambda r: r["dynamodb"]["NewImage"].update(discriminator={"N": "1"}, sk={"N": "2"}),
            "discriminator",
        ),
        (lambda r: r["dynamodb"]["NewImage"].update(b={"B": "%%%"}), "base64"),
        (lambda r: r["dynamodb"].pop("ApproximateCreationDateTime"), "ApproximateCreationDateTime"),
        (lambda r: r.pop("eventID"), "eventID"),
    ],
)
def test_bad_records_are_decode_errors_and_the_batch_goes_on(mutate: Any, message: str) -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records(
        [{"timestamp": 1, "keys": keys, "newImage": {**keys, "n": 1}} for _ in range(3)]
    )
    mutate(event["Records"][1])
    uows, errors = collect(from_dynamodb(event))
    assert [u["event"]["id"] for u in uows] == ["0", "2"]
    assert len(errors) == 1
    assert isinstance(errors[0], DecodeError)
    assert errors[0].uow == {"record": event["Records"][1]}
    assert message in str(errors[0])


def test_undelete_needs_the_new_deleted_to_be_falsy() -> None:
    keys = {"pk": "1", "sk": "thing"}
    event = to_dynamodb_records(
        [
            {
                "timestamp": 1,
                "keys": keys,
                "newImage": {**keys, "deleted": 1},
                "oldImage": {**keys, "deleted": True},
            }
        ]
    )
    assert [e["type"] for e in events_of(event)] == ["thing-updated"]
