"""The sources that decompress (as JS ``JSON.parse(text, decompress)``): Kinesis, SQS events, Firehose."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest

from lambda_stream import Stream
from lambda_stream.errors import DecodeError
from lambda_stream.sources import _decode, from_event_bridge, from_firehose, from_kinesis, from_sqs_event
from lambda_stream.testing import (
    to_event_bridge_record,
    to_firehose_records,
    to_kinesis_records,
    to_sqs_event_records,
)
from lambda_stream.utils.compression import compress

from .helpers import collect

Source = Callable[[dict[str, Any]], Stream[Any]]
Builder = Callable[[list[dict[str, Any]]], dict[str, Any]]


def _sqs_event_records(events: list[dict[str, Any]]) -> dict[str, Any]:
    return to_sqs_event_records(events)


def _kinesis_records(events: list[dict[str, Any]]) -> dict[str, Any]:
    return to_kinesis_records(events)


def _firehose_records(events: list[dict[str, Any]]) -> dict[str, Any]:
    return to_firehose_records(events)


# (source, builder, the event the source gives for a payload, the raw text of record i)
SOURCES: list[Any] = [
    pytest.param(
        from_kinesis,
        _kinesis_records,
        lambda i, e: {"id": f"shardId-000000000000:{i}", **e},
        lambda event, i: base64.b64decode(event["Records"][i]["kinesis"]["data"]).decode(),
        id="kinesis",
    ),
    pytest.param(
        from_sqs_event,
        _sqs_event_records,
        lambda i, e: {"id": f"00000000-0000-0000-0000-{i:012d}", **e},
        lambda event, i: event["Records"][i]["body"],
        id="sqs_event",
    ),
    pytest.param(
        from_firehose,
        _firehose_records,
        lambda i, e: e,
        lambda event, i: base64.b64decode(event["records"][i]["data"]).decode(),
        id="firehose",
    ),
]


def records_of(event: dict[str, Any]) -> list[Any]:
    return list(event.get("Records") or event.get("records") or [])


def js_compressed(value: Any) -> str:
    """The JS format built by hand: Node's gzip (a real mtime in the header) of ``JSON.stringify``."""
    text = json.dumps(value, separators=(",", ":"))
    return "COMPRESSED" + base64.b64encode(gzip.compress(text.encode(), mtime=1_700_000_000)).decode()


BIG = {"name": "x" * 100, "items": [{"n": i, "label": f"item {i}"} for i in range(20)], "flag": True}


@pytest.mark.parametrize(("source", "build", "expected", "raw"), SOURCES)
def test_round_trip_through_the_sink_side_compress(
    source: Source, build: Builder, expected: Callable[[int, Any], Any], raw: Callable[[Any, int], str]
) -> None:
    events: list[dict[str, Any]] = [
        {"id": "e0", "type": "thing-created", "timestamp": 1548967022000, "thing": BIG, "small": 1},
        {"type": "thing-updated", "thing": {"id": "1"}, "tags": {"region": "us-west-2"}},
    ]
    wire = [compress(e, threshold=200) for e in events]
    assert isinstance(wire[0]["thing"], str) and wire[0]["thing"].startswith("COMPRESSED")
    lambda_event = build(wire)
    assert "COMPRESSED" in raw(lambda_event, 0)  # the field really travels compressed
    uows, errors = collect(source(lambda_event))
    assert errors == []
    assert [u["event"] for u in uows] == [expected(0, events[0]), expected(1, events[1])]


@pytest.mark.parametrize(("source", "build", "expected", "raw"), SOURCES)
def test_the_js_format_built_by_hand(
    source: Source, build: Builder, expected: Callable[[int, Any], Any], raw: Callable[[Any, int], str]
) -> None:
    event = {
        "id": "1",
        "type": "thing-created",
        "thing": js_compressed(BIG),
        "list": [js_compressed({"a": 1}), "plain", {"deep": js_compressed([1, 2, 3])}],
        "unicode": js_compressed({"text": "héllo ✓"}),
        "text": js_compressed("just a string"),
    }
    uows, errors = collect(source(build([event])))
    assert errors == []
    assert uows[0]["event"] == expected(
        0,
        {
            "id": "1",
            "type": "thing-created",
            "thing": BIG,
            "list": [{"a": 1}, "plain", {"deep": [1, 2, 3]}],  # array elements are revived too
            "unicode": {"text": "héllo ✓"},
            "text": "just a string",
        },
    )


def test_compound_compression_is_undone() -> None:
    # a compressed string holding a compressed string: the reviver calls itself on the result
    event = {"type": "t", "thing": js_compressed(js_compressed({"a": 1}))}
    uows, errors = collect(from_kinesis(to_kinesis_records([event])))
    assert errors == []
    assert uows[0]["event"]["thing"] == {"a": 1}


def test_a_restored_object_is_not_searched_further() -> None:
    # JS's reviver has already visited that key: a compressed string *inside* a restored object
    # stays as it is (utils.compression.decompress would restore it too; the sources follow JS).
    inner = js_compressed({"a": 1})
    event = {"type": "t", "thing": js_compressed({"nested": inner})}
    uows, errors = collect(from_sqs_event(to_sqs_event_records([event])))
    assert errors == []
    assert uows[0]["event"]["thing"] == {"nested": inner}


