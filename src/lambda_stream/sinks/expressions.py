"""DynamoDB update and condition expressions (pure; values stay plain Python, the connector marshals).

``update_expression(item)`` walks the item's keys in order:

- ``None`` → ``REMOVE #name``;
- ``<name>_delete`` → ``DELETE #name :<name>_delete`` (those values leave set ``name``; a single
  value is wrapped into a one-element set);
- a ``set`` / ``frozenset`` → ``ADD #name :name``;
- anything else → ``SET #name = :name``.

Names are aliased with every character outside ``[A-Za-z0-9_]`` written ``_x<hex>_``, so any
attribute name makes a valid placeholder (``a-b`` → ``#a_x2d_b``). An empty set is left out
(DynamoDB rejects empty sets, and adding or deleting nothing is a no-op). ``ExpressionAttributeValues``
is left out when it is empty (DynamoDB rejects an empty map). An item with nothing to write
(only empty sets) gives an empty ``UpdateExpression``: ``update_dynamodb`` does not send such a
request, its uow passes through untouched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["alias", "pk_condition", "timestamp_condition", "update_expression"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_DELETE_SUFFIX = "_delete"
_SETS = (set, frozenset)  # a tuple: isinstance on it is cheaper than on ``set | frozenset``


def _escape(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):x}_"


def alias(name: str) -> str:
    """The placeholder-safe form of an attribute name (``a-b`` → ``a_x2d_b``)."""
    return _UNSAFE.sub(_escape, name)


@functools.lru_cache(maxsize=4096)  # a memo of a pure function: attribute names repeat per record
def _parts(key: str) -> tuple[str, str, str, bool, str]:
    """``(base name, "#alias", ":alias", is a <name>_delete key, its SET clause)`` for an item key."""
    is_delete = key.endswith(_DELETE_SUFFIX) and len(key) > len(_DELETE_SUFFIX)
    base = key[: -len(_DELETE_SUFFIX)] if is_delete else key
    name, placeholder = "#" + alias(base), ":" + alias(key)
    return base, name, placeholder, is_delete, f"{name} = {placeholder}"


def update_expression(item: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateItem parameters that write ``item``'s attributes (see the module docstring)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets: list[str] = []
    removes: list[str] = []
    adds: list[str] = []
    deletes: list[str] = []
    parts = _parts
    for key, value in item.items():
        base, name, placeholder, is_delete, set_clause = parts(key)
        if value is None:
            names[name] = base
            removes.append(name)
        elif is_delete:
            members = value if isinstance(value, _SETS) else {value}
            if not members:
                continue
            names[name] = base
            values[placeholder] = set(members)
            deletes.append(f"{name} {placeholder}")
        elif isinstance(value, _SETS):
            if not value:
                continue
            names[name] = base
            values[placeholder] = value
            adds.append(f"{name} {placeholder}")
        else:
            names[name] = base
            values[placeholder] = value
            sets.append(set_clause)

    expression = "SET " + ", ".join(sets) if sets else ""
    if removes or adds or deletes:
        clauses = [expression] if sets else []
        if removes:
            clauses.append("REMOVE " + ", ".join(removes))
        if adds:
            clauses.append("ADD " + ", ".join(adds))
        if deletes:
            clauses.append("DELETE " + ", ".join(deletes))
        expression = " ".join(clauses)
    out: dict[str, Any] = {"ExpressionAttributeNames": names}
    if values:
        out["ExpressionAttributeValues"] = values
    out["UpdateExpression"] = expression
    out["ReturnValues"] = "ALL_NEW"
    return out


def timestamp_condition(field: str = "timestamp") -> dict[str, str]:
    """Write only when the stored item is older (or absent): stale events lose."""
    a = alias(field)
    return {"ConditionExpression": f"attribute_not_exists(#{a}) OR #{a} < :{a}"}


def pk_condition(field: str = "pk") -> dict[str, str]:
    """Write only when the item does not exist yet."""
    return {"ConditionExpression": f"attribute_not_exists({field})"}
