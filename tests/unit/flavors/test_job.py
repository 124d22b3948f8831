"""job: pages with a cursor kept in the job's row; several jobs in one batch keep their own (JS #428)."""

from __future__ import annotations

from typing import Any

from lambda_stream import from_dynamodb, timestamp_condition, update_expression
from lambda_stream.flavors import job
from lambda_stream.testing import to_dynamodb_records

from .fakes import FakeAws, run_rules, split


def to_query_split_request(uow: dict[str, Any]) -> dict[str, Any]:
    return {
        "ExclusiveStartKey": uow["event"]["raw"]["new"].get("cursor"),
        "KeyConditionExpression": "#discriminator = :discriminator",
        "ExpressionAttributeNames": {"#discriminator": "discriminator"},
        "ExpressionAttributeValues": {":discriminator": "thing"},
        "Limit": 2,
    }


def to_event(uow: dict[str, Any]) -> dict[str, Any]:
    return {"type": "xyz", "raw": uow["query_split_response"]["Item"]}


def to_cursor_update_request(uow: dict[str, Any]) -> dict[str, Any]:
    new = uow["event"]["raw"]["new"]
    return {
        "Key": {"pk": new["pk"], "sk": new["sk"]},
        **update_expression(
            {
                "cursor": uow["query_split_response"].get("LastEvaluatedKey"),
                "timestamp": uow["event"]["timestamp"],
            }
        ),
        **timestamp_condition(),
    }


RULES = [
    {
        "id": "job1-started",
        "flavor": job,
        "event_type": "job-created",
        "filters": [lambda uow: not uow["query_split_response"]["Item"].get("deleted")],
        "to_query_split_request": to_query_split_request,
        "to_event": to_event,
        "to_cursor_update_request": to_cursor_update_request,
    },
    {
        "id": "job1-continued",
        "flavor": job,
        "event_type": "job-updated",
        "job_filters": [lambda uow: uow["event"]["raw"]["new"].get("cursor")],
        "to_query_split_request": to_query_split_request,
        "to_event": to_event,
        "to_cursor_update_request": to_cursor_update_request,
    },
]


def job_row(pk: str, cursor: Any = None, old: bool = False) -> dict[str, Any]:
    new = {"pk": pk, "sk": "job", "discriminator": "job", **({"cursor": cursor} if cursor else {})}
    rec: dict[str, Any] = {"timestamp": 1572832690, "keys": {"pk": pk, "sk": "job"}, "newImage": new}
    if old:
        rec["oldImage"] = {"pk": pk, "sk": "job", "discriminator": "job"}
    return rec


def test_a_job_starts_and_saves_its_cursor() -> None:
    fake = FakeAws(
        pages=[
            {
                "LastEvaluatedKey": {"pk": "2", "sk": "thing"},
                "Items": [
                    {"pk": "1", "sk": "thing", "name": "thing 1"},
                    {"pk": "2", "sk": "thing", "name": "thing 2"},
                ],
            }
        ]
    )
    out, faults = split(
        run_rules(
            RULES,
            from_dynamodb(to_dynamodb_records([job_row("1")])),
            connector=fake,
            bus_name="b",
            table_name="t",
        )
    )
    assert faults == []
    assert len(out) == 3
    assert out[0]["pipeline"] == "job1-started"
    assert out[0]["query_split_request"]["Limit"] == 2
    assert [u["emit"]["raw"]["name"] for u in out[:2]] == ["thing 1", "thing 2"]
    assert out[0]["emit"]["type"] == "xyz" and out[0]["emit"]["tags"]["pipeline"] == "job1-started"
    assert "cursor_update_request" not in out[0]
    assert out[2]["cursor_update_request"] == {
        "Key": {"pk": "1", "sk": "job"},
        "ExpressionAttributeNames": {"#cursor": "cursor", "#timestamp": "timestamp"},
        "ExpressionAttributeValues": {":cursor": {"pk": "2", "sk": "thing"}, ":timestamp": 1572832690000},
        "UpdateExpression": "SET #cursor = :cursor, #timestamp = :timestamp",
        "ReturnValues": "ALL_NEW",
        "ConditionExpression": "attribute_not_exists(#timestamp) OR #timestamp < :timestamp",
    }
    [update] = fake.of("update_item")
    assert update["Key"] == {"pk": "1", "sk": "job"}
    assert len(fake.published()) == 2


def test_the_last_page_removes_the_cursor() -> None:
    fake = FakeAws(pages=[{"Items": [{"pk": "3", "sk": "thing", "name": "thing 3"}]}])
    records = to_dynamodb_records([job_row("1", cursor={"pk": "2", "sk": "thing"}, old=True)])
    out = run_rules(RULES, from_dynamodb(records), connector=fake, bus_name="b", table_name="t")
    assert len(out) == 2
    assert fake.of("query")[0]["ExclusiveStartKey"] == {"pk": "2", "sk": "thing"}
    assert out[1]["cursor_update_request"]["UpdateExpression"] == "SET #timestamp = :timestamp REMOVE #cursor"


def test_several_jobs_in_one_batch_keep_their_own_cursor() -> None:
    fake = FakeAws(
        pages=[
            {
                "LastEvaluatedKey": {"pk": "4", "sk": "thing"},
                "Items": [{"pk": "3", "sk": "thing"}, {"pk": "4", "sk": "thing"}],
            },
            {
                "LastEvaluatedKey": {"pk": "6", "sk": "thing"},
                "Items": [{"pk": "5", "sk": "thing"}, {"pk": "6", "sk": "thing"}],
            },
        ]
    )
    records = to_dynamodb_records(
        [
            job_row("1", cursor={"pk": "2", "sk": "thing"}, old=True),
            job_row("2", cursor={"pk": "4", "sk": "thing"}, old=True),
        ]
    )
    out = run_rules(RULES, from_dynamodb(records), connector=fake, bus_name="b", table_name="t")
    assert len(out) == 6  # one per item and one per cursor
    cursors = {
        u["cursor_update_request"]["Key"]["pk"]: u["cursor_update_request"]["ExpressionAttributeValues"][
            ":cursor"
        ]
        for u in out
        if "cursor_update_request" in u
    }
    assert cursors == {"1": {"pk": "4", "sk": "thing"}, "2": {"pk": "6", "sk": "thing"}}
    assert sorted(u["Key"]["pk"] for u in fake.of("update_item")) == ["1", "2"]
