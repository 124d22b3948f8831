"""``from_s3`` (S3 notifications) and ``from_sqs_sns_s3`` (S3 -> SNS -> SQS fan-out)."""

from __future__ import annotations

from typing import Any

from ..core import Stream
from ._decode import Uow, decoder, field, json_object, records_of


def _decode_s3(record: Any) -> Uow:
    s3 = field(record, "s3", dict, "record")
    field(s3, "bucket", dict, "s3")
    field(s3, "object", dict, "s3")
    return {"record": record}


def _decode_sqs_sns_s3(record: Any) -> list[Uow]:
    sns = json_object(field(record, "body", str, "record"), "body")
    notification = json_object(field(sns, "Message", str, "body"), "body.Message")
    s3_records = notification.get("Records")
    if s3_records is None:  # e.g. the s3:TestEvent S3 sends when a notification is configured
        return []
    if not isinstance(s3_records, list):
        raise TypeError("body.Message.Records is not a list")
    for r in s3_records:
        _decode_s3(r)
    return [{"record": {"sqs": record, "sns": sns, "s3": r}} for r in s3_records]


def from_s3(event: dict[str, Any]) -> Stream[Uow]:
    """One uow ``{record}`` per S3 notification record."""
    records = records_of(event, "Records", "from_s3")
    return Stream(records).map(decoder("from_s3", _decode_s3))


def from_sqs_sns_s3(event: dict[str, Any]) -> Stream[Uow]:
    """One uow per S3 record inside SNS notifications delivered through SQS.

    Each uow is ``{record: {sqs: <SQS record>, sns: <parsed SNS notification>, s3: <S3 record>}}``;
    an S3 test event (no ``Records``) yields nothing. An SQS record that does not decode becomes a
    ``DecodeError`` carrying ``uow={"record": <SQS record>}``.
    """
    records = records_of(event, "Records", "from_sqs_sns_s3")
    return Stream(records).flat_map(decoder("from_sqs_sns_s3", _decode_sqs_sns_s3))
