"""A local stand-in for Lambda's event source mappings (``lambda-stream run``).

It polls DynamoDB stream shards, Kinesis shards and SQS queues (on moto's server, LocalStack or
real AWS), builds the events Lambda would build, and invokes handlers as Lambda would: batch
size and window, partial batch responses, bisect on error, retries, an on-failure destination,
and a parallelization factor that keeps each partition key in order. One module per source kind;
``shards`` holds what Kinesis and DynamoDB Streams share.
"""

from __future__ import annotations

from .context import LambdaContext
from .engine import Runner
from .function import Function, Outcome, load_handler
from .mapping import EventSourceMapping, SourceRef
from .stats import SourceStats

__all__ = [
    "EventSourceMapping",
    "Function",
    "LambdaContext",
    "Outcome",
    "Runner",
    "SourceRef",
    "SourceStats",
    "load_handler",
]
