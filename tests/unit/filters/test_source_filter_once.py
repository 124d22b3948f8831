"""out_source_is: this service's name read once, when the step is built; same verdicts as
out_source_is_self."""

from __future__ import annotations

import pytest

from lambda_stream.filters import out_source_is, out_source_is_self, self_source

UOWS = [
    {"event": {"tags": {"source": "me"}}},
    {"event": {"tags": {"source": "other"}}},
    {"event": {"tags": {}}},
    {"event": {}},
    {"record": {}},
]


@pytest.mark.parametrize("service", [None, "me"])
def test_the_same_verdicts_as_out_source_is_self(
    service: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SERVICE", "PROJECT", "SERVERLESS_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    if service:
        monkeypatch.setenv("SERVICE", service)
    keep = out_source_is(self_source())
    assert [keep(u) for u in UOWS] == [out_source_is_self(u) for u in UOWS]
    monkeypatch.setenv("SERVICE", "changed")  # read once: a later change does not reach it
    assert [keep(u) for u in UOWS] == ([False, True, True, True, True] if service else [True] * 5)
