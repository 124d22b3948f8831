"""lambda-stream: functional-reactive stream processing for AWS Lambda.

The public API is exactly ``__all__``; every other module is private. Importing this package
never imports boto3: connectors load it on first use.
"""

from typing import TYPE_CHECKING, Any

from .core import LoopBridge, Stream, sync_handler
from .errors import (
    AwsValidationError,
    BatchEntriesFailedError,
    ConditionalCheckFailedError,
    ConfigurationError,
    ConnectorError,
    DeadlineExceededError,
    DecodeError,
    FaultError,
    LambdaStreamError,
    NotFoundError,
    ThrottledError,
)
from .faults import (
    FAULT_EVENT_TYPE,
    faults,
    faulty,
    faulty_async,
    flush_faults,
    reject_with_fault,
    throw_fault,
)
from .filters import (
    filter_on_content,
    filter_on_event_type,
    on_event_type,
    out_latched,
    out_skip,
    out_source_is_self,
)
from .pipelines import (
    default_options,
    initialize,
    initialize_from,
    lambda_handler,
    print_end_pipeline,
    print_start_pipeline,
)
from .queries import batch_get_dynamodb, get_object_from_s3, query_all_dynamodb, redeem_claim_check
from .sinks import (
    invoke_lambda,
    pk_condition,
    publish_to_event_bridge,
    publish_to_kinesis,
    publish_to_sns,
    put_dynamodb,
    put_object_to_s3,
    send_to_firehose,
    send_to_sqs,
    timestamp_condition,
    update,
    update_dynamodb,
    update_expression,
)
from .sources import (
    from_cron,
    from_dynamodb,
    from_event_bridge,
    from_firehose,
    from_kinesis,
    from_s3,
    from_sns,
    from_sqs,
    from_sqs_event,
    from_sqs_sns_s3,
)
from .utils import (
    compact,
    compress,
    decompress,
    now,
    to_batch_uow,
    to_group_uows,
    ttl,
    ttl_rule,
    un_batch_uow,
)

if TYPE_CHECKING:  # the flavors load on first use: a handler that builds no rules never imports them
    from .flavors import cdc, collect, correlate, evaluate, expire, expired, materialize

_LAZY = frozenset({"cdc", "collect", "correlate", "evaluate", "expire", "expired", "materialize"})


def __getattr__(name: str) -> Any:
    """The flavors at the root, imported on first use (PEP 562), to keep cold start small."""
    if name in _LAZY:
        from . import flavors

        return getattr(flavors, name)
    raise AttributeError(f"module 'lambda_stream' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AwsValidationError",
    "BatchEntriesFailedError",
    "ConditionalCheckFailedError",
    "ConfigurationError",
    "ConnectorError",
    "DeadlineExceededError",
    "DecodeError",
    "FAULT_EVENT_TYPE",
    "FaultError",
    "LambdaStreamError",
    "LoopBridge",
    "NotFoundError",
    "Stream",
    "ThrottledError",
    "batch_get_dynamodb",
    "cdc",
    "collect",
    "compact",
    "compress",
    "correlate",
    "decompress",
    "default_options",
    "evaluate",
    "expire",
    "expired",
    "faults",
    "faulty",
    "faulty_async",
    "filter_on_content",
    "filter_on_event_type",
    "flush_faults",
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
    "get_object_from_s3",
    "initialize",
    "initialize_from",
    "invoke_lambda",
    "lambda_handler",
    "materialize",
    "now",
    "on_event_type",
    "out_latched",
    "out_skip",
    "out_source_is_self",
    "pk_condition",
    "print_end_pipeline",
    "print_start_pipeline",
    "publish_to_event_bridge",
    "publish_to_kinesis",
    "publish_to_sns",
    "put_dynamodb",
    "put_object_to_s3",
    "query_all_dynamodb",
    "redeem_claim_check",
    "reject_with_fault",
    "send_to_firehose",
    "send_to_sqs",
    "sync_handler",
    "throw_fault",
    "timestamp_condition",
    "to_batch_uow",
    "to_group_uows",
    "ttl",
    "ttl_rule",
    "un_batch_uow",
    "update",
    "update_dynamodb",
    "update_expression",
]
