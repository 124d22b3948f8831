"""``on_event_type`` takes a rule mapping; a bare type is refused with the form to use (issue 8)."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_stream import on_event_type
from lambda_stream.errors import ConfigurationError


@pytest.mark.parametrize("bare", ["thing-created", ["thing-created", "thing-updated"], ("a",)])
def test_a_bare_type_names_the_rule_form(bare: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"takes a rule mapping.*on_event_type\(\{'event_type': "):
        on_event_type(bare)


@pytest.mark.parametrize(
    ("event", "kept"),
    [
        ({"type": "a"}, True),
        ({"type": "b"}, False),
        ({"type": 1}, False),
        ({}, False),
        (None, False),
        ("a", False),
    ],
)
@pytest.mark.parametrize("spec", ["a", ["a"], ("a", "c"), {"a"}])
def test_the_compiled_forms_agree(spec: Any, event: Any, kept: bool) -> None:
    assert on_event_type({"event_type": spec})({"event": event}) is kept
