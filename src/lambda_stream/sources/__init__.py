"""Sources: a Lambda event in, a lazy ``Stream`` of uows out (one module per event source)."""

from ..utils.dynamodb_json import marshall, marshall_image, unmarshall, unmarshall_image
from .dynamodb import from_dynamodb
from .event_bridge import from_cron, from_event_bridge
from .firehose import from_firehose
from .kinesis import from_kinesis
from .s3 import from_s3, from_sqs_sns_s3
from .sns import from_sns
from .sqs import from_sqs, from_sqs_event

__all__ = [
    "from_cron",
    "from_dynamodb",
    "from_event_bridge",
    "from_firehose",
    "from_kinesis",
    "from_s3",
    "from_sns",
    "from_sqs",
    "from_sqs_event",
    "from_sqs_sns_s3",
    "marshall",
    "marshall_image",
    "unmarshall",
    "unmarshall_image",
]
