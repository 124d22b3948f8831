"""``from_firehose``: a Firehose data-transformation batch as uows."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ..filters.skip import out_skip
from ._decode import Uow, as_event, b64_text, decoder, field, json_value, records_of


def _decode(record: Any) -> Uow:
    record_id = field(record, "recordId", str, "record")
    payload = as_event(json_value(b64_text(record.get("data"), "data"), "data", decompress=True), "data")
    return {"record": record, "event": payload, "record_id": record_id, "result": "Dropped"}


def from_firehose(event: dict[str, Any]) -> Stream[Uow]:
    """One uow per record: ``{record, event, record_id, result: "Dropped"}``.

    ``result`` is the Firehose transformation result, ``Dropped`` until a step sets ``Ok`` (as in
    JS). Compressed fields are restored (the JS ``decompress`` reviver). Events tagged ``tags.skip``
    are dropped; undecodable records (a field that does not decompress too) become ``DecodeError``
    values.
    """
    records = records_of(event, "records", "from_firehose")
    return Stream(records).map(decoder("from_firehose", _decode)).filter(out_skip)
