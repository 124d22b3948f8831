"""``initialize_from``: pipelines built from rules ``{id, flavor, event_type, ...}``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ConfigurationError
from .assemble import Pipeline, Step


def initialize_from(rules: Iterable[Mapping[str, Any]]) -> dict[str, Pipeline]:
    """Pipelines from rules ``{id, flavor, event_type, ...}``: ``flavor({**opt, **rule})`` builds each.

    Rules are checked now, not on the first event (``lambda_stream.flavors.rule.validate_rule``):
    a missing ``id``, ``flavor``, ``event_type`` or function the flavor requires, or an unknown
    field close to a known one, fails with the rule id and the field. So do two collect rules for
    one event type (named by a string or a list): both would write the same row (pk = event.id,
    sk EVENT), the second as a MODIFY that correlate never sees.
    """
    from ..flavors import collect
    from ..flavors.rule import validate_rule  # here: a handler without rules never loads the flavors

    out: dict[str, Pipeline] = {}
    collected: dict[str, str] = {}  # event type -> the collect rule that writes its rows
    for i, rule in enumerate(rules):
        validate_rule(rule, i)
        rid = str(rule["id"])
        if rid in out:
            raise ConfigurationError(f"rule {rid}: duplicate rule id")
        if rule["flavor"] is collect:
            for t in _named_types(rule.get("event_type")):
                if t in collected:
                    raise ConfigurationError(
                        f"rule {rid}: event type {t!r} is already collected by rule {collected[t]} "
                        "(one collect rule per event type: both would write the same EVENT row)"
                    )
                collected[t] = rid
        out[rid] = _from_rule(dict(rule))
    return out


def _named_types(spec: Any) -> list[str]:
    """The event types a rule names literally (a regex or a function names none we can compare)."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list | tuple | set | frozenset):
        return [t for t in spec if isinstance(t, str)]
    return []


def _from_rule(rule: dict[str, Any]) -> Pipeline:
    def pipeline(opt: dict[str, Any]) -> Step:
        step: Step = rule["flavor"]({**opt, **rule})
        return step

    return pipeline
