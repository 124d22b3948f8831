"""collect / correlate / evaluate / expired: the exact rows and events of JS 1.2's tests."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_stream import collect, correlate, evaluate, expired, from_dynamodb, from_kinesis, initialize
from lambda_stream.testing import to_dynamodb_records, to_kinesis_records

from .fakes import FakeAws, run_rules, split

TS = 1548967022000
THING1 = {"id": "11", "name": "Thing One", "description": "This is thing one"}


def kinesis_events() -> list[dict[str, Any]]:
    return [
        {"id": "1", "type": "c1", "timestamp": TS, "partitionKey": "11", "thing": THING1, "raw": {}},
        {
            "id": "2",
            "type": "c2",
            "timestamp": TS,
            "partitionKey": "22",
            "thing": {"id": "22", "group": "C"},
            "raw": {},
        },
        {
            "id": "3",
            "type": "c3",
            "timestamp": TS,
            "partitionKey": "33",
            "thing": {"id": "33", "group": "A", "category": "B"},
            "raw": {},
        },
        {"type": "x9"},
    ]


COLLECT_RULES = [
    {"id": "clt1", "flavor": collect, "event_type": "c1"},
    {"id": "clt2", "flavor": collect, "event_type": "c2", "correlation_key": "thing.group"},
    {
        "id": "clt3",
        "flavor": collect,
        "event_type": "c3",
        "correlation_key": lambda uow: "|".join(
            [uow["event"]["thing"]["group"], uow["event"]["thing"]["category"]]
        ),
        "expire": True,
    },
]


def test_collect_writes_the_event_rows() -> None:
    fake = FakeAws()
    out, faults = split(
        run_rules(
            COLLECT_RULES,
            from_kinesis(to_kinesis_records(kinesis_events())),
            connector=fake,
            table_name="events",
        )
    )
    assert faults == []
    by = {u["pipeline"]: u for u in out}
    assert sorted(by) == ["clt1", "clt2", "clt3"]
    assert by["clt1"]["put_request"] == {
        "Item": {
            "pk": "1",
            "sk": "EVENT",
            "discriminator": "EVENT",
            "timestamp": TS,
            "awsregion": "us-west-2",
            "sequenceNumber": "0",
            "ttl": 1551818222,
            "data": "11",
            "event": {"id": "1", "type": "c1", "timestamp": TS, "partitionKey": "11", "thing": THING1},
        }
    }
    assert "expire" not in by["clt1"]["put_request"]["Item"]  # never NULL: a trigger reads NULL as set
    assert by["clt2"]["put_request"]["Item"]["data"] == "C"
    assert by["clt3"]["put_request"]["Item"]["data"] == "A|B"
    assert by["clt3"]["put_request"]["Item"]["expire"] is True
    assert by["clt1"]["key"] == "11"
    items = sorted(p["Item"]["pk"] for p in fake.of("put_item"))
    assert items == ["1", "2", "3"]
    assert all(p["TableName"] == "events" for p in fake.of("put_item"))


def test_collect_ttl_days_include_raw_and_sqs_sequence_number() -> None:
    rules = [{"id": "c", "flavor": collect, "event_type": "c1", "ttl": 11, "include_raw": True}]
    uows = [
        {
            "record": {"attributes": {"SequenceNumber": "77"}},
            "event": {"id": "1", "type": "c1", "timestamp": TS, "raw": {"x": 1}},
        }
    ]
    from lambda_stream import Stream

    out = run_rules(rules, Stream(uows), connector=FakeAws(), table_name="t")
    item = out[0]["put_request"]["Item"]
    assert item["ttl"] == 1549917422
    assert item["sequenceNumber"] == "77"
    assert item["event"]["raw"] == {"x": 1}
    assert "data" not in item  # no partitionKey: no data, not NULL


def event_row(pk: str, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    new = {
        "pk": pk,
        "sk": "EVENT",
        "discriminator": "EVENT",
        "timestamp": TS,
        "sequenceNumber": "0",
        "ttl": 1551818222,
        **extra,
        "event": event,
    }
    return {"timestamp": 1548967023, "keys": {"pk": pk, "sk": "EVENT"}, "newImage": new}


CORRELATE_RULES = [
    {"id": "crl1", "flavor": correlate, "event_type": "c1", "correlation_key": "thing.id"},
    {
        "id": "crl2",
        "flavor": correlate,
        "event_type": "c1",
        "correlation_key": "thing.id",
        "correlation_key_suffix": "x",
        "ttl": 11,
    },
    {
        "id": "crl3",
        "flavor": correlate,
        "event_type": "c3",
        "correlation_key": lambda uow: "|".join(
            [uow["event"]["thing"]["group"], uow["event"]["thing"]["category"]]
        ),
        "expire": True,
    },
]


def test_correlate_writes_the_correl_rows() -> None:
    e1 = {"id": "1", "type": "c1", "timestamp": TS, "partitionKey": "11", "thing": THING1}
    e3 = {
        "id": "3",
        "type": "c3",
        "timestamp": TS,
        "partitionKey": "33",
        "thing": {"id": "33", "group": "A", "category": "B"},
    }
    records = to_dynamodb_records(
        [
            event_row("1", e1, data="1"),
            event_row("3", e3, data="3"),
            {
                "timestamp": 1548967023,
                "keys": {"pk": "11", "sk": "1"},  # a CORREL row: not collected
                "newImage": {"pk": "11", "sk": "1", "discriminator": "CORREL", "event": e1},
            },
        ]
    )
    out, faults = split(
        run_rules(CORRELATE_RULES, from_dynamodb(records), connector=FakeAws(), table_name="t")
    )
    assert faults == []
    by = {u["pipeline"]: u for u in out}
    assert sorted(by) == ["crl1", "crl2", "crl3"]
    assert by["crl1"]["meta"] == {"sequenceNumber": "0", "ttl": 1551818222, "data": "1"}
    assert by["crl1"]["event"] == e1
    assert by["crl1"]["put_request"] == {
        "Item": {
            "pk": "11",
            "sk": "1",
            "discriminator": "CORREL",
            "timestamp": TS,
            "awsregion": "us-west-2",
            "sequenceNumber": "0",
            "ttl": 1551818222,
            "ruleId": "crl1",
            "event": e1,
        }
    }
    assert by["crl2"]["put_request"]["Item"]["pk"] == "11.x"
    assert by["crl2"]["put_request"]["Item"]["suffix"] == "x"
    assert by["crl2"]["put_request"]["Item"]["ttl"] == 1549917422
    assert by["crl3"]["put_request"]["Item"]["pk"] == "A|B"
    assert by["crl3"]["put_request"]["Item"]["expire"] is True


def thing(n: str) -> dict[str, Any]:
    return {"id": n, "name": f"Thing {n}"}


def standard_tags(pipeline: str) -> dict[str, Any]:
    return {
        "account": "undefined",
        "region": "us-west-2",
        "stage": "undefined",
        "source": "undefined",
        "functionname": "undefined",
        "pipeline": pipeline,
    }


EVALUATE_RULES = [
    {"id": "eval1-basic-emit", "flavor": evaluate, "event_type": "e1", "emit": "e111"},
    {
        "id": "eval2-single-emit",
        "flavor": evaluate,
        "event_type": "e2",
        "emit": lambda uow, rule, template: {**template, "type": "e222", "thing": uow["event"]["thing"]},
    },
    {
        "id": "eval3-multi-emit",
        "flavor": evaluate,
        "event_type": "e3",
        "emit": lambda uow, rule, template: [
            {**template, "id": f"{template['id']}.1", "type": "e333.1", "thing": uow["event"]["thing"]},
            {**template, "id": f"{template['id']}.2", "type": "e333.2", "thing": uow["event"]["thing"]},
        ],
    },
    {"id": "eval4", "flavor": evaluate, "event_type": "e4", "expression": lambda uow: True, "emit": "e444"},
    {
        "id": "eval5",
        "flavor": evaluate,
        "event_type": "e5",
        "expression": lambda uow: [
            {"id": "51", "type": "e51", "timestamp": TS},
            {"id": "52", "type": "e52", "timestamp": TS},
        ],
        "emit": "e555",
    },
    {
        "id": "eval6",
        "flavor": evaluate,
        "event_type": "e6",
        "expression": lambda uow: next((e for e in uow["correlated"] if e["type"] == "e66"), None),
        "emit": "e666",
    },
    {
        "id": "eval7",
        "flavor": evaluate,
        "event_type": "e7",
        "correlation_key_suffix": "seven",
        "expression": lambda uow, rule: True,
        "emit": "e777",
    },
]


def run_evaluate(records: dict[str, Any], fake: FakeAws) -> list[Any]:
    out, faults = split(
        run_rules(EVALUATE_RULES, from_dynamodb(records), connector=fake, bus_name="b", table_name="t")
    )
    assert faults == []
    return out


def test_evaluate_simple_rules() -> None:
    records = to_dynamodb_records(
        [
            event_row(
                str(i),
                {
                    "id": str(i),
                    "type": f"e{i}",
                    "timestamp": TS,
                    "partitionKey": f"{i}{i}",
                    "thing": thing(f"{i}{i}"),
                    "tags": {"region": "r", "source": "s", "x": "y"},
                },
                data=f"{i}{i}",
            )
            for i in (1, 2, 3)
        ]
    )
    fake = FakeAws()
    out = run_evaluate(records, fake)
    assert [u["pipeline"] for u in out] == [
        "eval1-basic-emit",
        "eval2-single-emit",
        "eval3-multi-emit",
        "eval3-multi-emit",
    ]
    assert out[0]["meta"] == {
        "id": "0",
        "sequenceNumber": "0",
        "ttl": 1551818222,
        "expire": None,
        "pk": "1",
        "data": "11",
        "correlationKey": "11",
        "suffix": None,
        "correlation": False,
    }
    assert out[0]["emit"] == {
        "id": "0.eval1-basic-emit",
        "type": "e111",
        "timestamp": TS,
        "partitionKey": "11",
        "thing": thing("11"),
        "tags": {"x": "y", **standard_tags("eval1-basic-emit")},
        "triggers": [{"id": "1", "type": "e1", "timestamp": TS}],
    }
    assert out[1]["emit"] == {
        "id": "1.eval2-single-emit",
        "type": "e222",
        "timestamp": TS,
        "partitionKey": "22",
        "thing": thing("22"),
        "tags": {"x": "y", **standard_tags("eval2-single-emit")},
        "triggers": [{"id": "2", "type": "e2", "timestamp": TS}],
    }
    assert [u["emit"]["id"] for u in out[2:]] == ["2.eval3-multi-emit.1", "2.eval3-multi-emit.2"]
    assert [u["emit"]["type"] for u in out[2:]] == ["e333.1", "e333.2"]
    assert [e["id"] for e in fake.published()] == [u["emit"]["id"] for u in out]


def test_evaluate_complex_rules_query_the_data_index() -> None:
    correlated = {
        "44": [{"event": {"id": "4", "type": "e4", "timestamp": TS}}],
        "55": [{"event": {"id": "5", "type": "e5", "timestamp": TS}}],
    }
    fake = FakeAws(query=lambda p: correlated[p["ExpressionAttributeValues"][":data"]])
    records = to_dynamodb_records(
        [
            event_row(
                str(i),
                {
                    "id": str(i),
                    "type": f"e{i}",
                    "timestamp": TS,
                    "partitionKey": f"{i}{i}",
                    "thing": thing(f"{i}{i}"),
                },
                data=f"{i}{i}",
            )
            for i in (4, 5)
        ]
    )
    out = run_evaluate(records, fake)
    assert [u["pipeline"] for u in out] == ["eval4", "eval5"]
    assert out[0]["query_request"] == {
        "IndexName": "DataIndex",
        "KeyConditionExpression": "#data = :data",
        "ExpressionAttributeNames": {"#data": "data"},
        "ExpressionAttributeValues": {":data": "44"},
    }
    assert out[0]["correlated"] == [{"id": "4", "type": "e4", "timestamp": TS}]
    assert out[0]["emit"]["id"] == "0.eval4"
    assert out[0]["emit"]["triggers"] == [{"id": "4", "type": "e4", "timestamp": TS}]
    assert out[1]["emit"]["triggers"] == [
        {"id": "51", "type": "e51", "timestamp": TS},
        {"id": "52", "type": "e52", "timestamp": TS},
    ]


def correl_row(pk: str, sk: str, event: dict[str, Any], suffix: str | None = None) -> dict[str, Any]:
    new = {
        "pk": pk,
        "sk": sk,
        "discriminator": "CORREL",
        "timestamp": TS,
        "sequenceNumber": "0",
        "ttl": 1551818222,
        "event": event,
    }
    if suffix:
        new["suffix"] = suffix
    return {"timestamp": 1548967023, "keys": {"pk": pk, "sk": sk}, "newImage": new}


def test_evaluate_correlation_rules_match_the_suffix() -> None:
    correlated = {
        "66": [{"event": {"id": "66", "type": "e66", "timestamp": TS}}],
        "77.seven": [{"event": {"id": "77", "type": "e77", "timestamp": TS}}],
    }
    fake = FakeAws(query=lambda p: correlated[p["ExpressionAttributeValues"][":pk"]])
    e6 = {"id": "6", "type": "e6", "timestamp": TS, "partitionKey": "66", "thing": thing("66")}
    e7 = {"id": "7", "type": "e7", "timestamp": TS, "partitionKey": "77", "thing": thing("77")}
    records = to_dynamodb_records(
        [
            correl_row("66", "6", e6),
            correl_row("77.seven", "7", e7, "seven"),
            correl_row("77", "7", {"type": "e7"}),  # no suffix: not for eval7
            correl_row("77.seventy", "7", {"type": "e7"}, "seventy"),  # another suffix
        ]
    )
    out = run_evaluate(records, fake)
    assert [u["pipeline"] for u in out] == ["eval6", "eval7"]
    assert out[0]["meta"]["correlation"] is True
    assert out[0]["query_request"] == {
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": "66"},
        "ConsistentRead": True,
    }
    assert out[0]["emit"]["triggers"] == [{"id": "66", "type": "e66", "timestamp": TS}]
    assert out[0]["emit"]["partitionKey"] == "66"
    assert out[1]["meta"]["suffix"] == "seven"
    assert out[1]["emit"]["partitionKey"] == "77"  # the suffix removed, as JS
    assert out[1]["emit"]["id"] == "1.eval7"


def test_the_standard_tags_win_over_the_triggers() -> None:
    records = to_dynamodb_records(
        [
            event_row(
                "1",
                {
                    "id": "1",
                    "type": "e1",
                    "timestamp": TS,
                    "partitionKey": "11",
                    "tags": {"pipeline": "upstream", "account": "theirs"},
                },
                data="11",
            )
        ]
    )
    out = run_evaluate(records, FakeAws())
    assert out[0]["emit"]["tags"] == standard_tags("eval1-basic-emit")


def test_expired_fires_for_a_ttl_remove_of_a_row_marked_expire() -> None:
    event = {"id": "1", "type": "c1", "timestamp": TS, "partitionKey": "11", "thing": THING1}

    def removed(ts: int, **old: Any) -> dict[str, Any]:
        return {
            "timestamp": ts,
            "keys": {"pk": "1", "sk": "EVENT"},
            "oldImage": {"discriminator": "EVENT", **old},
        }

    records = to_dynamodb_records(
        [
            {
                "timestamp": 1548967023,
                "keys": {"pk": "1", "sk": "EVENT"},
                "newImage": {"discriminator": "EVENT"},
            },
            removed(1548967023),  # no ttl
            removed(1548967023, ttl=1551818222),  # no expire
            removed(1548967023, ttl=1548997023, expire=True),  # deleted before its ttl
            removed(1551818229, ttl=1551818222, expire=True, event=event),
            removed(1551818229, ttl=1551818222, expire="some-specified-event-type", event=event),
            removed(
                1551818229, ttl=1551818222, expire=True, event={**event, "type": "namespace.entity.action"}
            ),
            removed(1551818229, ttl=1551818222, expire=None, event=event),  # NULL is unset
        ]
    )
    fake = FakeAws()
    out = asyncio_run(
        initialize({"expired": expired}, {"connector": fake, "bus_name": "b"})
        .assemble(from_dynamodb(records))
        .to_list()
    )
    assert len(out) == 3
    assert out[0]["pipeline"] == "expired"
    assert out[0]["event"]["type"] == "event-deleted"
    assert out[0]["emit"] == {
        "id": "4",
        "type": "c1-expired",
        "timestamp": 1551818222000,
        "partitionKey": "11",
        "thing": THING1,
        "triggers": [{"id": "1", "type": "c1", "timestamp": TS}],
        "tags": standard_tags("expired"),
    }
    assert out[1]["emit"]["type"] == "some-specified-event-type"
    assert out[2]["emit"]["type"] == "namespace.entity.action.expired"
    assert [e["type"] for e in fake.published()] == [u["emit"]["type"] for u in out]


def asyncio_run(coro: Any) -> Any:
    import asyncio

    return asyncio.run(coro)


@pytest.mark.parametrize("alias", ["expire", "expired"])
def test_expired_as_a_rule_without_event_type(alias: str) -> None:
    import lambda_stream

    fl = getattr(lambda_stream, alias)
    records = to_dynamodb_records(
        [
            {
                "timestamp": 1551818229,
                "keys": {"pk": "1", "sk": "EVENT"},
                "oldImage": {
                    "discriminator": "EVENT",
                    "ttl": 1551818222,
                    "expire": False,
                    "event": {"id": "1", "type": "c1", "timestamp": TS},
                },
            }
        ]
    )
    out = run_rules([{"id": "x", "flavor": fl}], from_dynamodb(records), connector=FakeAws(), bus_name="b")
    assert [u["emit"]["type"] for u in out] == ["c1-expired"]  # expire: false is set (as JS)


def test_a_basic_evaluate_rule_fires_for_the_event_row_and_each_correl_row() -> None:
    e1 = {"id": "1", "type": "e1", "timestamp": TS, "partitionKey": "11"}
    records = to_dynamodb_records(
        [event_row("1", e1, data="11"), correl_row("c1", "1", e1), correl_row("c2", "1", e1)]
    )
    rules = [{"id": "basic", "flavor": evaluate, "event_type": "e1", "emit": "e111"}]
    out = run_rules(rules, from_dynamodb(records), connector=FakeAws(), bus_name="b")
    assert [(u["meta"]["correlation"], u["emit"]["partitionKey"]) for u in out] == [
        (False, "11"),
        (True, "c1"),
        (True, "c2"),
    ]
    assert [u["emit"]["id"] for u in out] == ["0.basic", "1.basic", "2.basic"]
