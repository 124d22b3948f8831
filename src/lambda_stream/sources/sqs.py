"""``from_sqs`` (intra-service messages) and ``from_sqs_event`` (events sent through a queue)."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ..filters.skip import out_skip
from ._decode import Uow, as_event, decoder, field, json_value, records_of, try_json


def _decode_message(record: Any) -> Uow:
    body = field(record, "body", str, "record")
    message = try_json(body)
    return {"record": record} if message is None else {"record": record, "message": message}


def _decode_event(record: Any) -> Uow:
    message_id = field(record, "messageId", str, "record")
    body = field(record, "body", str, "record")
    payload = as_event(json_value(body, "body", decompress=True), "body")
    return {"record": record, "event": {"id": message_id, **payload}}


def from_sqs(event: dict[str, Any]) -> Stream[Uow]:
    """One uow per message: ``{record}``, plus ``message`` (the parsed body) when the body is JSON.

    A body that is plain text is fine (``message`` is left out); a record without a ``body`` becomes a
    ``DecodeError`` carrying the record.
    """
    records = records_of(event, "Records", "from_sqs")
    return Stream(records).map(decoder("from_sqs", _decode_message))


def from_sqs_event(event: dict[str, Any]) -> Stream[Uow]:
    """One uow per message: ``event = {"id": messageId, **json.loads(body)}``.

    Compressed fields in the body are restored (the JS ``decompress`` reviver); a body that does not
    decode (bad JSON, no ``type``, a field that does not decompress) becomes a ``DecodeError``
    carrying the record. Events tagged ``tags.skip`` are dropped (as ``from_kinesis``, JS 1.2).
    """
    records = records_of(event, "Records", "from_sqs_event")
    return Stream(records).map(decoder("from_sqs_event", _decode_event)).filter(out_skip)
