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
    field close to a known one, fails with the rule id and the field.
    """
    from ..flavors.rule import validate_rule  # here: a handler without rules never loads the flavors

    out: dict[str, Pipeline] = {}
    for i, rule in enumerate(rules):
        validate_rule(rule, i)
        rid = str(rule["id"])
        if rid in out:
            raise ConfigurationError(f"rule {rid}: duplicate rule id")
        out[rid] = _from_rule(dict(rule))
    return out


def _from_rule(rule: dict[str, Any]) -> Pipeline:
    def pipeline(opt: dict[str, Any]) -> Step:
        step: Step = rule["flavor"]({**opt, **rule})
        return step

    return pipeline
