"""Test helpers: builders of Lambda events shaped exactly like the ones AWS delivers."""

from .builders import (
    to_dynamodb_records,
    to_event_bridge_record,
    to_firehose_records,
    to_kinesis_records,
    to_s3_records,
    to_sns_records,
    to_sqs_event_records,
    to_sqs_records,
    to_sqs_sns_s3_records,
)

__all__ = [
    "to_dynamodb_records",
    "to_event_bridge_record",
    "to_firehose_records",
    "to_kinesis_records",
    "to_s3_records",
    "to_sns_records",
    "to_sqs_event_records",
    "to_sqs_records",
    "to_sqs_sns_s3_records",
]
