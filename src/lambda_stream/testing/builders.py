"""Test builders: Lambda events shaped exactly like the ones AWS delivers, built from plain events.

Each builder mirrors its JS aws-lambda-stream twin (``toKinesisRecords`` ...), so tests read alike
in both languages; the fields JS leaves out (ARNs, versions, md5 ...) are filled with AWS's own
sample values so a handler sees a complete record. The region is ``AWS_REGION`` (else
``us-west-2``), read when a builder is called. Stdlib only.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..utils.dynamodb_json import marshall_image
from ..utils.json import dumps

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

ACCOUNT = "123456789012"
# The sample ApproximateArrivalTimestamp of the AWS docs, for events without a timestamp.
_SAMPLE_ARRIVAL = 1545084650.987


def _region() -> str:
    return os.environ.get("AWS_REGION") or "us-west-2"


def _b64_json(value: Any) -> str:
    return base64.b64encode(dumps(value).encode("utf-8")).decode("ascii")


def _iso(ms: Any, millis: bool = False) -> str:
    """An epoch-ms timestamp as AWS writes times (``...Z``; the epoch when there is none)."""
    seconds = ms / 1000 if isinstance(ms, int | float) and not isinstance(ms, bool) else 0
    t = datetime.fromtimestamp(seconds, UTC)
    if millis:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(i: int) -> str:
    return f"00000000-0000-0000-0000-{i:012d}"


def _body(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


# -- Kinesis ---------------------------------------------------------------------------------------
def to_kinesis_records(
    events: Iterable[Mapping[str, Any]], approximate_arrival_timestamp: float | None = None
) -> dict[str, Any]:
    """A Kinesis batch: eventID ``shardId-000000000000:<i>``, sequenceNumber ``"<i>"``, data = base64
    of the compact JSON event (``utils.json.dumps``). ``approximateArrivalTimestamp`` (seconds) defaults to the event's."""
    region = _region()
    records = []
    for i, e in enumerate(events):
        ts = e.get("timestamp")
        arrival = approximate_arrival_timestamp
        if arrival is None:
            arrival = (
                ts / 1000 if isinstance(ts, int | float) and not isinstance(ts, bool) else _SAMPLE_ARRIVAL
            )
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": str(e.get("partitionKey", i)),
                    "sequenceNumber": f"{i}",
                    "data": _b64_json(e),
                    "approximateArrivalTimestamp": arrival,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{i}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
                "awsRegion": region,
                "eventSourceARN": f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/lambda-stream",
            }
        )
    return {"Records": records}


