from __future__ import annotations

from lambda_stream.sinks import pk_condition, timestamp_condition, update_expression
from lambda_stream.sinks.expressions import alias


def test_set_remove_add_delete_in_that_order() -> None:
    expr = update_expression(
        {
            "name": "thing",
            "tags_delete": "old",
            "gone": None,
            "count": {1},
            "status": "ok",
            "roles": {"a", "b"},
        }
    )
    assert expr == {
        "ExpressionAttributeNames": {
            "#name": "name",
            "#tags": "tags",
            "#gone": "gone",
            "#count": "count",
            "#status": "status",
            "#roles": "roles",
        },
        "ExpressionAttributeValues": {
            ":name": "thing",
            ":tags_delete": {"old"},
            ":count": {1},
            ":status": "ok",
            ":roles": {"a", "b"},
        },
        "UpdateExpression": "SET #name = :name, #status = :status REMOVE #gone ADD #count :count, #roles :roles "
        "DELETE #tags :tags_delete",
        "ReturnValues": "ALL_NEW",
    }


def test_aliases_escape_unsafe_characters() -> None:
    assert alias("a-b") == "a_x2d_b"
    assert alias("a.b c") == "a_x2e_b_x20_c"
    assert alias("é") == "_xe9_"
    expr = update_expression({"a-b": 1, "x:y": None})
    assert expr["ExpressionAttributeNames"] == {"#a_x2d_b": "a-b", "#x_x3a_y": "x:y"}
    assert expr["ExpressionAttributeValues"] == {":a_x2d_b": 1}
    assert expr["UpdateExpression"] == "SET #a_x2d_b = :a_x2d_b REMOVE #x_x3a_y"


def test_no_empty_expression_attribute_values() -> None:
    expr = update_expression({"a": None, "b": None})
    assert "ExpressionAttributeValues" not in expr
    assert expr["UpdateExpression"] == "REMOVE #a, #b"


def test_delete_of_none_removes_and_empty_sets_are_left_out() -> None:
    expr = update_expression({"s_delete": None, "e": set(), "f_delete": set(), "g": 1})
    assert expr["UpdateExpression"] == "SET #g = :g REMOVE #s"
    assert expr["ExpressionAttributeNames"] == {"#s": "s", "#g": "g"}


def test_delete_with_a_set_keeps_it() -> None:
    expr = update_expression({"t_delete": {"x", "y"}})
    assert expr["ExpressionAttributeValues"] == {":t_delete": {"x", "y"}}
    assert expr["UpdateExpression"] == "DELETE #t :t_delete"


def test_values_stay_plain_python() -> None:
    value = {"nested": [1, {"a": None}]}
    expr = update_expression({"data": value})
    assert expr["ExpressionAttributeValues"][":data"] is value


def test_conditions() -> None:
    assert timestamp_condition() == {
        "ConditionExpression": "attribute_not_exists(#timestamp) OR #timestamp < :timestamp"
    }
    assert timestamp_condition("ts") == {"ConditionExpression": "attribute_not_exists(#ts) OR #ts < :ts"}
    assert pk_condition() == {"ConditionExpression": "attribute_not_exists(pk)"}
    assert pk_condition("id") == {"ConditionExpression": "attribute_not_exists(id)"}
