from __future__ import annotations

from typing import Any

import pytest

from lambda_stream.filters import out_skip


@pytest.mark.parametrize(
    ("uow", "kept"),
    [
        ({"event": {"type": "a", "tags": {"skip": True}}}, False),
        ({"event": {"type": "a", "tags": {"skip": "yes"}}}, False),
        ({"event": {"type": "a", "tags": {"skip": False}}}, True),
        ({"event": {"type": "a", "tags": {"skip": None}}}, True),
        ({"event": {"type": "a", "tags": {}}}, True),
        ({"event": {"type": "a"}}, True),
        ({"event": {"type": "a", "tags": "junk"}}, True),
        ({"record": {}}, True),
    ],
)
def test_out_skip(uow: dict[str, Any], kept: bool) -> None:
    assert out_skip(uow) is kept
