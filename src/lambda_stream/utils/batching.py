"""Units of work that travel together: batch uows, group uows and compaction (JS utils/batch)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["compact", "to_batch_uow", "to_group_uows", "un_batch_uow"]

Uow = dict[str, Any]


def to_batch_uow(batch: list[Uow]) -> Uow:
    """Wrap a list of uows (after ``.batch(n)``) into one uow: ``{"batch": batch}``."""
    return {"batch": batch}


def un_batch_uow(uow: Mapping[str, Any]) -> list[Uow]:
    """The uows of a batch uow, each adorned with the batch uow's other variables (use with flat_map).

    As in JS, the outer variables win over an inner uow's variables of the same name.
    """
    outer = {k: v for k, v in uow.items() if k != "batch"}
    return [{**inner, **outer} for inner in uow["batch"]]


def to_group_uows(groups: Mapping[Any, list[Uow]]) -> list[Uow]:
    """One batch uow per group (use with flat_map after ``.group(...)``)."""
    return [{"batch": batch} for batch in groups.values()]


def _partition_key(uow: Mapping[str, Any]) -> Any:
    return uow["event"]["partitionKey"]


def _timestamp(uow: Mapping[str, Any]) -> Any:
    return uow["event"]["timestamp"]


def compact(rule: Mapping[str, Any]) -> Callable[[Stream[Any]], Stream[Any]]:
    """Group uows by key and keep the latest (by event timestamp), as ``{**latest, "batch": group}``.

    ``rule["compact"]`` turns it on: ``True``, a dict with optional ``group`` (key function) and
    ``sort`` (key function; the JS comparator becomes a Python sort key), or a callable step that
    replaces the default. Without it the step is the identity.
    """
    spec = rule.get("compact")
    if not spec:
        return _identity
    if callable(spec):
        step: Callable[[Stream[Any]], Stream[Any]] = spec
        return step
    opts: Mapping[str, Any] = spec if isinstance(spec, Mapping) else {}
    group_key: Callable[[Uow], Any] = opts.get("group") or _partition_key
    sort_key: Callable[[Uow], Any] = opts.get("sort") or _timestamp

    def to_compacted(groups: Mapping[Any, list[Uow]]) -> Iterable[Uow]:
        out = []
        for batch in groups.values():
            ordered = sorted(batch, key=sort_key)
            out.append({**ordered[-1], "batch": ordered})
        return out

    def step_(s: Stream[Any]) -> Stream[Any]:
        return s.group(group_key).flat_map(to_compacted)

    return step_


def _identity(s: Stream[Any]) -> Stream[Any]:
    return s
