"""``from_s3`` (S3 notifications) and ``from_sqs_sns_s3`` (S3 -> SNS -> SQS fan-out)."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ..errors import DecodeError
from ._decode import Uow, decoder, field, json_object, records_of


def _decode_s3(record: Any) -> Uow:
    s3 = field(record, "s3", dict, "record")
    field(s3, "bucket", dict, "s3")
    field(s3, "object", dict, "s3")
    return {"record": record}


def _decode_sqs_sns_s3(record: Any) -> list[Uow]:
    body = json_object(field(record, "body", str, "record"), "body")
    if "Records" in body and "Message" not in body:  # SNS raw message delivery: the body is S3's
        sns, notification = None, body
    else:
        sns, notification = body, json_object(field(body, "Message", str, "body"), "body.Message")
    s3_records = notification.get("Records")
    if s3_records is None:
        if notification.get("Event") == "s3:TestEvent":
            return []  # S3 sends it once when a notification is configured: nothing to process
        raise DecodeError("body.Message: not an S3 notification (no 'Records', not the s3:TestEvent)")
    if not isinstance(s3_records, list) or not s3_records:
        raise DecodeError("body.Message.Records: expected a non-empty list of S3 records")
    for r in s3_records:
        _decode_s3(r)
    return [{"record": {"sqs": record, "sns": sns, "s3": r}} for r in s3_records]


def from_s3(event: dict[str, Any]) -> Stream[Uow]:
    """One uow ``{record}`` per S3 notification record."""
    records = records_of(event, "Records", "from_s3")
    return Stream(records).map(decoder("from_s3", _decode_s3))


def from_sqs_sns_s3(event: dict[str, Any]) -> Stream[Uow]:
    """One uow per S3 record inside SNS notifications delivered through SQS.

    Each uow is ``{record: {sqs: <SQS record>, sns: <parsed SNS notification>, s3: <S3 record>}}``
    (``sns`` is None when the subscription uses raw message delivery: the body is S3's notification).
    Only S3's test event (``"Event": "s3:TestEvent"``) yields nothing; any other SQS record that
    does not hold S3 records (a JSON message of another shape too) becomes a ``DecodeError``
    carrying ``uow={"record": <SQS record>}``, so no message is deleted unprocessed.
    """
    records = records_of(event, "Records", "from_sqs_sns_s3")
    return Stream(records).flat_map(decoder("from_sqs_sns_s3", _decode_sqs_sns_s3))
