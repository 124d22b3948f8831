"""``on_event_type``: the predicate that routes uows to a rule by event type.

``rule["event_type"]`` is a string (exact match), a compiled regex (searched, like JS ``test``), a
list/tuple/set of strings (membership) or a function of the type. The matcher is built once per
rule; a uow without an event type matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import ConfigurationError

Predicate = Callable[[Mapping[str, Any]], bool]


def _matcher(rule: Mapping[str, Any]) -> Callable[[str], Any]:
    spec = rule.get("event_type")
    if isinstance(spec, str):
        return spec.__eq__
    if isinstance(spec, re.Pattern):
        return spec.search
    if isinstance(spec, list | tuple | set | frozenset) and all(isinstance(t, str) for t in spec):
        return frozenset(spec).__contains__
    if callable(spec):
        return spec  # type: ignore[no-any-return]
    raise ConfigurationError(
        f"Rule: {rule.get('id')}, has improperly configured event_type filter. "
        "Must be a string, list of strings, regex or function."
    )


def _event_type(uow: Any) -> Any:
    """The uow's ``event.type`` (None when there is none); plain dicts first, without an ABC check."""
    event = uow.get("event")
    if event.__class__ is not dict and not isinstance(event, Mapping):
        _without_event(uow)
        return None
    return event.get("type")


def _without_event(uow: Any) -> bool:
    """A uow with no event at all comes from a message source: filtering it by event type would
    silently drop every record, so it is a wiring mistake (raised, failing the invocation)."""
    if isinstance(uow, Mapping) and "event" not in uow and "record" in uow:
        raise ConfigurationError(
            "on_event_type: the uow has no 'event' (from_sqs, from_sns and from_s3 give {record, "
            "message}): use from_sqs_event for events sent through a queue (from_event_bridge, "
            "from_kinesis, ... for the others), or filter messages on their content"
        )
    return False


def on_event_type(rule: Mapping[str, Any]) -> Predicate:
    """A predicate ``uow -> bool``: does the uow's ``event.type`` match ``rule["event_type"]``?

    It takes the rule (a mapping with ``event_type``), as flavors pass it; a bare type string or
    list is refused with the form to use. The matcher is chosen once, here, not per uow.
    """
    if not isinstance(rule, Mapping):
        raise ConfigurationError(
            f"on_event_type takes a rule mapping, got {rule!r} ({type(rule).__name__}); "
            f"pass on_event_type({{'event_type': {rule!r}}})"
        )
    spec = rule.get("event_type")
    if isinstance(spec, str):  # the common cases, each one comparison per uow
        wanted = spec

        def exact(uow: Mapping[str, Any]) -> bool:
            event = uow.get("event")
            if event.__class__ is not dict and not isinstance(event, Mapping):
                return _without_event(uow)
            t = event.get("type")
            return (t.__class__ is str or isinstance(t, str)) and t == wanted

        return exact
    match = _matcher(rule)
    if isinstance(spec, list | tuple | set | frozenset):
        types = frozenset(spec)

        def member(uow: Mapping[str, Any]) -> bool:
            event = uow.get("event")
            if event.__class__ is not dict and not isinstance(event, Mapping):
                return _without_event(uow)
            t = event.get("type")
            return (t.__class__ is str or isinstance(t, str)) and t in types

        return member

    def predicate(uow: Mapping[str, Any]) -> bool:
        t = _event_type(uow)
        return isinstance(t, str) and bool(match(t))

    return predicate


filter_on_event_type = on_event_type


def prefilter_on_event_types(rules: Iterable[Mapping[str, Any]]) -> Predicate:
    """A predicate that keeps a uow when any of the rules' event types match (JS prefilter)."""
    predicates = [on_event_type(r) for r in rules]

    def predicate(uow: Mapping[str, Any]) -> bool:
        return any(p(uow) for p in predicates)

    return predicate
