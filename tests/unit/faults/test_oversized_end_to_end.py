"""A record too big for the bus, and for its own fault: the invocation still succeeds (issue 7 #6).

A 320 KB Kinesis record forwarded to an EventBridge bus with a 256 KiB limit is rejected as an
entry and faulted; its fault, even trimmed to the record, is larger than the bus takes, so it is
published as a pointer. The rest of the batch is published once, and Lambda is told all is done.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from lambda_stream import from_kinesis, initialize, lambda_handler, publish_to_event_bridge
from lambda_stream.connectors.batch import BatchResult
from lambda_stream.testing import to_kinesis_records
from lambda_stream.utils import decompress

LIMIT = 256 * 1024


class Bus:
    """An EventBridge that refuses any entry over 256 KiB, as the service did until 2026."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    async def put_events(self, entries: list[dict[str, Any]]) -> BatchResult:
        for e in entries:
            assert sum(len(str(v).encode()) for v in e.values()) <= LIMIT, "the bus rejects the request"
        self.entries.extend(entries)
        return BatchResult(responses=[{"EventId": str(len(self.entries))} for _ in entries], failed=[])


def forward(opt: dict[str, Any]) -> Any:
    return lambda s: s.through(publish_to_event_bridge(**opt))


def test_a_record_too_big_for_its_fault_is_published_as_a_pointer() -> None:
    big = base64.b64encode(os.urandom(240 * 1024)).decode()  # 320 KB that gzip cannot shrink enough
    events = [{"type": "small", "n": 0}, {"type": "big", "blob": big}, {"type": "small", "n": 2}]
    batch = to_kinesis_records(events)
    bus = Bus()
    opt = {"publish": publish_to_event_bridge, "bus_name": "b", "connector": bus, "max_request_size": LIMIT}
    with lambda_handler(
        initialize({"forward": forward}, opt), source=from_kinesis, partial_batch_response=True
    ) as h:
        assert h(batch, None) == {"batchItemFailures": []}
    types = [e["DetailType"] for e in bus.entries]
    assert sorted(types) == ["fault", "small", "small"]  # each once: nothing is re-published
    [fault] = [e for e in bus.entries if e["DetailType"] == "fault"]
    detail = json.loads(fault["Detail"])
    record = batch["Records"][1]
    assert detail["uow"]["pointer"]["sequenceNumber"] == record["kinesis"]["sequenceNumber"]
    assert detail["uow"]["pointer"]["eventSourceARN"] == record["eventSourceARN"]
    assert detail["err"]["name"] == "AwsValidationError"


def test_hostile_records_are_published_as_faults_the_bus_accepts() -> None:
    events = [{"type": "small", "n": i} for i in range(4)]
    batch = to_kinesis_records(events)
    records = batch["Records"]
    records[0]["eventID"] += "\ud800"  # as the runtime decodes an escaped lone surrogate
    records[1]["kinesis"]["data"] = base64.b64encode(("[" * 5000 + "]" * 5000).encode()).decode()
    records[2]["kinesis"]["data"] = base64.b64encode(b'{"type":"small","n":NaN}').decode()
    bus = Bus()
    opt = {"publish": publish_to_event_bridge, "bus_name": "b", "connector": bus, "max_request_size": LIMIT}
    with lambda_handler(
        initialize({"forward": forward}, opt), source=from_kinesis, partial_batch_response=True
    ) as h:
        assert h(batch, None) == {"batchItemFailures": []}
    faults = [decompress(json.loads(e["Detail"])) for e in bus.entries if e["DetailType"] == "fault"]
    assert sorted(f["uow"]["record"]["kinesis"]["sequenceNumber"] for f in faults) == ["0", "1", "2"]
    assert [e["DetailType"] for e in bus.entries].count("small") == 1
    for e in bus.entries:
        e["Detail"].encode("utf-8")  # strict UTF-8: what the service requires
