"""materialize / update / cdc / send_messages / firehose: requests and events as JS 1.2's tests."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from lambda_stream import (
    Stream,
    cdc,
    from_dynamodb,
    from_firehose,
    from_kinesis,
    materialize,
    publish_to_kinesis,
    timestamp_condition,
    ttl,
    update_expression,
)
from lambda_stream.flavors import firehose_drop, firehose_transform, send_messages, spread_date_time, update
from lambda_stream.testing import to_dynamodb_records, to_firehose_records, to_kinesis_records

from .fakes import FakeAws, run_rules, split

TS = 1548967022000


def to_update_request(uow: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    thing = uow.get("split") or uow["event"]["thing"]
    return {
        "Key": {"pk": thing["id"], "sk": "thing"},
        **update_expression(
            {
                **thing,
                "discriminator": "thing",
                "ttl": ttl(uow["event"]["timestamp"], 1),
                "timestamp": uow["event"]["timestamp"],
            }
        ),
        **timestamp_condition(),
    }


MATERIALIZE_RULES = [
    {
        "id": "mv1",
        "flavor": materialize,
        "event_type": "m1",
        "filters": [lambda uow, rule: True],
        "to_update_request": to_update_request,
    },
    {
        "id": "split",
        "flavor": materialize,
        "event_type": "split",
        "split_on": "event.root.things",
        "to_update_request": to_update_request,
    },
    {
        "id": "split-custom",
        "flavor": materialize,
        "event_type": "split",
        "split_on": lambda uow: [{**uow, "split": t} for t in uow["event"]["root"]["things"]],
        "to_update_request": to_update_request,
    },
]


def things_events() -> list[dict[str, Any]]:
    return [
        {
            "type": "m1",
            "timestamp": TS,
            "thing": {"id": "1", "name": "Thing One", "description": "This is thing one"},
        },
        {
            "type": "split",
            "timestamp": TS,
            "root": {"things": [{"id": "2", "name": "Two"}, {"id": "3", "name": "Three"}]},
        },
    ]


def test_materialize_update_requests_and_split_on() -> None:
    fake = FakeAws()
    out, faults = split(
        run_rules(
            MATERIALIZE_RULES,
            from_kinesis(to_kinesis_records(things_events())),
            connector=fake,
            table_name="t",
        )
    )
    assert faults == []
    assert len(out) == 5
    mv1 = next(u for u in out if u["pipeline"] == "mv1")
    assert mv1["update_request"] == {
        "Key": {"pk": "1", "sk": "thing"},
        "ExpressionAttributeNames": {
            "#id": "id",
            "#name": "name",
            "#description": "description",
            "#discriminator": "discriminator",
            "#ttl": "ttl",
            "#timestamp": "timestamp",
        },
        "ExpressionAttributeValues": {
            ":id": "1",
            ":name": "Thing One",
            ":description": "This is thing one",
            ":discriminator": "thing",
            ":ttl": 1549053422,
            ":timestamp": TS,
        },
        "UpdateExpression": "SET #id = :id, #name = :name, #description = :description, "
        "#discriminator = :discriminator, #ttl = :ttl, #timestamp = :timestamp",
        "ReturnValues": "ALL_NEW",
        "ConditionExpression": "attribute_not_exists(#timestamp) OR #timestamp < :timestamp",
    }
    splits = [u for u in out if u["pipeline"] == "split"]
    assert [u["update_request"]["Key"]["pk"] for u in splits] == ["2", "3"]
    assert [(u["split_on_item_number"], u["split_on_total"]) for u in splits] == [(1, 2), (2, 2)]
    custom = [u for u in out if u["pipeline"] == "split-custom"]
    assert [u["update_request"]["Key"]["pk"] for u in custom] == ["2", "3"]
    assert sorted(p["Key"]["pk"] for p in fake.of("update_item")) == ["1", "2", "2", "3", "3"]


def test_materialize_fallback_compact_and_own_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE", "me")

    async def fallback(uow: dict[str, Any]) -> dict[str, Any]:  # async, one argument
        return {
            "Key": {"pk": uow["event"]["thing"]["id"], "sk": "thing"},
            **update_expression({"fallbackUpdate": True}),
        }

    rules = [
        {
            "id": "mv1",
            "flavor": materialize,
            "event_type": "m1",
            "compact": True,
            "to_update_request": to_update_request,
            "to_fallback_update_request": fallback,
        }
    ]
    events = [
        {"type": "m1", "timestamp": TS + 1, "partitionKey": "1", "thing": {"id": "1", "v": 1}},
        {"type": "m1", "timestamp": TS + 3, "partitionKey": "1", "thing": {"id": "1", "v": 3}},
        {"type": "m1", "timestamp": TS + 2, "partitionKey": "1", "thing": {"id": "1", "v": 2}},
        {"type": "m1", "timestamp": TS, "partitionKey": "9", "thing": {"id": "9"}, "tags": {"source": "me"}},
    ]
    out = run_rules(rules, from_kinesis(to_kinesis_records(events)), connector=FakeAws(), table_name="t")
    assert len(out) == 1  # compacted to the latest, own event dropped
    assert out[0]["event"]["thing"]["v"] == 3
    assert len(out[0]["batch"]) == 3
    assert out[0]["fallback_update_request"]["UpdateExpression"] == "SET #fallbackUpdate = :fallbackUpdate"


def change(pk: str, sk: str, **image: Any) -> dict[str, Any]:
    return {
        "timestamp": 1572832690,
        "keys": {"pk": pk, "sk": sk},
        "newImage": {"pk": pk, "sk": sk, "discriminator": sk, "timestamp": TS, **image},
    }


def test_cdc_publishes_the_change_event_with_raw() -> None:
    def to_event(uow: dict[str, Any]) -> dict[str, Any]:
        new = uow["event"]["raw"]["new"]
        return {
            "thing": {"id": new["pk"], "name": new["name"]},
            "tags": {**uow["event"]["tags"], "field1": "v1"},
        }

    async def to_other(uow: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
        return {"other": uow["query_response"]}

    import re

    rules = [
        {
            "id": "cdc1",
            "flavor": cdc,
            "event_type": re.compile(r"thing-"),
            "filters": [lambda u, r: True],
            "to_event": to_event,
        },
        {
            "id": "cdc2",
            "flavor": cdc,
            "event_type": re.compile(r"other-"),
            "query_related": True,
            "to_event": to_other,
        },
        {
            "id": "cdc3",
            "flavor": cdc,
            "event_type": re.compile(r"override-"),
            "to_event": lambda uow: None,
            "event_field": "emit",
        },
        {"id": "cdc4", "flavor": cdc, "event_type": "latched-created"},
    ]
    records = to_dynamodb_records(
        [
            change("1", "thing", name="Thing One"),
            change("1", "other", name="Other One"),
            change("1", "override", name="Override One"),
            change("1", "latched", latched=True),
        ]
    )
    fake = FakeAws(query=lambda p: [{"pk": "1", "sk": "x"}])
    out, faults = split(
        run_rules(rules, from_dynamodb(records), connector=fake, bus_name="b", table_name="t")
    )
    assert faults == []
    by = {u["pipeline"]: u for u in out}
    assert sorted(by) == ["cdc1", "cdc2", "cdc3"]
    e1 = by["cdc1"]["event"]
    assert e1["type"] == "thing-created"
    assert e1["thing"] == {"id": "1", "name": "Thing One"}
    assert e1["raw"]["new"]["name"] == "Thing One" and e1["raw"]["old"] is None
    assert e1["tags"] == {
        "region": "us-west-2",
        "field1": "v1",
        "account": "undefined",
        "stage": "undefined",
        "source": "undefined",
        "functionname": "undefined",
        "pipeline": "cdc1",
    }
    assert "query_request" not in by["cdc1"]
    assert by["cdc2"]["query_request"] == {
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": "1"},
        "ConsistentRead": True,
    }
    assert by["cdc2"]["event"]["other"] == [{"pk": "1", "sk": "x"}]
    assert by["cdc3"]["emit"] is None and "publish_request_entry" not in by["cdc3"]
    published = fake.published()
    assert sorted(e["type"] for e in published) == ["other-created", "thing-created"]
    assert all("raw" in e for e in published)


def test_cdc_publishes_through_the_rules_publisher() -> None:
    fake = FakeAws()
    rules = [
        {
            "id": "k",
            "flavor": cdc,
            "event_type": "thing-created",
            "publish": publish_to_kinesis,
            "stream_name": "s",
        }
    ]
    out = run_rules(rules, from_dynamodb(to_dynamodb_records([change("1", "thing")])), connector=fake)
    assert len(out) == 1
    [records] = fake.of("put_records")
    assert json.loads(records[0]["Data"])["type"] == "thing-created"


def test_cdc_get_request_goes_to_get_response() -> None:
    def to_get_request(uow: dict[str, Any]) -> dict[str, Any]:
        return {"RequestItems": {"t": {"Keys": [{"pk": "2", "sk": "x"}]}}}

    rules = [{"id": "g", "flavor": cdc, "event_type": "thing-created", "to_get_request": to_get_request}]
    out = run_rules(
        rules, from_dynamodb(to_dynamodb_records([change("1", "thing")])), connector=FakeAws(), bus_name="b"
    )
    assert out[0]["get_response"] == {"Responses": {"t": [{"pk": "2", "got": True}]}}


def test_send_messages_to_sqs_or_sns() -> None:
    def to_message(uow: dict[str, Any]) -> dict[str, Any]:
        return {"MessageBody": json.dumps({"id": uow["event"]["id"]})}

    rules = [
        {"id": "q", "flavor": send_messages, "event_type": "m1", "to_message": to_message, "queue_url": "u"},
        {
            "id": "t",
            "flavor": send_messages,
            "event_type": "m1",
            "to_message": lambda u: {"Message": "x"},
            "topic_arn": "arn:aws:sns:us-west-2:123456789012:t",
        },
    ]
    fake = FakeAws()
    events = [{"id": "e1", "type": "m1", "timestamp": TS}, {"id": "e2", "type": "m2", "timestamp": TS}]
    out, faults = split(run_rules(rules, from_kinesis(to_kinesis_records(events)), connector=fake))
    assert faults == []
    assert sorted(u["pipeline"] for u in out) == ["q", "t"]
    [entries] = fake.of("send_message_batch")
    assert [json.loads(e["MessageBody"]) for e in entries] == [{"id": "e1"}]
    assert len(fake.of("publish")) + len(fake.of("publish_batch")) == 1


def test_firehose_transform_and_drop() -> None:
    def transform(uow: dict[str, Any]) -> dict[str, Any]:
        t = uow["event"]["thing"]
        return {"ID": t["id"], "NM": t["name"], "DESC": t["description"]}

    rules = [
        {
            "id": "ft1",
            "flavor": firehose_transform,
            "event_type": "t1",
            "table_name": "T1",
            "transform": transform,
        },
        {
            "id": "ft2",
            "flavor": firehose_transform,
            "event_type": "t2",
            "filters": [lambda u, r: True],
            "table_name": "T2",
            "transform": transform,
        },
    ]
    events = [
        {
            "type": "t1",
            "timestamp": 1734754684001,
            "thing": {"id": "1", "name": "Thing One", "description": "This is thing one"},
        },
        {
            "type": "t2",
            "timestamp": 1734754684001,
            "thing": {"id": "2", "name": "Thing Two", "description": "This is thing two"},
        },
        {"type": "t3", "timestamp": 1734754684001},
    ]
    import asyncio

    from lambda_stream import initialize, initialize_from

    head = from_firehose(to_firehose_records(events))
    pipes = initialize({**initialize_from(rules), "drop": firehose_drop(rules)}, {})
    out = asyncio.run(pipes.assemble(head).to_list())
    by = {u["record_id"]: u for u in out}
    assert len(out) == 3
    assert by["0"]["transformed"] == {"ID": "1", "NM": "Thing One", "DESC": "This is thing one"}
    assert by["0"]["metadata"] == {
        "partitionKeys": {
            "table": "T1",
            "year": "2024",
            "month": "12",
            "day": "21",
            "hour": "04",
            "minute": "18",
        }
    }
    assert by["0"]["data"] == "eyJJRCI6IjEiLCJOTSI6IlRoaW5nIE9uZSIsIkRFU0MiOiJUaGlzIGlzIHRoaW5nIG9uZSJ9"
    assert [by[i]["result"] for i in "012"] == ["Ok", "Ok", "Dropped"]
    assert by["2"]["data"] == to_firehose_records(events)["records"][2]["data"]
    assert json.loads(base64.b64decode(by["1"]["data"])) == {
        "ID": "2",
        "NM": "Thing Two",
        "DESC": "This is thing two",
    }


def test_spread_date_time_is_utc() -> None:
    assert spread_date_time(0) == {"year": "1970", "month": "01", "day": "01", "hour": "00", "minute": "00"}


def test_update_queries_splits_and_updates() -> None:
    def to_query_request(uow: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
        return {
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": "pk"},
            "ExpressionAttributeValues": {":pk": uow["event"]["partitionKey"]},
        }

    def to_req(uow: dict[str, Any]) -> dict[str, Any]:
        return {
            "Key": {"pk": uow["query_response"]["pk"], "sk": uow["query_response"]["sk"]},
            **update_expression({"name": uow["event"]["raw"]["new"]["name"]}),
        }

    rules = [
        {
            "id": "u",
            "flavor": update,
            "event_type": "thing-updated",
            "to_query_request": to_query_request,
            "split_on": "query_response",
            "to_update_request": to_req,
        }
    ]
    fake = FakeAws(query=lambda p: [{"pk": "1", "sk": "a"}, {"pk": "1", "sk": "b"}])
    records = to_dynamodb_records(
        [
            {
                "timestamp": 1,
                "keys": {"pk": "1", "sk": "thing"},
                "newImage": {"pk": "1", "sk": "thing", "name": "N"},
                "oldImage": {"pk": "1", "sk": "thing"},
            },
            {
                "timestamp": 1,
                "keys": {"pk": "1", "sk": "thing"},
                "newImage": {"pk": "1", "sk": "thing", "latched": True},
                "oldImage": {"pk": "1", "sk": "thing"},
            },
        ]
    )
    out, faults = split(run_rules(rules, from_dynamodb(records), connector=fake, table_name="t"))
    assert faults == []
    assert [u["update_request"]["Key"]["sk"] for u in out] == ["a", "b"]
    assert len(fake.of("update_item")) == 2


def test_a_rule_function_that_raises_faults_that_uow_only() -> None:
    def boom(uow: dict[str, Any]) -> dict[str, Any]:
        if uow["event"]["thing"]["id"] == "2":
            raise ValueError("no 2")
        return to_update_request(uow, {})

    async def aboom(uow: dict[str, Any]) -> dict[str, Any]:
        return boom(uow)

    events = [{"type": "m1", "timestamp": TS, "thing": {"id": str(i)}} for i in range(1, 4)]
    for fn in (boom, aboom):
        rules = [{"id": "m", "flavor": materialize, "event_type": "m1", "to_update_request": fn}]
        out, faults = split(
            run_rules(rules, from_kinesis(to_kinesis_records(events)), connector=FakeAws(), table_name="t")
        )
        assert sorted(u["event"]["thing"]["id"] for u in out) == ["1", "3"]
        assert [f["failed"]["event"]["thing"]["id"] for f in faults] == ["2"]
        assert faults[0]["event"]["err"]["message"] == "no 2"


def test_one_exception_object_raised_for_two_uows_faults_both() -> None:
    """A rule function raising a shared (module-level, cached) exception: each uow is its own fault."""
    shared = ValueError("not this one")

    def boom(uow: dict[str, Any], rule: Any) -> dict[str, Any]:
        if uow["event"]["thing"]["id"] in ("1", "3"):
            raise shared
        return to_update_request(uow, rule)

    events = [{"type": "m1", "timestamp": TS, "thing": {"id": str(i)}} for i in range(1, 4)]
    rules = [{"id": "m", "flavor": materialize, "event_type": "m1", "to_update_request": boom}]
    out, faults = split(
        run_rules(rules, from_kinesis(to_kinesis_records(events)), connector=FakeAws(), table_name="t")
    )
    assert [u["event"]["thing"]["id"] for u in out] == ["2"]
    assert sorted(f["failed"]["event"]["thing"]["id"] for f in faults) == ["1", "3"]


def test_rate_limits_a_rule() -> None:
    rules = [
        {
            "id": "m",
            "flavor": materialize,
            "event_type": "m1",
            "to_update_request": to_update_request,
            "rate": {"num": 2, "ms": 1},
        }
    ]
    events = [{"type": "m1", "timestamp": TS, "thing": {"id": str(i)}} for i in range(5)]
    out = run_rules(rules, Stream(_uows(events)), connector=FakeAws(), table_name="t")
    assert len(out) == 5


def _uows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"record": {}, "event": e} for e in events]
