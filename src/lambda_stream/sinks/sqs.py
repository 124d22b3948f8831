"""``send_to_sqs``: messages to an SQS queue with SendMessageBatch (≤ 10 messages / 256 KiB a call)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import AwsValidationError
from ..utils.json import dumps
from ._batched import batched_sink
from ._common import MAX_REQUEST_SIZE, Uow, option_number, required_str, resolve_connector
from .claim_check import claim_check_store

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["send_to_sqs"]

MAX_BATCH_SIZE = 10


def _load() -> Any:
    from ..connectors.sqs import SqsConnector

    return SqsConnector


def send_to_sqs(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Send each uow's message (``message_field``, default ``"message"``: a SendMessageBatch entry
    such as ``{"MessageBody": ..., "MessageGroupId": ...}``) to ``queue_url`` (``QUEUE_URL``).

    On the wire each entry's ``Id`` is its position in the call (``"0"`` to ``"9"``; an ``Id`` of the
    message's own is replaced, so Ids never collide). A message must have a non-empty string
    ``MessageBody``, else its uow alone fails with ``AwsValidationError``; its size (body plus each
    message attribute's name, data type and value, as SQS counts it) is checked against
    ``max_request_size``. Options: ``batch_size``
    (``SQS_BATCH_SIZE``/``BATCH_SIZE``, 10, never more), ``max_request_size``
    (``SQS_MAX_PAYLOAD_SIZE``/``MAX_PAYLOAD_SIZE``, 256 KiB), ``parallel`` (``SQS_PARALLEL``/
    ``PARALLEL``, 8), claim-check options (a body that is a JSON event is stored in S3 and a stub
    sent instead), ``connector``/``connectors``. Each uow gets ``send_request`` (the batch, as sent)
    and ``send_response`` (its message's result); a uow without a message (missing, ``None`` or
    empty) passes through untouched.
    """
    queue_url = required_str(opt, "queue_url", ("QUEUE_URL",), "send_to_sqs")
    message_field = str(opt.get("message_field") or "message")
    request_field = str(opt.get("send_request_field") or "send_request")
    response_field = str(opt.get("send_response_field") or "send_response")
    batch_size = min(option_number(opt, "batch_size", ("SQS_BATCH_SIZE", "BATCH_SIZE"), 10), MAX_BATCH_SIZE)
    max_size = option_number(
        opt, "max_request_size", ("SQS_MAX_PAYLOAD_SIZE", "MAX_PAYLOAD_SIZE"), MAX_REQUEST_SIZE
    )
    parallel = option_number(opt, "parallel", ("SQS_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)
    claim_check = claim_check_store(opt)

    def check_size(uow: Uow) -> Uow:
        message = uow.get(message_field)
        if not message:
            return uow
        body = message.get("MessageBody")
        if not isinstance(body, str) or not body:
            raise AwsValidationError(
                f"MessageBody must be a non-empty string, got {body!r}", code="InvalidArgument", uow=uow
            )
        size = message_size(message)
        if size <= max_size:
            return uow
        event = _json_object(body) if claim_check is not None else None
        if claim_check is None or event is None:
            raise AwsValidationError(
                f"Request size: {size}, exceeded max: {max_size}", code="RequestSizeExceeded", uow=uow
            )
        stub, put = claim_check.check(event, body)
        return {
            **uow,
            message_field: {**message, "MessageBody": dumps(stub)},
            claim_check.request_field: put,
        }

    async def call(entries: list[Any]) -> Any:
        # The connector matches SQS's answers to the entries by these wire Ids and reports them by
        # position, which is how the sink maps them back to the uows.
        return await connector.send_message_batch(queue_url, _with_ids(entries))

    send = batched_sink(
        entry_field=message_field,
        request_field=request_field,
        request=lambda entries: {"QueueUrl": queue_url, "Entries": _with_ids(entries)},
        response_field=response_field,
        batch_size=batch_size,
        max_batch_bytes=max_size,
        parallel=parallel,
        call=call,
        claim_check=claim_check,
        size=message_size,
    )

    def step(s: Stream[Any]) -> Stream[Any]:
        return s.map(check_size).through(send)

    return step


def _with_ids(entries: list[Any]) -> list[dict[str, Any]]:
    """The entries as sent: ``Id`` is the position in the call, so the Ids are always distinct."""
    return [{**e, "Id": str(j)} for j, e in enumerate(entries)]


def _utf8_len(value: Any) -> int:
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode("utf-8"))
    if isinstance(value, bytes | bytearray):
        return len(value)
    return 0


def message_size(message: Any) -> int:
    """What a message weighs against SQS's limit: its body, and each message attribute's name,
    data type and value (string or binary), in bytes."""
    if not isinstance(message, dict):
        return 0
    size = _utf8_len(message.get("MessageBody"))
    for name, attr in (message.get("MessageAttributes") or {}).items():
        size += _utf8_len(name)
        if isinstance(attr, dict):
            size += _utf8_len(attr.get("DataType"))
            size += _utf8_len(attr.get("StringValue")) + _utf8_len(attr.get("BinaryValue"))
    return size


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
