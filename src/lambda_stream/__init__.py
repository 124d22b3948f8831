"""lambda-stream: functional-reactive stream processing for AWS Lambda.

The public API is exactly ``__all__``; everything else is private. Importing this package never
imports boto3: connectors load it on first use.
"""

from .core import LoopBridge, Stream, sync_handler

__all__ = [
    "LoopBridge",
    "Stream",
    "sync_handler",
]
