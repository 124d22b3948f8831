"""One decompression: a source and the claim-check redemption give the same event for the same
JSON text, nested compressed fields included (they used to differ)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from lambda_stream import Stream, compress, from_kinesis
from lambda_stream.queries import redeem_claim_check
from lambda_stream.testing import to_kinesis_records
from tests.unit.sinks.fakes import FakeS3


def test_a_source_and_a_claim_check_give_the_same_event() -> None:
    inner = compress({"v": {"w": "q" * 10_000}, "n": 1}, threshold=100)
    event: dict[str, Any] = compress({"id": "e1", "type": "t", "thing": inner}, threshold=100)
    text = json.dumps(event)

    [uow] = asyncio.run(from_kinesis(to_kinesis_records([event])).to_list())
    s3 = FakeS3()
    s3.objects[("b", "k")] = text.encode()
    stub = {"record": {}, "event": {"id": "e1", "type": "t", "s3": {"bucket": "b", "key": "k"}}}
    [redeemed] = asyncio.run(Stream([stub]).through(redeem_claim_check(claim_check_connector=s3)).to_list())
    assert redeemed["event"] == uow["event"]
    assert uow["event"]["thing"] == inner  # restored one level, as the JS reviver does
