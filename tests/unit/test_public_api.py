"""The public surface is locked, and importing it stays cheap (no AWS SDK, no connector code)."""

from __future__ import annotations

import subprocess
import sys

import lambda_stream

EXPECTED = [
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


def test_all_is_sorted_and_locked() -> None:
    assert lambda_stream.__all__ == sorted(lambda_stream.__all__)
    assert lambda_stream.__all__ == EXPECTED


def test_every_public_name_exists_and_nothing_else_is_public() -> None:
    public = {n for n in dir(lambda_stream) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(lambda_stream, n)).__name__ == "module"}
    assert public - modules == set(EXPECTED)


def test_import_does_not_load_boto3_botocore_or_connectors() -> None:
    code = (
        "import sys, lambda_stream\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto', 's3transfer')"
        " or m.startswith('lambda_stream.connectors')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_handler_imports_load_neither_boto3_nor_the_flavors() -> None:
    """Cold start: the README's handler imports stay small; the root's flavors load on first use."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from lambda_stream import Stream, from_kinesis, initialize, lambda_handler, update_dynamodb\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('boto3', 'botocore', 'lambda_stream.flavors')))\n"
        "assert loaded == [], loaded\n"
        "import lambda_stream\n"
        "assert lambda_stream.materialize.__class__.__name__ == 'Flavor'\n"
        "assert 'lambda_stream.flavors' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
