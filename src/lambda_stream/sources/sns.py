"""``from_sns``: SNS notifications (intra-service messages) as uows."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ._decode import Uow, decoder, field, records_of, try_json


def _decode(record: Any) -> Uow:
    sns = field(record, "Sns", dict, "record")
    message = try_json(field(sns, "Message", str, "Sns"))
    return {"record": record} if message is None else {"record": record, "message": message}


def from_sns(event: dict[str, Any]) -> Stream[Uow]:
    """One uow per notification: ``{record}``, plus ``message`` (the parsed ``Sns.Message``) when JSON."""
    records = records_of(event, "Records", "from_sns")
    return Stream(records).map(decoder("from_sns", _decode))
