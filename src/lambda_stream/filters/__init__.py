"""Predicates for ``Stream.filter``: route by event type or content, and drop echoes and test events."""

from .content import filter_on_content
from .event_type import filter_on_event_type, on_event_type, prefilter_on_event_types
from .latch import out_latched
from .skip import out_skip
from .source import out_source_is, out_source_is_self, self_source

__all__ = [
    "filter_on_content",
    "filter_on_event_type",
    "on_event_type",
    "out_latched",
    "out_skip",
    "out_source_is",
    "out_source_is_self",
    "prefilter_on_event_types",
    "self_source",
]