def test_the_whole_payload_compressed() -> None:
    # JSON.parse's reviver is also called for the top-level value
    data = base64.b64encode(json.dumps(js_compressed({"type": "t", "n": 1})).encode()).decode()
    lambda_event = to_kinesis_records([{"type": "placeholder"}])
    lambda_event["Records"][0]["kinesis"]["data"] = data
    uows, errors = collect(from_kinesis(lambda_event))
    assert errors == []
    assert uows[0]["event"] == {"id": "shardId-000000000000:0", "type": "t", "n": 1}


def test_a_marker_spelled_with_json_escapes_is_found() -> None:
    # "\u0043OMPRESSED..." is "COMPRESSED..." once parsed, so JS decompresses it
    escaped = "\\u0043" + js_compressed({"a": 1})[1:]
    body = '{"type":"t","thing":"' + escaped + '"}'
    assert "COMPRESSED" not in body
    lambda_event = to_sqs_event_records([{"type": "placeholder"}])
    lambda_event["Records"][0]["body"] = body
    uows, errors = collect(from_sqs_event(lambda_event))
    assert errors == []
    assert uows[0]["event"]["thing"] == {"a": 1}


def _gzip_b64(data: bytes) -> str:
    return base64.b64encode(gzip.compress(data)).decode()


CORRUPT = [
    pytest.param("COMPRESSED", id="empty"),
    pytest.param("COMPRESSED AIR", id="plain-text-with-the-marker"),
    pytest.param("COMPRESSED" + base64.b64encode(b"not gzip at all").decode(), id="not-gzip"),
    pytest.param("COMPRESSED" + _gzip_b64(b"{not json")[:-12], id="truncated-gzip"),
    pytest.param("COMPRESSED" + _gzip_b64(b"{not json"), id="not-json"),
    pytest.param("COMPRESSED" + _gzip_b64(b'"\xff\xfe"'), id="not-utf8"),
    pytest.param("COMPRESSED" + _gzip_b64(b'{"a": 1}')[:-1], id="bad-base64-padding"),
]


@pytest.mark.parametrize("bad", CORRUPT)
@pytest.mark.parametrize(("source", "build", "expected", "raw"), SOURCES)
def test_a_corrupt_compressed_field_is_a_decode_error(
    source: Source,
    build: Builder,
    expected: Callable[[int, Any], Any],
    raw: Callable[[Any, int], str],
    bad: str,
) -> None:
    events: list[dict[str, Any]] = [
        {"id": "0", "type": "a"},
        {"id": "1", "type": "b", "thing": {"list": [1, bad]}},
        {"id": "2", "type": "c", "thing": js_compressed({"ok": True})},
    ]
    lambda_event = build(events)
    uows, errors = collect(source(lambda_event))
    # the other records of the batch flow on
    assert [u["event"]["type"] for u in uows] == ["a", "c"]
    assert uows[1]["event"]["thing"] == {"ok": True}
    [err] = errors
    assert isinstance(err, DecodeError)
    assert err.uow == {"record": records_of(lambda_event)[1]}
    assert "thing.list[1]" in str(err)  # the message names the field


@pytest.mark.parametrize(("source", "build", "expected", "raw"), SOURCES)
def test_a_payload_without_the_marker_is_read_as_it_is(
    source: Source,
    build: Builder,
    expected: Callable[[int, Any], Any],
    raw: Callable[[Any, int], str],
) -> None:
    events: list[dict[str, Any]] = [
        {"id": "1", "type": "t", "thing": {"name": "compressed, lower case", "n": [1, 2, {"x": "é"}]}},
        {"id": "2", "type": "t", "note": "COMPRESS is not the marker"},
    ]
    uows, errors = collect(source(build(events)))
    assert errors == []
    assert [u["event"] for u in uows] == [expected(0, events[0]), expected(1, events[1])]
    assert not any(_decode.may_be_compressed(raw(build(events), i)) for i in range(2))  # never walked

    uows, errors = collect(source(build([{"type": "t", "thing": js_compressed(1)}])))
    assert errors == [] and uows[0]["event"]["thing"] == 1


def test_the_decoded_event_is_the_object_json_loads_built(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []

    strict = _decode.loads

    def loads(text: Any) -> Any:
        value = strict(text)
        built.append(value)
        return value

    monkeypatch.setattr(_decode, "loads", loads)
    uows, errors = collect(from_firehose(to_firehose_records([{"type": "t", "thing": {"a": [1, 2]}}])))
    assert errors == []
    assert uows[0]["event"] is built[0]  # firehose's event is the payload itself: not copied


def test_event_bridge_does_not_decompress() -> None:
    # as in JS: fromEventBridge spreads the detail object without a reviver
    event = {"id": "1", "type": "t", "thing": js_compressed({"a": 1})}
    uows, errors = collect(from_event_bridge(to_event_bridge_record(event)))
    assert errors == []
    assert uows[0]["event"] == event


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type":"t","a":"plain"}', False),
        ('{"type":"t","a":"quote \\" and \\u00e9 and \\n"}', False),
        ('{"type":"t","a":"COMPRESSEDxyz"}', True),
        ('{"type":"t","a":"\\u0043OMPRESSED"}', True),
        ('{"type":"t","a":"COMPRE\\u0053SED"}', True),
    ],
)
def test_may_be_compressed(text: str, expected: bool) -> None:
    assert _decode.may_be_compressed(text) is expected
    assert _decode.may_be_compressed(text.encode()) is expected
    assert _decode.may_be_compressed(bytearray(text.encode())) is expected
