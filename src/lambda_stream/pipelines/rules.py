"""``initialize_from``: pipelines built from rules ``{id, flavor, event_type, ...}``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ConfigurationError
from .assemble import Pipeline, Step

REQUIRED_RULE_FIELDS = ("id", "flavor")


def initialize_from(rules: Iterable[Mapping[str, Any]]) -> dict[str, Pipeline]:
    """Pipelines from rules ``{id, flavor, event_type, ...}``: ``flavor(rule)`` builds the pipeline.

    Rules are checked now, not on the first event: a missing field fails with the rule id and the
    field; a flavor may list its own ``required_fields``.
    """
    out: dict[str, Pipeline] = {}
    for i, rule in enumerate(rules):
        rid = rule.get("id")
        for name in REQUIRED_RULE_FIELDS:
            if not rule.get(name):
                raise ConfigurationError(f"rule {rid or f'#{i}'!s}: missing required field {name!r}")
        flavor = rule["flavor"]
        if not callable(flavor):
            raise ConfigurationError(f"rule {rid}: 'flavor' must be a pipeline factory, got {flavor!r}")
        for name in getattr(flavor, "required_fields", ()):
            if rule.get(name) in (None, "", [], {}):
                raise ConfigurationError(
                    f"rule {rid}: missing required field {name!r} for flavor {flavor.__name__}"
                )
        if rid in out:
            raise ConfigurationError(f"rule {rid}: duplicate rule id")
        out[str(rid)] = _from_rule(dict(rule))
    return out


def _from_rule(rule: dict[str, Any]) -> Pipeline:
    def pipeline(opt: dict[str, Any]) -> Step:
        step: Step = rule["flavor"]({**opt, **rule})
        return step

    return pipeline
