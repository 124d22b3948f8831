"""``from_kinesis``: a Kinesis stream batch as uows ``{record, event}``."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ..filters.skip import out_skip
from ._decode import Uow, as_event, b64_text, decoder, field, json_value, records_of


def _decode(record: Any) -> Uow:
    kinesis = field(record, "kinesis", dict, "record")
    event_id = field(record, "eventID", str, "record")
    payload = as_event(
        json_value(b64_text(kinesis.get("data"), "kinesis.data"), "kinesis.data", decompress=True),
        "kinesis.data",
    )
    return {"record": record, "event": {"id": event_id, **payload}}


def from_kinesis(event: dict[str, Any]) -> Stream[Uow]:
    """One uow per record: ``event = {"id": eventID, **payload}`` (an ``id`` in the payload wins).

    Compressed fields (``"COMPRESSED" + base64(gzip(json))``, as the sinks write them) are restored,
    as the JS ``decompress`` reviver does. Events tagged ``tags.skip`` are dropped. A record that
    does not decode (bad base64, bad JSON, no ``type``, a compressed field that does not decompress)
    becomes a ``DecodeError`` carrying ``uow={"record": record}``. Claim-check stubs are passed on
    as they are: redeeming them is a separate step.
    """
    records = records_of(event, "Records", "from_kinesis")
    return Stream(records).map(decoder("from_kinesis", _decode)).filter(out_skip)
