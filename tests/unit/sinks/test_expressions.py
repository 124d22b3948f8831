from __future__ import annotations

import random
from typing import Any

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


def _reference(item: dict[str, Any]) -> dict[str, Any]:
    """DESIGN.md's algorithm written plainly (the memoized one must give the very same strings)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
    for key, value in item.items():
        is_delete = key.endswith("_delete") and len(key) > len("_delete")
        base = key[: -len("_delete")] if is_delete else key
        name, placeholder = "#" + alias(base), ":" + alias(key)
        if value is None:
            names[name] = base
            clauses["REMOVE"].append(name)
            continue
        if is_delete or isinstance(value, set | frozenset):
            members = value if isinstance(value, set | frozenset) else {value}
            if not members:
                continue
            names[name] = base
            values[placeholder] = set(members) if is_delete else value
            clauses["DELETE" if is_delete else "ADD"].append(f"{name} {placeholder}")
            continue
        names[name] = base
        values[placeholder] = value
        clauses["SET"].append(f"{name} = {placeholder}")
    out: dict[str, Any] = {"ExpressionAttributeNames": names}
    if values:
        out["ExpressionAttributeValues"] = values
    out["UpdateExpression"] = " ".join(
        f"{verb} " + ", ".join(parts) for verb, parts in clauses.items() if parts
    )
    out["ReturnValues"] = "ALL_NEW"
    return out


def test_the_memoized_expression_matches_the_plain_algorithm() -> None:
    rng = random.Random(9)
    keys = ["pk", "name", "a-b", "ä x", "_delete", "tags_delete", "x.y_delete", "n1", "roles", "ttl"]
    pool: list[Any] = [None, "v", 0, 1.5, {"a"}, frozenset({1, 2}), set(), {"nested": [1]}, [1, 2]]
    for _ in range(500):
        item = {k: rng.choice(pool) for k in rng.sample(keys, rng.randint(0, len(keys)))}
        for k in item:
            if k.endswith("_delete") and isinstance(item[k], dict | list):
                item[k] = "one"  # a DELETE of one unhashable value is a TypeError either way
        assert update_expression(item) == _reference(item), item
        assert update_expression(item) == _reference(item)  # and again, from the memo
