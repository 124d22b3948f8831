"""Sinks: curried stream steps that write to AWS (``s.through(update_dynamodb(...))``)."""

from .dynamodb import put_dynamodb, update, update_dynamodb
from .event_bridge import publish_to_event_bridge
from .expressions import pk_condition, timestamp_condition, update_expression
from .firehose import send_to_firehose
from .kinesis import publish_to_kinesis
from .lambda_ import invoke_lambda
from .s3 import copy_s3_object, delete_object_from_s3, put_object_to_s3
from .sns import publish_to_sns
from .sqs import send_to_sqs

__all__ = [
    "copy_s3_object",
    "delete_object_from_s3",
    "invoke_lambda",
    "pk_condition",
    "publish_to_event_bridge",
    "publish_to_kinesis",
    "publish_to_sns",
    "put_dynamodb",
    "put_object_to_s3",
    "send_to_firehose",
    "send_to_sqs",
    "timestamp_condition",
    "update",
    "update_dynamodb",
    "update_expression",
]
