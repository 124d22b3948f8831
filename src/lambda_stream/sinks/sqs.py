"""``send_to_sqs``: messages to an SQS queue with SendMessageBatch (≤ 10 messages / 256 KiB a call)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import AwsValidationError
from ..utils.json import dumps
from ._batched import batched_sink, entry_size
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

    An entry without ``Id`` gets its position in the batch. Options: ``batch_size``
    (``SQS_BATCH_SIZE``/``BATCH_SIZE``, 10, never more), ``max_request_size``
    (``SQS_MAX_PAYLOAD_SIZE``/``MAX_PAYLOAD_SIZE``, 256 KiB), ``parallel`` (``SQS_PARALLEL``/
    ``PARALLEL``, 8), claim-check options (a body that is a JSON event is stored in S3 and a stub
    sent instead), ``connector``/``connectors``. Each uow gets ``send_request`` (the batch) and
    ``send_response`` (its message's result); a uow without a message passes through untouched.
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
        if message is None:
            return uow
        size = entry_size(message)
        if size <= max_size:
            return uow
        body = message.get("MessageBody")
        event = _json_object(body) if claim_check is not None and isinstance(body, str) else None
        if claim_check is None or event is None or body is None:
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
        with_ids = [e if "Id" in e else {**e, "Id": str(j)} for j, e in enumerate(entries)]
        return await connector.send_message_batch(queue_url, with_ids)

    send = batched_sink(
        entry_field=message_field,
        request_field=request_field,
        request=lambda entries: {"QueueUrl": queue_url, "Entries": entries},
        response_field=response_field,
        batch_size=batch_size,
        max_batch_bytes=max_size,
        parallel=parallel,
        call=call,
        claim_check=claim_check,
    )

    def step(s: Stream[Any]) -> Stream[Any]:
        return s.map(check_size).through(send)

    return step


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
