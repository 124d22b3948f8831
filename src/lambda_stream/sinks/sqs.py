"""``send_to_sqs``: messages to an SQS queue with SendMessageBatch (≤ 10 messages / 1 MiB a call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import KIB, SQS, StepBuild, Uow
from ..config import declares_options, env
from ..errors import AwsValidationError
from ..faults.wrap import attach_uow
from ..utils.json import loads, utf8_size
from ._batched import batched_sink
from .claim_check import claim_check_store, fit_entry

if TYPE_CHECKING:
    from ..connectors.protocols import S3Writes, SqsApi
    from ..core import Stream

__all__ = ["send_to_sqs"]

MAX_BATCH_SIZE = 10
MAX_REQUEST_SIZE = 1024 * KIB  # AWS's limit since 2025 (emulators may still enforce 256 KiB)


@declares_options
def send_to_sqs(
    *,
    queue_url: str | None = env("QUEUE_URL"),
    message_field: str = "message",
    send_request_field: str = "send_request",
    send_response_field: str = "send_response",
    batch_size: int = env("SQS_BATCH_SIZE", "BATCH_SIZE", default=10),
    max_request_size: int = env("SQS_MAX_PAYLOAD_SIZE", "MAX_PAYLOAD_SIZE", default=MAX_REQUEST_SIZE),
    parallel: int = env("SQS_PARALLEL", "PARALLEL", default=8),
    claim_check_bucket_name: str | None = env("CLAIMCHECK_BUCKET_NAME"),
    claim_check_parallel: int = env("S3_PARALLEL", "PARALLEL", default=8),
    claim_check_connector: S3Writes | None = None,
    put_claim_check_request_field: str = "put_claim_check_request",
    put_claim_check_response_field: str = "put_claim_check_response",
    connector: SqsApi | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Send each uow's message (``message_field``: a SendMessageBatch entry such as
    ``{"MessageBody": ..., "MessageGroupId": ...}``) to ``queue_url``, ``batch_size`` (≤ 10) a call.

    On the wire each entry's ``Id`` is its position in the call (``"0"`` to ``"9"``; an ``Id`` of the
    message's own is replaced, so Ids never collide). A message must have a non-empty string
    ``MessageBody``, else its uow alone fails with ``AwsValidationError``; its size (body plus each
    message attribute's name, data type and value, as SQS counts it) is checked against
    ``max_request_size``; over it, a body that is a JSON event is stored by claim check when a
    bucket is configured. Each uow gets ``send_request`` (the batch, as sent) and
    ``send_response`` (its message's result); a uow without a message (missing, ``None`` or
    empty) passes through untouched.
    """
    b = StepBuild("send_to_sqs", shared)
    url = b.required("queue_url", queue_url, "QUEUE_URL")
    message_f = b.field("message_field", message_field)
    request_f = b.field("send_request_field", send_request_field)
    response_f = b.field("send_response_field", send_response_field)
    size = min(b.count("batch_size", batch_size), MAX_BATCH_SIZE)
    max_size = b.count("max_request_size", max_request_size)
    n = b.count("parallel", parallel)
    claim_check = claim_check_store(
        b,
        claim_check_bucket_name,
        claim_check_connector,
        claim_check_parallel,
        put_claim_check_request_field,
        put_claim_check_response_field,
    )
    sqs = b.connector(SQS, connector, n, needs=("send_message_batch",))

    def check_size(x: Any) -> Uow:
        uow = b.uow(x)
        message = b.request(uow, message_f, ("sendRequest",))
        if not message:
            return uow
        b.mapping(uow, message_f, message)
        try:
            body = message.get("MessageBody")
            if not isinstance(body, str) or not body:
                raise AwsValidationError(
                    f"MessageBody must be a non-empty string, got {body!r}", code="InvalidArgument", uow=uow
                )
            return fit_entry(
                uow,
                entry_field=message_f,
                entry=message,
                size=message_size(message),
                max_bytes=max_size,
                claim_check=claim_check,
                event=_json_object(body) if claim_check is not None else None,
                body=body,
                remake=lambda stub: {**message, "MessageBody": stub},
            )
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    async def call(entries: list[Any]) -> Any:
        # The connector matches SQS's answers to the entries by these wire Ids and reports them by
        # position, which is how the sink maps them back to the uows.
        return await sqs.send_message_batch(url, _with_ids(entries))

    send = batched_sink(
        entry_field=message_f,
        request_field=request_f,
        request=lambda entries: {"QueueUrl": url, "Entries": _with_ids(entries)},
        response_field=response_f,
        batch_size=size,
        max_batch_bytes=max_size,
        parallel=n,
        call=call,
        claim_check=claim_check,
        size=message_size,
    )

    def step(s: Stream[Uow]) -> Stream[Uow]:
        return s.map(check_size).through(send)

    return step


def _with_ids(entries: list[Any]) -> list[dict[str, Any]]:
    """The entries as sent: ``Id`` is the position in the call, so the Ids are always distinct."""
    return [{**e, "Id": str(j)} for j, e in enumerate(entries)]


def message_size(message: Any, body_field: str = "MessageBody") -> int:
    """What a message weighs against the SQS / SNS limit: its body, and each message attribute's
    name, data type and value (string or binary), in bytes. Never raises."""
    if not isinstance(message, dict):
        return 0
    size = _utf8_len(message.get(body_field))
    attributes = message.get("MessageAttributes")
    for name, attr in attributes.items() if isinstance(attributes, dict) else ():
        size += _utf8_len(name)
        if isinstance(attr, dict):
            size += _utf8_len(attr.get("DataType"))
            size += _utf8_len(attr.get("StringValue")) + _utf8_len(attr.get("BinaryValue"))
    return size


def _utf8_len(value: Any) -> int:
    if isinstance(value, str):
        return utf8_size(value)
    if isinstance(value, bytes | bytearray):
        return len(value)
    return 0


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
