from __future__ import annotations

import pytest

from lambda_stream.filters import out_source_is_self


def uow(source: object) -> dict[str, object]:
    return {"event": {"type": "a", "tags": {"source": source}}}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SERVICE", "PROJECT", "SERVERLESS_PROJECT"):
        monkeypatch.delenv(name, raising=False)


def test_drops_events_this_service_emitted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVERLESS_PROJECT", "thing-service")
    assert out_source_is_self(uow("thing-service")) is False
    assert out_source_is_self(uow("other-service")) is True
    assert out_source_is_self({"event": {"type": "a"}}) is True
    assert out_source_is_self({"event": {"type": "a", "tags": {}}}) is True
    assert out_source_is_self({"record": {}}) is True


def test_the_name_is_read_at_call_time_in_js_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVERLESS_PROJECT", "c")
    assert out_source_is_self(uow("c")) is False
    monkeypatch.setenv("PROJECT", "b")
    assert out_source_is_self(uow("c")) is True
    assert out_source_is_self(uow("b")) is False
    monkeypatch.setenv("SERVICE", "a")
    assert out_source_is_self(uow("b")) is True
    assert out_source_is_self(uow("a")) is False


def test_without_a_configured_name_everything_is_kept() -> None:
    assert out_source_is_self(uow("thing-service")) is True
    assert out_source_is_self(uow(None)) is True