# -- DynamoDB Streams ------------------------------------------------------------------------------
def to_dynamodb_records(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A DynamoDB stream batch from the JS builder's input ``{timestamp (s), keys, newImage, oldImage}``.

    eventName is INSERT without ``oldImage``, REMOVE without ``newImage``, else MODIFY; eventID and
    SequenceNumber are ``"<i>"``; awsRegion is the new image's ``awsregion``, else ``AWS_REGION``.
    An optional ``userIdentity`` is copied (a TTL deletion carries the DynamoDB service principal).
    """
    records = []
    for i, e in enumerate(events):
        new, old = e.get("newImage"), e.get("oldImage")
        region = (new or {}).get("awsregion") or _region()
        ddb: dict[str, Any] = {"ApproximateCreationDateTime": e.get("timestamp")}
        if e.get("keys"):
            ddb["Keys"] = marshall_image(e["keys"])
        if new:
            ddb["NewImage"] = marshall_image(new)
        if old:
            ddb["OldImage"] = marshall_image(old)
        ddb["SequenceNumber"] = f"{i}"
        ddb["SizeBytes"] = len(dumps({k: ddb.get(k) for k in ("Keys", "NewImage", "OldImage")}))
        ddb["StreamViewType"] = "NEW_AND_OLD_IMAGES"
        record: dict[str, Any] = {
            "eventID": f"{i}",
            "eventName": "INSERT" if not old else "REMOVE" if not new else "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": ddb,
            "eventSourceARN": f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/entities/stream/2016-11-16T20:42:48.104",
        }
        if e.get("userIdentity"):
            record["userIdentity"] = dict(e["userIdentity"])
        records.append(record)
    return {"Records": records}


# -- EventBridge -----------------------------------------------------------------------------------
def to_event_bridge_record(event: Mapping[str, Any], source: str = "test") -> dict[str, Any]:
    """The EventBridge event Lambda receives for a published event: ``detail`` is the event."""
    return {
        "version": "0",
        "id": _uuid(0),
        "detail-type": event.get("type"),
        "source": source,
        "account": ACCOUNT,
        "time": _iso(event.get("timestamp")),
        "region": _region(),
        "resources": [],
        "detail": dict(event),
    }


# -- SQS -------------------------------------------------------------------------------------------
def to_sqs_records(messages: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """An SQS batch from ``{body, timestamp (ms), region, messageAttributes}`` (a non-str body is JSON)."""
    records = []
    for i, m in enumerate(messages):
        body = _body(m.get("body"))
        sent = str(m.get("timestamp") or "1545082649183")
        region = m.get("region") or _region()
        records.append(
            {
                "messageId": _uuid(i),
                "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{i}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": dict(m.get("messageAttributes") or {}),
                "md5OfBody": hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{region}:{ACCOUNT}:my-queue",
                "awsRegion": region,
            }
        )
    return {"Records": records}


def to_sqs_event_records(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """An SQS batch whose bodies are events (compact JSON), as ``from_sqs_event`` reads them."""
    return to_sqs_records(
        {
            "body": dumps(e),
            "timestamp": e.get("timestamp"),
            "region": (e.get("tags") or {}).get("region"),
        }
        for e in events
    )


# -- SNS -------------------------------------------------------------------------------------------
def to_sns_records(messages: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """An SNS batch from ``{msg, subject, attributes, timestamp (ms)}`` (a non-str msg is JSON)."""
    region = _region()
    topic = f"arn:aws:sns:{region}:{ACCOUNT}:sns-lambda"
    records = []
    for i, m in enumerate(messages):
        records.append(
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:21be56ed-a058-49f5-8c98-aedd2564c486",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": _iso(m.get("timestamp"), millis=True),
                    "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
                    "MessageId": _uuid(i),
                    "Message": _body(m.get("msg")),
                    "MessageAttributes": dict(m.get("attributes") or {}),
                    "Type": "Notification",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&amp;SubscriptionArn={topic}:21be56ed-a058-49f5-8c98-aedd2564c486",
                    "TopicArn": topic,
                    "Subject": m.get("subject") or "TestSubject",
                },
            }
        )
    return {"Records": records}


# -- S3 --------------------------------------------------------------------------------------------
def _s3_record(i: int, n: Mapping[str, Any], region: str) -> dict[str, Any]:
    bucket = dict(n.get("bucket") or {})
    name = bucket.get("name", "lambda-stream-bucket")
    obj = dict(n.get("object") or {})
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": n.get("eventTime", "2019-09-03T19:37:27.192Z"),
        "eventName": n.get("eventName", "ObjectCreated:Put"),
        "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
        "requestParameters": {"sourceIPAddress": "205.255.255.255"},
        "responseElements": {
            "x-amz-request-id": f"{i:016d}",
            "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "828aa6fc-f7b5-4305-8584-487c791949c1",
            "bucket": {
                "name": name,
                "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                "arn": f"arn:aws:s3:::{name}",
                **bucket,
            },
            "object": {
                "key": f"{i}",
                "size": 0,
                "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                "sequencer": f"{i:018X}",
                **obj,
            },
        },
    }


def to_s3_records(notifications: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """An S3 notification batch from ``{bucket: {name}, object: {key, ...}}`` entries."""
    region = _region()
    return {"Records": [_s3_record(i, n, region) for i, n in enumerate(notifications)]}


def to_sqs_sns_s3_records(notifications: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One SQS message holding the SNS notification of an S3 event with all the notifications (as JS)."""
    region = _region()
    topic = f"arn:aws:sns:{region}:{ACCOUNT}:s3-notifications"
    sns = {
        "Type": "Notification",
        "MessageId": _uuid(0),
        "TopicArn": topic,
        "Subject": "Amazon S3 Notification",
        "Message": dumps(to_s3_records(notifications)),
        "Timestamp": "2019-09-03T19:37:27.250Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
        "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
        "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:21be56ed-a058-49f5-8c98-aedd2564c486",
    }
    return to_sqs_records([{"body": dumps(sns), "region": region}])


# -- Firehose --------------------------------------------------------------------------------------
def to_firehose_records(
    events: Iterable[Mapping[str, Any]], approximate_arrival_timestamp: int | None = None
) -> dict[str, Any]:
    """A Firehose data-transformation event: recordId ``"<i>"``, data = base64 of the compact JSON
    event; ``approximateArrivalTimestamp`` (ms) defaults to the event's timestamp."""
    region = _region()
    records = []
    for i, e in enumerate(events):
        ts = e.get("timestamp")
        arrival = approximate_arrival_timestamp
        if arrival is None:
            arrival = (
                ts if isinstance(ts, int) and not isinstance(ts, bool) else round(_SAMPLE_ARRIVAL * 1000)
            )
        records.append({"recordId": f"{i}", "approximateArrivalTimestamp": arrival, "data": _b64_json(e)})
    return {
        "invocationId": "invocationIdExample",
        "deliveryStreamArn": f"arn:aws:firehose:{region}:{ACCOUNT}:deliverystream/lambda-stream",
        "region": region,
        "records": records,
    }
